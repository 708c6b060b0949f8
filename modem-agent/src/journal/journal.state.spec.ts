import { describe, expect, it } from 'vitest';
import type { CommandAccepted, JournalRecord } from './journal.records.js';
import { JournalState, NETWORK_DEFAULT_VALIDITY_SECONDS } from './journal.state.js';

const ACCEPTED_AT = Date.parse('2025-03-01T10:00:00.000Z');

function command(messageId: string, parts = 1): CommandAccepted {
  return {
    type: 'command-accepted',
    messageId,
    to: '+33612345678',
    text: 'Your code is 481516',
    parts,
    validitySeconds: 3600,
    statusReport: true,
    sendBefore: null,
    modems: [],
    acceptedAt: new Date(ACCEPTED_AT).toISOString(),
  };
}

/** A state built from `records`, each checked against the rules first as the journal does. */
function stateOf(...records: JournalRecord[]): JournalState {
  const state = new JournalState();
  records.forEach((record, i) => {
    const violation = state.violation(record);
    if (violation !== undefined) throw new Error(`record ${i}: ${violation}`);
    state.apply({ seq: i + 1, ...record });
  });
  return state;
}

const attempt = (messageId: string, part = 1) =>
  ({ type: 'radio-attempt-started', messageId, modem: 'orange-1', part }) as const;
const submitted = (messageId: string, part = 1, reference = 7) =>
  ({ type: 'submitted', messageId, modem: 'orange-1', part, reference }) as const;

describe('a message through its lifecycle', () => {
  it('is pending once accepted, in flight once handed to the radio, submitted when the network took it', () => {
    const state = stateOf(command('m-1'));
    expect(state.message('m-1')?.status).toBe('pending');
    state.apply({ seq: 2, ...attempt('m-1') });
    expect(state.message('m-1')).toMatchObject({ status: 'in-flight', inFlight: { modem: 'orange-1', part: 1 } });
    state.apply({ seq: 3, ...submitted('m-1') });
    expect(state.message('m-1')).toMatchObject({
      status: 'submitted',
      submittedParts: [{ part: 1, modem: 'orange-1', reference: 7 }],
    });
  });

  it('goes back to pending between the parts of a long message', () => {
    const state = stateOf(command('m-1', 2), attempt('m-1', 1), submitted('m-1', 1));
    expect(state.pendingCommands().map((m) => [m.command.messageId, m.nextPart])).toEqual([['m-1', 2]]);
  });

  it('is pending again, at the same part, when an attempt is abandoned before the prompt', () => {
    const abandoned = { type: 'radio-attempt-abandoned', messageId: 'm-1', modem: 'orange-1', part: 2, reason: 'no prompt' } as const;
    const state = stateOf(command('m-1', 2), attempt('m-1', 1), submitted('m-1', 1), attempt('m-1', 2), abandoned);
    expect(state.message('m-1')).toMatchObject({ status: 'pending', nextPart: 2 });
    expect(state.message('m-1')?.inFlight).toBeUndefined();
    const onAnother = { type: 'radio-attempt-started', messageId: 'm-1', modem: 'sfr-1', part: 2 } as const;
    expect(state.violation(onAnother)).toBeUndefined();
  });

  it('lists messages with parts at the network that asked for status reports', () => {
    const quiet = { ...command('m-3'), statusReport: false };
    const state = stateOf(command('m-1'), command('m-2'), quiet, attempt('m-1'), submitted('m-1'), attempt('m-3'), submitted('m-3'));
    expect(state.awaitingReceipts().map((m) => m.command.messageId)).toEqual(['m-1']);
  });

  it('lists pending messages in the order they were accepted', () => {
    const state = stateOf(command('m-2'), command('m-1'), command('m-3'), attempt('m-1'));
    expect(state.pendingCommands().map((m) => m.command.messageId)).toEqual(['m-2', 'm-3']);
    expect(state.inFlight().map((m) => m.command.messageId)).toEqual(['m-1']);
  });
});

