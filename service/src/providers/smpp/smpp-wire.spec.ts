import { describe, expect, it } from 'vitest';
import { createPdu, formatCommandStatus, messageField, parseCommandStatus, parsePdu } from './smpp-wire.js';

describe('formatCommandStatus', () => {
  it.each([
    [0x0b, '0x0000000b ESME_RINVDSTADR'],
    [0x58, '0x00000058 ESME_RTHROTTLED'],
    [0x0400, '0x00000400'],
  ])('formats %i as %j', (status, text) => {
    expect(formatCommandStatus(status)).toBe(text);
  });
});

describe('parseCommandStatus', () => {
  it.each([
    ['ESME_RTHROTTLED', 0x58],
    ['0x14', 0x14],
    ['11', 11],
    [88, 88],
    ['ESME_NOPE', undefined],
    [-1, undefined],
    [1.5, undefined],
    ['0x123456789', undefined],
  ])('reads %j as %s', (value, status) => {
    expect(parseCommandStatus(value)).toBe(status);
  });
});

describe('PDU round trip through the library', () => {
  it('decodes message_payload UCS-2 back to the text, leaving short_message empty', () => {
    const sent = createPdu('submit_sm', {
      destination_addr: '4915112345678',
      data_coding: 8,
      message_payload: Buffer.from('Жa🔐', 'utf16le').swap16(),
    });

    const received = parsePdu(sent.toBuffer());

    expect(received.command).toBe('submit_sm');
    expect(messageField(received, 'message_payload')).toBe('Жa🔐');
    expect(messageField(received, 'short_message')).toBe('');
  });

  it('decodes unpacked GSM-7 in short_message with data_coding 0', () => {
    const sent = createPdu('deliver_sm', { data_coding: 0, short_message: Buffer.from([0x1b, 0x65, 0x00, 0x41]) });

    expect(messageField(parsePdu(sent.toBuffer()), 'short_message')).toBe('€@A');
  });
});
