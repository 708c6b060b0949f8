import { afterEach, describe, expect, it } from 'vitest';
import { SmscTestBed, asciiSubmit, sleep, type TestEsme } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import { decodeMessageIdResp } from './smsc-pdu.js';

const TO = '+4915112345678';

describe('SmscSimulator flow control', () => {
  let bed: SmscTestBed;

  afterEach(async () => {
    await bed.stop();
  });

  async function statusesOf(esme: TestEsme, count: number): Promise<number[]> {
    const responses = await Promise.all(Array.from({ length: count }, (_, i) => esme.submit(asciiSubmit(TO, `m${i}`, 0))));
    return responses.map((response) => response.commandStatus);
  }

  describe('maxTps', () => {
    it('answers submits beyond the rate with ESME_RTHROTTLED and stores none of them', async () => {
      bed = await SmscTestBed.start({ maxTps: 5 });
      const esme = await bed.bound();

      const statuses = await statusesOf(esme, 8);

      expect(statuses.filter((status) => status === 0)).toHaveLength(5);
      expect(statuses.filter((status) => status === 0x58)).toHaveLength(3);
      expect(bed.simulator.inbox()).toHaveLength(5);
      expect(bed.simulator.stats()).toMatchObject({ submitsReceived: 8, submitsAccepted: 5, submitsRefused: 3, throttled: 3 });
    });

    it('counts the rate per system_id, not per bind', async () => {
      bed = await SmscTestBed.start({ maxTps: 4, accounts: [{ systemId: 'other', password: 'pw' }] });
      const first = await bed.bound();
      const second = await bed.bound();
      const other = await bed.bound('transceiver', { systemId: 'other', password: 'pw' });

      const together = [...(await statusesOf(first, 3)), ...(await statusesOf(second, 3))];
      const apart = await statusesOf(other, 3);

      expect(together.filter((status) => status === 0x58)).toHaveLength(2);
      expect(apart).toEqual([0, 0, 0]);
    });

    it('admits submits again once the second has passed', async () => {
      bed = await SmscTestBed.start({ maxTps: 2 });
      const esme = await bed.bound();
      await statusesOf(esme, 3);

      await sleep(1050);

      expect(await statusesOf(esme, 2)).toEqual([0, 0]);
    });

    it('can be switched on and off at run time', async () => {
      bed = await SmscTestBed.start();
      const esme = await bed.bound();

      bed.simulator.updateBehaviour({ maxTps: 1 });
      const limited = await statusesOf(esme, 2);
      bed.simulator.updateBehaviour({ maxTps: null });

      expect(limited).toEqual([0, 0x58]);
      expect(await statusesOf(esme, 3)).toEqual([0, 0, 0]);
    });
  });

  describe('window', () => {
    it('answers submits beyond the window with ESME_RMSGQFUL while earlier ones are processed', async () => {
      bed = await SmscTestBed.start({ window: 2, submitLatencyMs: 100 });
      const esme = await bed.bound();

      const statuses = await statusesOf(esme, 5);

      expect(statuses).toEqual([0, 0, 0x14, 0x14, 0x14]);
      expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 2, queueFull: 3, submitsRefused: 3 });
      expect(bed.simulator.inbox()).toHaveLength(2);
    });

    it('counts the window per bind', async () => {
      bed = await SmscTestBed.start({ window: 1, submitLatencyMs: 80 });
      const first = await bed.bound();
      const second = await bed.bound();

      const [a, b] = await Promise.all([statusesOf(first, 2), statusesOf(second, 2)]);

      expect(a).toEqual([0, 0x14]);
      expect(b).toEqual([0, 0x14]);
    });

    it('shows submits in processing per session', async () => {
      bed = await SmscTestBed.start({ window: 3, submitLatencyMs: 200 });
      const esme = await bed.bound();

      const pending = statusesOf(esme, 2);
      await waitFor(() => bed.simulator.sessions().sessions[0]?.inFlight === 2);
      await pending;

      expect(bed.simulator.sessions().sessions[0]?.inFlight).toBe(0);
    });

    it('neither stores nor answers a submit whose bind dropped while it was processed', async () => {
      bed = await SmscTestBed.start({ submitLatencyMs: 100 });
      const esme = await bed.bound();

      const submitted = esme.submit(asciiSubmit(TO, 'lost', 0)).catch((error: unknown) => error);
      await waitFor(() => bed.simulator.sessions().sessions[0]?.inFlight === 1);
      bed.simulator.disconnectAll();

      expect(await submitted).toBeInstanceOf(Error);
      await waitFor(() => bed.simulator.stats().submitsAbandoned === 1);
      expect(bed.simulator.inbox()).toEqual([]);
    });
  });

  describe('random submit errors', () => {
    it('refuses the share given by submitErrorRate with the configured status, the same ones for the same seed', async () => {
      const run = async (): Promise<number[]> => {
        bed = await SmscTestBed.start({ submitErrorRate: 0.3, submitErrorStatus: 0x45, seed: 1234 });
        const esme = await bed.bound();
        const statuses: number[] = [];
        for (let i = 0; i < 40; i += 1) statuses.push((await esme.submit(asciiSubmit(TO, `m${i}`, 0))).commandStatus);
        await bed.stop();
        return statuses;
      };

      const first = await run();
      const second = await run();
      bed = await SmscTestBed.start();

      expect(first).toEqual(second);
      expect(new Set(first)).toEqual(new Set([0, 0x45]));
      const refused = first.filter((status) => status === 0x45).length;
      expect(refused).toBeGreaterThan(3);
      expect(refused).toBeLessThan(25);
    });

    it('defaults to ESME_RSYSERR and counts what it drew', async () => {
      bed = await SmscTestBed.start({ submitErrorRate: 1 });
      const esme = await bed.bound();

      expect(await statusesOf(esme, 2)).toEqual([0x08, 0x08]);
      expect(bed.simulator.stats()).toMatchObject({ randomErrors: 2, submitsRefused: 2, submitsAccepted: 0 });
    });
  });

  describe('lost and late submit_sm_resp', () => {
    it('stores but never answers the next N submits', async () => {
      bed = await SmscTestBed.start();
      const esme = await bed.bound();
      bed.simulator.dropNextSubmitResponses(2);

      const unanswered = [esme.submit(asciiSubmit(TO, 'one', 0)), esme.submit(asciiSubmit(TO, 'two', 0))];
      const answered = await esme.submit(asciiSubmit(TO, 'three', 0));

      expect(answered.commandStatus).toBe(0);
      expect(bed.simulator.inbox().map((message) => message.text)).toEqual(['one', 'two', 'three']);
      expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 3, responsesDropped: 2 });
      expect(bed.simulator.behaviour().dropSubmitResponses).toBeNull();
      void Promise.allSettled(unanswered);
    });

    it('drops a share of responses by rate, reproducibly with a seed', async () => {
      bed = await SmscTestBed.start({ dropSubmitResponses: { count: null, rate: 0.5 }, seed: 99 });
      const esme = await bed.bound();

      for (let i = 0; i < 20; i += 1) void esme.submit(asciiSubmit(TO, `m${i}`, 0)).catch(() => undefined);
      await waitFor(() => bed.simulator.stats().submitsAccepted === 20);

      const { responsesDropped } = bed.simulator.stats();
      expect(responsesDropped).toBeGreaterThan(2);
      expect(responsesDropped).toBeLessThan(18);
    });

    it('answers late, after the message is stored and its receipt sent', async () => {
      bed = await SmscTestBed.start({ lateSubmitResponseMs: 150, receiptDelayMs: 10 });
      const esme = await bed.bound();

      const started = Date.now();
      const response = esme.submit(asciiSubmit(TO, 'slow'));
      await waitFor(() => bed.simulator.inbox().length === 1 && esme.delivered.length === 1);
      const answered = await response;

      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(decodeMessageIdResp(answered.body)).toBe(bed.simulator.latest()?.id);
      expect(bed.simulator.stats()).toMatchObject({ responsesLate: 1, submitsAccepted: 1 });
    });
  });
});
