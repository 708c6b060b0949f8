import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscSimulator } from '@switchboard/simulators/smsc';
import { silentLogger } from '../../shared/logger.js';
import { SmppBind } from './smpp-bind.js';

const timings = { enquireLinkIntervalMs: 30_000, enquireLinkTimeoutMs: 1000, bindTimeoutMs: 1000, unbindTimeoutMs: 200, reconnectMinMs: 10, reconnectMaxMs: 50, stableBindMs: 1000 };

describe('SmppBind', () => {
  let simulator: SmscSimulator;
  let port: number;

  beforeEach(async () => {
    simulator = new SmscSimulator({ smppPort: 0, httpPort: 0 });
    ({ smppPort: port } = await simulator.start());
  });

  afterEach(async () => {
    await simulator.stop();
  });

  function bind(bindType: 'transceiver' | 'transmitter' | 'receiver') {
    return new SmppBind({
      provider: 'sim',
      id: 'rx-1',
      bindType,
      target: { host: '127.0.0.1', port, systemId: 'switchboard', password: 'secret', windowSize: 1 },
      timings,
      onRequest: () => undefined,
      onStrayResponse: () => undefined,
      onProtocolError: () => undefined,
      onBound: () => undefined,
      logger: silentLogger,
    });
  }

  it('closes a bind that came up when the provider gives up starting, so retries leave no socket behind', async () => {
    const receiver = bind('receiver');
    await receiver.start();
    expect(simulator.sessions().bound).toBe(1);

    await receiver.reset();

    await expect.poll(() => simulator.sessions().connected).toBe(0);
    expect(receiver.state).toBe('disconnected');
    await receiver.start(); // may start again
    expect(simulator.sessions().bound).toBe(1);
    await receiver.stop();
  });

  it('cannot submit as a receiver', async () => {
    const receiver = bind('receiver');
    await receiver.start();
    expect(receiver.canSubmit).toBe(false);
    await receiver.stop();
  });
});
