import { describe, expect, it } from 'vitest';
import type { MessageState } from '../journal/index.js';
import { nextGiveUpAt, reasonToGiveUp, type GiveUpContext } from './give-up-rules.js';

const NOW = Date.parse('2026-01-02T03:00:00Z');

function message(fields: { sendBefore?: string | null; modems?: string[]; submitted?: number } = {}): MessageState {
  const submitted = fields.submitted ?? 0;
  return {
    command: { seq: 1, type: 'command-accepted', messageId: 'm-1', to: '+33612345678', text: 'x', parts: 3, validitySeconds: 0, statusReport: true, sendBefore: fields.sendBefore ?? null, modems: fields.modems ?? [], acceptedAt: new Date(NOW - 60_000).toISOString() },
    status: 'pending',
    nextPart: submitted + 1,
    submittedParts: Array.from({ length: submitted }, (_, i) => ({ part: i + 1, modem: 'a', reference: i })),
  };
}

const context = (fields: Partial<GiveUpContext> = {}): GiveUpContext => ({ now: NOW, configuredModems: ['a', 'b'], pinned: undefined, waitingSince: NOW, pinnedPatienceMs: 600_000, ...fields });

describe('reasonToGiveUp', () => {
  it('gives up a message not started before its send-before time, and only then', () => {
    expect(reasonToGiveUp(message({ sendBefore: '2026-01-02T03:00:00Z' }), context())).toContain('send-before');
    expect(reasonToGiveUp(message({ sendBefore: '2026-01-02T03:00:01Z' }), context())).toBeUndefined();
  });

  it('lets the rest of a message started in time go on after its send-before time', () => {
    expect(reasonToGiveUp(message({ sendBefore: '2026-01-02T02:00:00Z', submitted: 1 }), context({ pinned: 'a' }))).toBeUndefined();
  });

  it('gives up a message that may use only modems this agent lacks', () => {
    expect(reasonToGiveUp(message({ modems: ['z'] }), context())).toContain('(z)');
    expect(reasonToGiveUp(message({ modems: ['z', 'b'] }), context())).toBeUndefined();
  });

  it('gives up the rest of a message whose modem stayed away past the patience', () => {
    expect(reasonToGiveUp(message({ submitted: 1 }), context({ pinned: 'a', waitingSince: NOW - 600_000 }))).toContain('modem a');
    expect(reasonToGiveUp(message({ submitted: 1 }), context({ pinned: 'a', waitingSince: NOW - 599_999 }))).toBeUndefined();
  });
});

describe('nextGiveUpAt', () => {
  it('is the earlier of the send-before time and the end of the patience', () => {
    expect(nextGiveUpAt(message({ sendBefore: '2026-01-02T03:05:00Z' }), context())).toBe(Date.parse('2026-01-02T03:05:00Z'));
    expect(nextGiveUpAt(message({ submitted: 1 }), context({ pinned: 'a' }))).toBe(NOW + 600_000);
    expect(nextGiveUpAt(message(), context())).toBeUndefined();
  });
});
