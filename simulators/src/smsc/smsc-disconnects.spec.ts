import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscTestBed, asciiSubmit } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import { CommandId } from './smsc-pdu.js';

const TO = '+4915112345678';

describe('SmscSimulator disconnects', () => {
  let bed: SmscTestBed;

  beforeEach(async () => {
    bed = await SmscTestBed.start();
  });

  afterEach(async () => {
    await bed.stop();
  });

  describe('disconnectAfterSubmits', () => {
    it('answers the n-th accepted submit, then closes every bind cleanly: what was already sent is taken, never answered', async () => {
      const esme = await bed.bound();
      const receiver = await bed.bound('receiver');
      bed.simulator.disconnectAfterSubmits(3);

      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => esme.submit(asciiSubmit(TO, `m${i}`, 0))));
      await Promise.all([esme.whenClosed(), receiver.whenClosed()]);

      expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.commandStatus : 'closed'))).toEqual([0, 0, 0, 'closed', 'closed']);
      // The two sent before the FIN reached the ESME are stored (their receipts follow on the
      // next receiver bind) though their answers could not be sent: an ESME must not resend them.
      expect(bed.simulator.inbox().map((message) => message.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 5, scheduledDisconnects: 1 });
      expect(bed.simulator.behaviour().disconnectAfterSubmits).toBeNull();
    });

    it('drops again after every n with repeat', async () => {
      bed.simulator.disconnectAfterSubmits(2, { repeat: true });

      for (let round = 0; round < 2; round += 1) {
        const esme = await bed.bound();
        await esme.submit(asciiSubmit(TO, `r${round}a`, 0));
        await esme.submit(asciiSubmit(TO, `r${round}b`, 0));
        await esme.whenClosed();
      }

      expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 4, scheduledDisconnects: 2 });
    });

    it('delivers the receipts of messages accepted before the drop once a receiver binds again', async () => {
      const esme = await bed.bound();
      bed.simulator.disconnectAfterSubmits(1);
      await esme.submit(asciiSubmit(TO, 'before the drop'));
      await esme.whenClosed();

      const again = await bed.bound();

      await waitFor(() => again.delivered.length === 1);
      expect(bed.simulator.latest()?.status).toBe('delivered');
    });
  });

  describe('disconnectEveryMs', () => {
    it('drops every bind on schedule until switched off', async () => {
      bed.simulator.updateBehaviour({ disconnectEveryMs: 40 });

      const first = await bed.bound();
      await first.whenClosed();
      const second = await bed.bound();
      await second.whenClosed();
      bed.simulator.updateBehaviour({ disconnectEveryMs: null });
      const third = await bed.bound();
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(third.closed).toBe(false);
      expect(bed.simulator.stats().scheduledDisconnects).toBeGreaterThanOrEqual(2);
    });
  });

  describe('unbind', () => {
    it('sends unbind to every bind, waits for unbind_resp and closes', async () => {
      const transmitter = await bed.bound('transmitter');
      const receiver = await bed.bound('receiver');
      await bed.connect(); // connected, not bound: left alone

      const unbound = await bed.simulator.unbindAll();
      await Promise.all([transmitter.whenClosed(), receiver.whenClosed()]);

      expect(unbound).toBe(2);
      expect(transmitter.requests.map((pdu) => pdu.commandId)).toEqual([CommandId.unbind]);
      expect(bed.simulator.stats().unbindsSent).toBe(2);
      await waitFor(() => bed.simulator.sessions().connected === 1);
    });

    it('unbinds over HTTP', async () => {
      const esme = await bed.bound();

      expect(await bed.http('/sessions/unbind', { method: 'POST' })).toEqual({ status: 200, body: { unbound: 1 } });
      await esme.whenClosed();
    });
  });

  describe('disconnectAll', () => {
    it('kills every connection at once', async () => {
      const esme = await bed.bound();

      expect(bed.simulator.disconnectAll()).toBe(1);
      await esme.whenClosed();
      await waitFor(() => bed.simulator.sessions().connected === 0);
    });
  });
});
