import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscTestBed } from '../../test/support/smsc-test-client.js';
import { TlvTag } from './smsc-pdu.js';
import { NoReceiverError } from './smsc.simulator.js';

describe('SmscSimulator mobile-originated messages', () => {
  let bed: SmscTestBed;

  beforeEach(async () => {
    bed = await SmscTestBed.start();
  });

  afterEach(async () => {
    await bed.stop();
  });

  it('delivers a GSM-7 text as deliver_sm with esm_class 0 and returns the ESME status', async () => {
    const esme = await bed.bound();

    const status = await bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text: 'STOP @ 5€' });

    expect(status).toBe(0);
    expect(esme.delivered).toEqual([
      expect.objectContaining({ esmClass: 0, dataCoding: 0, sourceAddrTon: 1, sourceAddrNpi: 1, sourceAddr: '4915112345678', destAddrTon: 0, destinationAddr: '4711' }),
    ]);
    expect(esme.delivered[0]?.shortMessage).toEqual(Buffer.from([0x53, 0x54, 0x4f, 0x50, 0x20, 0x00, 0x20, 0x35, 0x1b, 0x65]));
    expect(bed.simulator.stats()).toMatchObject({ moSent: 1, moAcknowledged: 1 });
  });

  it('chooses UCS-2 for text outside GSM-7', async () => {
    const esme = await bed.bound('receiver');

    await bed.simulator.sendMo({ from: '+79161234567', to: '+4915100000000', text: 'Привет 👋' });

    expect(esme.delivered[0]).toMatchObject({ dataCoding: 8, destAddrTon: 1 });
    expect(esme.delivered[0]?.shortMessage).toEqual(Buffer.from('Привет 👋', 'utf16le').swap16());
  });

  it('returns the error status the ESME answered with', async () => {
    const esme = await bed.bound();
    esme.deliverStatus = 0x64;

    expect(await bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text: 'hi' })).toBe(0x64);
    expect(bed.simulator.stats().moRejected).toBe(1);
  });

  it('sends a long text in message_payload, or in UDH or SAR parts when asked', async () => {
    const esme = await bed.bound();
    const text = 'x'.repeat(200);

    await bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text });
    await bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text, split: 'udh' });
    await bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text, split: 'sar' });

    const [payload, udh1, udh2, sar1, sar2] = esme.delivered;
    expect(payload?.tlvs.get(TlvTag.message_payload)).toEqual(Buffer.alloc(200, 0x78));
    expect(udh1?.esmClass).toBe(0x40);
    expect(udh1?.shortMessage.subarray(0, 6)).toEqual(Buffer.from([0x05, 0x00, 0x03, 2, 2, 1]));
    expect(udh1?.shortMessage).toHaveLength(6 + 153);
    expect(udh2?.shortMessage.subarray(0, 6)).toEqual(Buffer.from([0x05, 0x00, 0x03, 2, 2, 2]));
    expect(sar1?.tlvs.get(TlvTag.sar_total_segments)).toEqual(Buffer.from([2]));
    expect(sar2?.tlvs.get(TlvTag.sar_segment_seqnum)).toEqual(Buffer.from([2]));
    expect(bed.simulator.stats().moSent).toBe(5);
  });

  it('prefers a receiver whose address_range matches the destination', async () => {
    const usa = await bed.bound('receiver', { addressRange: '1.*' });
    const germany = await bed.bound('receiver', { addressRange: '49.*' });

    await bed.simulator.sendMo({ from: '+4915112345678', to: '+4930123456', text: 'de' });
    await bed.simulator.sendMo({ from: '+4915112345678', to: '+4420123456', text: 'uk' });

    expect(germany.delivered.map((pdu) => pdu.shortMessage.toString('latin1'))).toEqual(['de']);
    expect(usa.delivered.map((pdu) => pdu.shortMessage.toString('latin1'))).toEqual(['uk']);
  });

  it('refuses when only transmitters are bound, and text the data_coding cannot hold', async () => {
    await bed.bound('transmitter');

    await expect(bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text: 'hi' })).rejects.toBeInstanceOf(NoReceiverError);
    await expect(bed.simulator.sendMo({ from: '+4915112345678', to: '4711', text: '€', dataCoding: 3 })).rejects.toBeInstanceOf(RangeError);
  });

  describe('over HTTP', () => {
    it('sends and answers with the ESME status', async () => {
      const esme = await bed.bound();

      const response = await bed.send('POST', '/mo', { from: '+4915112345678', to: '4711', text: 'YES', dataCoding: 3 });

      expect(response).toEqual({ status: 200, body: { commandStatus: 0 } });
      expect(esme.delivered[0]).toMatchObject({ dataCoding: 3 });
    });

    it.each([
      [{ to: '4711', text: 'x' }, 'from'],
      [{ from: '+4915112345678', to: '', text: 'x' }, 'to'],
      [{ from: '+4915112345678', to: '4711', text: 1 }, 'text'],
      [{ from: '+4915112345678', to: '4711', text: 'x', dataCoding: 4 }, 'dataCoding'],
      [{ from: '+4915112345678', to: '4711', text: 'x', split: 'halves' }, 'split'],
      [{ from: '+4915112345678', to: '4711', text: 'x', colour: 'red' }, 'colour'],
      [{ from: '+4915112345678', to: '4711', text: '€', dataCoding: 3 }, 'text'],
    ])('answers 400 for %j naming %s', async (body, field) => {
      await bed.bound();

      const response = await bed.send('POST', '/mo', body);

      expect(response).toMatchObject({ status: 400, body: { field } });
    });

    it('answers 409 when no receiver is bound', async () => {
      expect(await bed.send('POST', '/mo', { from: '+4915112345678', to: '4711', text: 'x' })).toMatchObject({ status: 409 });
    });
  });
});
