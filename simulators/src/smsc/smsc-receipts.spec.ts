import { afterEach, describe, expect, it } from 'vitest';
import { SmscTestBed, asciiSubmit, sleep, type TestEsme } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import { TlvTag, decodeMessageIdResp, type ShortMessageBody } from './smsc-pdu.js';
import type { SmscSimulatorOptions } from './smsc.simulator.js';

const TO = '+4915112345678';

function text(receipt: ShortMessageBody | undefined): string {
  return receipt?.shortMessage.toString('latin1') ?? '';
}

function tlvText(receipt: ShortMessageBody | undefined, tag: number): string | undefined {
  return receipt?.tlvs.get(tag)?.toString('latin1').replace(/\0$/, '');
}

describe('SmscSimulator receipts', () => {
  let bed: SmscTestBed;
  let esme: TestEsme;

  afterEach(async () => {
    await bed.stop();
  });

  async function start(options: SmscSimulatorOptions = {}): Promise<void> {
    bed = await SmscTestBed.start(options);
    esme = await bed.bound();
  }

  /** Submits one message and waits for `receipts` deliver_sm; resolves with the issued id. */
  async function submitAndWait(to = TO, registeredDelivery = 1, receipts = 1): Promise<string> {
    const before = esme.delivered.length;
    const response = await esme.submit(asciiSubmit(to, 'Your code is 482913', registeredDelivery));
    await waitFor(() => esme.delivered.length === before + receipts);
    return decodeMessageIdResp(response.body);
  }

  describe('ids and binds', () => {
    it('issues ids counting up from messageIdSequence, and the same ids again when told to start over', async () => {
      await start({ messageIdSequence: 4000, messageIdFormat: 'decimal' });

      const first = [await submitAndWait(), await submitAndWait()];
      bed.simulator.updateBehaviour({ messageIdSequence: 4000 });
      const again = await submitAndWait('+4915112345679');

      expect(first).toEqual(['4000', '4001']);
      expect(again).toBe('4000');
    });

    it('sends a receipt on another receiving bind of the account when receiptSession is `other`', async () => {
      await start({ receiptSession: 'other' });
      const other = await bed.bound('receiver');

      const response = await esme.submit(asciiSubmit(TO, 'Your code is 482913', 1));
      await waitFor(() => other.delivered.length === 1);

      expect(tlvText(other.delivered[0], TlvTag.receipted_message_id)).toBe(decodeMessageIdResp(response.body));
      expect(esme.delivered).toHaveLength(0);
    });

    it('sends it on the submitting bind when that is the only one that can receive', async () => {
      await start({ receiptSession: 'other' });
      await submitAndWait();
      expect(esme.delivered).toHaveLength(1);
    });
  });

  describe('styles', () => {
    it('sends the Appendix B text and the TLVs in the `both` style (the default)', async () => {
      await start();

      const id = await submitAndWait();

      const receipt = esme.delivered[0];
      expect(text(receipt)).toMatch(new RegExp(`^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Your code is 482913$`));
      expect(tlvText(receipt, TlvTag.receipted_message_id)).toBe(id);
      expect(receipt?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([2]));
    });

    it('sends only the text in the `text` style', async () => {
      await start({ receiptStyle: 'text' });

      const id = await submitAndWait();

      const receipt = esme.delivered[0];
      expect(text(receipt)).toMatch(new RegExp(`^id:${id} `));
      expect(receipt?.tlvs.size).toBe(0);
      expect(receipt?.esmClass).toBe(0x04);
    });

    it('sends only TLVs, with an empty short_message, in the `tlv` style', async () => {
      await start({ receiptStyle: 'tlv' });

      const id = await submitAndWait();

      const receipt = esme.delivered[0];
      expect(receipt?.shortMessage).toHaveLength(0);
      expect(tlvText(receipt, TlvTag.receipted_message_id)).toBe(id);
      expect(receipt?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([2]));
      expect(receipt?.tlvs.get(TlvTag.network_error_code)).toEqual(Buffer.from([3, 0, 0]));
    });

    it('writes dates with seconds when told to', async () => {
      await start({ receiptDateSeconds: true });

      await submitAndWait();

      expect(text(esme.delivered[0])).toMatch(/submit date:\d{12} done date:\d{12} /);
    });
  });

  describe('id formats', () => {
    it('reports decimal ids in upper-case hex', async () => {
      await start({ messageIdFormat: 'decimal', receiptIdFormat: 'hex' });

      const id = await submitAndWait();

      const hex = BigInt(id).toString(16).toUpperCase();
      expect(id).toMatch(/^\d+$/);
      expect(text(esme.delivered[0])).toMatch(new RegExp(`^id:${hex} `));
      expect(tlvText(esme.delivered[0], TlvTag.receipted_message_id)).toBe(hex);
    });

    it('reports hex ids in decimal', async () => {
      await start({ messageIdFormat: 'hex', receiptIdFormat: 'decimal' });

      const id = await submitAndWait();

      const decimal = BigInt(`0x${id}`).toString(10);
      expect(text(esme.delivered[0])).toMatch(new RegExp(`^id:${decimal} `));
      expect(tlvText(esme.delivered[0], TlvTag.receipted_message_id)).toBe(decimal);
    });

    it('reports ids as issued with `same`', async () => {
      await start({ messageIdFormat: 'decimal' });

      const id = await submitAndWait();

      expect(tlvText(esme.delivered[0], TlvTag.receipted_message_id)).toBe(id);
    });
  });

  describe('states', () => {
    it.each([
      ['failed', 'UNDELIV', 5, 'failed'],
      ['expired', 'EXPIRED', 3, 'expired'],
      ['rejected', 'REJECTD', 8, 'rejected'],
    ] as const)('sends %s as stat:%s, message_state %i', async (mode, stat, state, status) => {
      await start({ receipts: mode });

      await submitAndWait();

      expect(text(esme.delivered[0])).toContain(`stat:${stat} `);
      expect(esme.delivered[0]?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([state]));
      expect(bed.simulator.latest()?.status).toBe(status);
    });

    it('chooses the state per destination', async () => {
      await start();
      bed.simulator.setReceiptFor('+14155550123', 'expired');

      await submitAndWait(TO);
      await submitAndWait('+14155550123');

      expect(esme.delivered.map((receipt) => receipt.tlvs.get(TlvTag.message_state)?.[0])).toEqual([2, 3]);
      expect(bed.simulator.inbox().map((message) => message.status)).toEqual(['delivered', 'expired']);
    });

    it('uses queued modes first, one per receipt asked for', async () => {
      await start();
      bed.simulator.setReceiptFor(TO, 'failed');
      bed.simulator.queueReceipts('expired', 'delivered');

      await submitAndWait();
      await submitAndWait();
      await submitAndWait();

      expect(esme.delivered.map((receipt) => receipt.tlvs.get(TlvTag.message_state)?.[0])).toEqual([3, 2, 5]);
      expect(bed.simulator.behaviour().nextReceipts).toEqual([]);
    });

    it('sends no final receipt for a destination set to drop, and counts it', async () => {
      await start();
      bed.simulator.setReceiptFor(TO, 'drop');

      await esme.submit(asciiSubmit(TO, 'x'));
      await sleep(40);

      expect(esme.delivered).toEqual([]);
      expect(bed.simulator.stats().receiptsDropped).toBe(1);
    });

    it('sends failure-only receipts (registered_delivery 2) for failures alone', async () => {
      await start();
      bed.simulator.setReceiptFor('+14155550123', 'failed');

      await esme.submit(asciiSubmit(TO, 'ok', 2));
      await submitAndWait('+14155550123', 2);
      await sleep(30);

      expect(esme.delivered.map((receipt) => receipt.tlvs.get(TlvTag.message_state)?.[0])).toEqual([5]);
    });

    it('waits receiptDelayMs before the receipt', async () => {
      await start({ receiptDelayMs: 150 });

      await esme.submit(asciiSubmit(TO, 'x'));
      await sleep(60);
      expect(esme.delivered).toEqual([]);

      await waitFor(() => esme.delivered.length === 1);
    });
  });

  describe('intermediate notifications', () => {
    it('sends ENROUTE with esm_class 0x20 before the final receipt when registered_delivery bit 4 asks', async () => {
      await start({ receiptDelayMs: 40 });

      const id = await submitAndWait(TO, 0x11, 2);

      const [intermediate, final] = esme.delivered;
      expect(intermediate?.esmClass).toBe(0x20);
      expect(text(intermediate)).toMatch(new RegExp(`^id:${id} .* stat:ENROUTE `));
      expect(intermediate?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([1]));
      expect(final?.esmClass).toBe(0x04);
      expect(bed.simulator.stats()).toMatchObject({ intermediateReceiptsSent: 1, receiptsSent: 1 });
    });

    it('sends ACCEPTD when configured, and only that when no final receipt was asked for', async () => {
      await start({ intermediateReceiptState: 'ACCEPTD' });

      await submitAndWait(TO, 0x10, 1);
      await sleep(30);

      expect(esme.delivered).toHaveLength(1);
      expect(esme.delivered[0]?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([6]));
      expect(bed.simulator.latest()?.parts[0]?.status).toBe('enroute');
    });
  });
});
