import type { SendSms } from '@switchboard/proto/switchboard/v1/agent';
import { describe, expect, it } from 'vitest';
import { readSendSms } from './send-sms.reader.js';

const now = new Date('2026-12-08T00:00:00.000Z');
const sms = (overrides: Partial<SendSms> = {}): SendSms => ({
  messageId: '6f1c2a0e-8d3b-4a55-9a7e-0c9b1f2d3e4a',
  to: '+4915112345678',
  text: 'Your code is 123456',
  requestStatusReport: true,
  validitySeconds: 600,
  sendBefore: new Date('2026-12-08T00:05:00.000Z'),
  modems: [],
  ...overrides,
});

describe('readSendSms', () => {
  it('reads a well-formed command into command-accepted', () => {
    expect(readSendSms(sms({ modems: ['sim-a'] }), now, ['sim-a'])).toEqual({
      kind: 'valid',
      command: {
        type: 'command-accepted',
        messageId: '6f1c2a0e-8d3b-4a55-9a7e-0c9b1f2d3e4a',
        to: '+4915112345678',
        text: 'Your code is 123456',
        parts: 1,
        validitySeconds: 600,
        statusReport: true,
        sendBefore: '2026-12-08T00:05:00.000Z',
        modems: ['sim-a'],
        acceptedAt: '2026-12-08T00:00:00.000Z',
      },
    });
  });

  it('counts parts as the encoder splits them: 161 GSM-7 characters are two', () => {
    const reading = readSendSms(sms({ text: 'a'.repeat(161) }), now, []);
    expect(reading.kind === 'valid' && reading.command.parts).toBe(2);
  });

  it('has no send-before limit when the field is unset', () => {
    const reading = readSendSms(sms({ sendBefore: undefined }), now, []);
    expect(reading.kind === 'valid' && reading.command.sendBefore).toBeNull();
  });

  it('cannot journal a command without message_id', () => {
    expect(readSendSms(sms({ messageId: '' }), now, [])).toMatchObject({ kind: 'unusable', field: 'message_id' });
  });

  it.each([
    ['to', { to: '015112345678' }],
    ['to', { to: '' }],
    ['to', { to: '+0151' }],
    ['text', { text: '' }],
    ['modems', { modems: ['sim-a', ''] }],
  ])('names %s when it is malformed, failing it permanently, still journallable', (field, overrides) => {
    const reading = readSendSms(sms(overrides), now, ['sim-a']);
    expect(reading).toMatchObject({ kind: 'malformed', field, retryable: false });
    expect(reading.kind === 'malformed' && reading.reason).toContain(`send_sms.${field}`);
    expect(reading.kind === 'malformed' && reading.command.to).not.toBe('');
  });

  it('fails a command only for modems this agent lacks as retryable: another route may send it', () => {
    const reading = readSendSms(sms({ modems: ['sim-z'] }), now, ['sim-a', 'sim-b']);
    expect(reading).toMatchObject({ kind: 'malformed', field: 'modems', retryable: true });
    expect(reading.kind === 'malformed' && reading.reason).toContain('sim-a, sim-b');
  });

  it('accepts a command for several modems when this agent has one of them', () => {
    expect(readSendSms(sms({ modems: ['sim-z', 'sim-b'] }), now, ['sim-a', 'sim-b']).kind).toBe('valid');
  });
});