describe('the rules an append must follow', () => {
  it('refuses a part handed to the radio a second time', () => {
    const state = stateOf(command('m-1', 2), attempt('m-1', 1), submitted('m-1', 1));
    expect(state.violation(attempt('m-1', 1))).toBe('message m-1 part 1 was already handed to the radio');
  });

  it('refuses a second attempt while a part is with the radio', () => {
    const state = stateOf(command('m-1', 2), attempt('m-1', 1));
    expect(state.violation(attempt('m-1', 2))).toBe('message m-1 already has part 1 with the radio');
  });

  it('refuses to abandon an attempt that is not with that modem', () => {
    const abandoned = { type: 'radio-attempt-abandoned', messageId: 'm-1', modem: 'sfr-1', part: 1, reason: 'no prompt' } as const;
    expect(stateOf(command('m-1')).violation(abandoned)).toBe('message m-1 part 1 is not with modem sfr-1');
    expect(stateOf(command('m-1'), attempt('m-1')).violation(abandoned)).toBe('message m-1 part 1 is not with modem sfr-1');
  });

  it('refuses any attempt once the message is final', () => {
    const failed = { type: 'failed', messageId: 'm-1', reason: 'no SIM', retryable: true } as const;
    const state = stateOf(command('m-1'), failed);
    expect(state.violation(attempt('m-1'))).toBe('message m-1 is failed: it never goes to the radio again');
  });

  it('refuses parts out of order and past the last', () => {
    const state = stateOf(command('m-1', 2));
    expect(state.violation(attempt('m-1', 2))).toBe('message m-1 part 2 comes before part 1');
    expect(state.violation(attempt('m-1', 3))).toBe('message m-1 has 2 part(s), not 3');
  });

  it('refuses a submission for a part that is not with that modem', () => {
    const state = stateOf(command('m-1'), attempt('m-1'));
    const elsewhere = { ...submitted('m-1'), modem: 'free-2' };
    expect(state.violation(elsewhere)).toBe('message m-1 part 1 is not with modem free-2');
  });

  it('refuses records about a message never accepted, and a receipt before any submission', () => {
    const state = stateOf(command('m-1'));
    expect(state.violation(attempt('m-9'))).toBe('message m-9 was never accepted');
    const receipt = { type: 'receipt', messageId: 'm-1', part: 1, status: 'delivered', statusCode: 0, at: '2025-03-01T10:00:05Z' } as const;
    expect(state.violation(receipt)).toBe('message m-1 has no part with the network yet');
  });
});

describe('results awaiting acknowledgement', () => {
  it('lists results oldest first and drops the acknowledged ones', () => {
    const inbound = { type: 'inbound', id: 'in-1', modem: 'orange-1', from: '+33600000000', text: 'STOP', parts: 1, at: '2025-03-01T10:01:00Z' } as const;
    const state = stateOf(command('m-1'), attempt('m-1'), submitted('m-1'), inbound);
    expect(state.unackedResults().map((r) => r.seq)).toEqual([3, 4]);
    state.apply({ seq: 5, type: 'acked', resultIds: [3] });
    expect(state.unackedResults().map((r) => r.seq)).toEqual([4]);
  });
});

describe('what a snapshot retains', () => {
  const settled = (id: string) => [command(id), attempt(id), submitted(id)] as const;
  const expired = ACCEPTED_AT + 3600 * 1000;

  it('forgets a final, acknowledged message once its validity has run out', () => {
    const state = stateOf(...settled('m-1'), { type: 'acked', resultIds: [3] });
    expect(state.retain(expired - 1).entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(state.retain(expired)).toEqual({ entries: [], ackedIds: [] });
    expect(state.message('m-1')).toBeUndefined();
  });

  it('keeps a message whose result is not acknowledged, however old', () => {
    const state = stateOf(...settled('m-1'));
    expect(state.retain(expired + 86_400_000).entries.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps a message until its send-before time, so a late resend of its command is still known', () => {
    const sendBefore = expired + 60_000;
    const state = stateOf(
      { ...command('m-1'), sendBefore: new Date(sendBefore).toISOString() },
      attempt('m-1'),
      submitted('m-1'),
      { type: 'acked', resultIds: [3] },
    );
    expect(state.retain(sendBefore - 1).entries).toHaveLength(3);
    expect(state.retain(sendBefore).entries).toHaveLength(0);
  });

  it("keeps a message without its own validity for the network's default of 3 days", () => {
    const state = stateOf({ ...command('m-1'), validitySeconds: 0 }, attempt('m-1'), submitted('m-1'), {
      type: 'acked',
      resultIds: [3],
    });
    const threeDays = ACCEPTED_AT + NETWORK_DEFAULT_VALIDITY_SECONDS * 1000;
    expect(state.retain(threeDays - 1).entries).toHaveLength(3);
    expect(state.retain(threeDays).entries).toHaveLength(0);
  });

  it('keeps the acknowledgement of a result whose message it keeps', () => {
    const state = stateOf(...settled('m-1'), { type: 'acked', resultIds: [3] });
    expect(state.retain(expired - 1).ackedIds).toEqual([3]);
  });
});
