import { describe, expect, it } from 'vitest';
import type { SmsDeliver } from '../pdu/sms-deliver-decoder.js';
import { InboundAssembler } from './inbound-assembler.js';

const SCTS = Date.parse('2026-01-02T03:04:05Z');

/** The fields of an SMS-DELIVER the assembler reads; the rest does not matter to it. */
function deliver(text: string, from = '+33612345678', concatenation?: { reference: number; totalParts: number; sequence: number }, at = SCTS): SmsDeliver {
  return {
    originator: { value: from },
    serviceCentreTimestamp: { epochMillis: at },
    userData: {
      header: concatenation === undefined ? undefined : { elements: [], concatenation: { ...concatenation, referenceBits: 8 } },
      body: { kind: 'text', text },
    },
  } as unknown as SmsDeliver;
}

describe('InboundAssembler', () => {
  it('hands up a single SMS at once, with an id from modem, sender and network time', () => {
    const sms = new InboundAssembler('orange-1').add(3, deliver('Oui'));
    expect(sms).toEqual({ id: 'orange-1/+33612345678/2026-01-02T03:04:05.000Z/single', modem: 'orange-1', from: '+33612345678', text: 'Oui', parts: 1, receivedAt: SCTS, indices: [3] });
  });

  it('joins parts arriving out of order once the last is in, in part order', () => {
    const assembler = new InboundAssembler('orange-1');
    expect(assembler.add(5, deliver('world', undefined, { reference: 9, totalParts: 3, sequence: 3 }))).toBeUndefined();
    expect(assembler.add(2, deliver('Hello ', undefined, { reference: 9, totalParts: 3, sequence: 1 }))).toBeUndefined();
    expect(assembler.waitingParts).toBe(2);
    const sms = assembler.add(4, deliver('big ', undefined, { reference: 9, totalParts: 3, sequence: 2 }));
    expect(sms).toMatchObject({ text: 'Hello big world', parts: 3, indices: [2, 4, 5], id: 'orange-1/+33612345678/2026-01-02T03:04:05.000Z/9' });
    expect(assembler.waitingParts).toBe(0);
  });

  it('keeps the parts of two senders with the same reference apart', () => {
    const assembler = new InboundAssembler('orange-1');
    assembler.add(1, deliver('a1', '+331', { reference: 1, totalParts: 2, sequence: 1 }));
    assembler.add(2, deliver('b1', '+332', { reference: 1, totalParts: 2, sequence: 1 }));
    expect(assembler.add(3, deliver('a2', '+331', { reference: 1, totalParts: 2, sequence: 2 }))).toMatchObject({ from: '+331', text: 'a1a2' });
  });

  it('deletes a part the network stored twice along with the joined message', () => {
    const assembler = new InboundAssembler('orange-1');
    assembler.add(1, deliver('x', undefined, { reference: 4, totalParts: 2, sequence: 1 }));
    assembler.add(2, deliver('x', undefined, { reference: 4, totalParts: 2, sequence: 1 }));
    expect(assembler.add(3, deliver('y', undefined, { reference: 4, totalParts: 2, sequence: 2 }))).toMatchObject({ text: 'xy', indices: [1, 2, 3] });
  });
});
