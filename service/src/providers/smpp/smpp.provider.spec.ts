import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscSimulator } from '@switchboard/simulators/smsc';
import type { DeliveryReceipt, InboundSms, LateAcceptance, OutboundSms } from '../channel-provider.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './smpp-frame-fixtures.js';
import { normaliseProviderMessageId } from '../channel-provider.js';
import type { Logger } from '../../shared/logger.js';
import { CommandStatus, createWireServer } from './smpp-wire.js';
import { SmppOptionsError, type SmppProviderOptions } from './smpp-provider-options.js';
import { SmppProvider } from './smpp.provider.js';
import { providerFailure as rejection } from '../provider-fixtures.js';
import { waitFor } from '../../../test/support/waiting.js';

const TO = '+4915112345678';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sms(overrides: Partial<OutboundSms> = {}): OutboundSms {
  return { messageId: 'msg-1', attemptId: 'att-1', to: TO, from: 'Switchboard', text: 'Your code is 482913', ...overrides };
}

function recordingLogger(): Logger & { errors: string[]; lines: string[]; entries: { message: string; fields: Record<string, unknown> }[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  const entries: { message: string; fields: Record<string, unknown> }[] = [];
  const record = (fields: object, message: string): void => {
    entries.push({ message, fields: fields as Record<string, unknown> });
    lines.push(`${message} ${JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value))}`);
  };
  return {
    lines,
    errors,
    entries,
    debug: record,
    info: record,
    warn: record,
    error: (fields, message) => {
      errors.push(message);
      record(fields, message);
    },
  };
}

/** A TCP server that accepts and never says a word: an SMSC hung before its SMPP layer. */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; open: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const live = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    live.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => live.delete(socket));
    socket.resume(); // read and drop the bind, so the peer's FIN is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    open: () => live.size,
    close: async () => {
      for (const socket of live) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An SMSC that accepts every bind and drops the connection `dropAfterMs` later. */
async function flakySmsc(dropAfterMs: number): Promise<{ port: number; binds: () => number; close: () => Promise<void> }> {
  let binds = 0;
  const server = createWireServer((wire) => {
    wire.on('error', () => undefined);
    wire.on('pdu', (pdu) => {
      if (pdu.command !== 'bind_transceiver') return;
      binds += 1;
      wire.socket.write(pdu.response({ system_id: 'flaky' }).toBuffer());
      setTimeout(() => {
        wire.destroy();
      }, dropAfterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    binds: () => binds,
    close: async () => {
      for (const session of [...server.sessions]) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('SmppProvider options', () => {
  const base: SmppProviderOptions = {
    name: 'sim',
    host: '127.0.0.1',
    port: 2775,
    systemId: 'switchboard',
    password: 'secret',
    sourceAddr: 'Switchboard',
    receiptSink: () => Promise.resolve(),
  };

  it.each([
    ['systemId', 'a'.repeat(16), 15],
    ['password', 'p'.repeat(9), 8],
    ['systemType', 't'.repeat(13), 12],
  ] as const)('refuses a %s longer than SMPP 3.4 §4.1 allows, naming it', (field, value, limit) => {
    const construct = (): SmppProvider => new SmppProvider({ ...base, [field]: value });

    expect(construct).toThrow(SmppOptionsError);
    expect(construct).toThrow(new RegExp(`^${field} is ${value.length} octets; SMPP 3.4 §4.1 allows at most ${limit}$`));
  });

  it('takes each field at its limit', () => {
    expect(() => new SmppProvider({ ...base, systemId: 'a'.repeat(15), password: 'p'.repeat(8), systemType: 't'.repeat(12) })).not.toThrow();
  });

  it('refuses a non-ASCII password without echoing it', () => {
    const error = (() => {
      try {
        new SmppProvider({ ...base, password: 'pässwd' });
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(SmppOptionsError);
    expect(error).toMatchObject({ field: 'password' });
    expect((error as Error).message).not.toContain('pässwd');
  });
});

describe('SmppProvider connection hygiene', () => {
  let server: Awaited<ReturnType<typeof silentServer>>;

  beforeEach(async () => {
    server = await silentServer();
  });

  afterEach(async () => {
    await server.close();
  });

  function provider(overrides: Partial<SmppProviderOptions> = {}): SmppProvider {
    return new SmppProvider({
      name: 'silent',
      host: '127.0.0.1',
      port: server.port,
      systemId: 'switchboard',
      password: 'secret',
      sourceAddr: 'Switchboard',
      bindTimeoutMs: 80,
      receiptSink: () => Promise.resolve(),
      ...overrides,
    });
  }

  it('closes the connection when bind_transceiver_resp never comes', async () => {
    const smpp = provider();

    const error = await rejection(smpp.start());

    expect(error.retryable).toBe(true);
    expect(error.message).toContain('no bind_transceiver_resp within 80 ms');
    expect(server.sockets).toHaveLength(1);
    await waitFor(() => server.open() === 0, 'every connection to close', 500);
    expect(smpp.lastBindError()).toBe(error);
  });

  it('closes the connection when stopped while the bind is pending', async () => {
    const smpp = provider({ bindTimeoutMs: 5000 });

    const starting = rejection(smpp.start());
    await waitFor(() => server.open() === 1);
    await smpp.stop();

    expect((await starting).retryable).toBe(true);
    await waitFor(() => server.open() === 0, 'every connection to close', 500);
    expect(smpp.state()).toBe('stopped');
  });
});

describe('SmppProvider rebinding against an SMSC that drops every bind', () => {
  let smsc: Awaited<ReturnType<typeof flakySmsc>> | undefined;
  let smpp: SmppProvider | undefined;

  afterEach(async () => {
    await smpp?.stop();
    await smsc?.close();
  });

  async function bound(dropAfterMs: number, overrides: Partial<SmppProviderOptions>): Promise<SmppProvider> {
    smsc = await flakySmsc(dropAfterMs);
    smpp = new SmppProvider({
      name: 'flaky',
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'switchboard',
      password: 'secret',
      sourceAddr: 'Switchboard',
      reconnectMinMs: 20,
      reconnectMaxMs: 2000,
      receiptSink: () => Promise.resolve(),
      ...overrides,
    });
    await smpp.start();
    return smpp;
  }

  it('keeps backing off while no bind stays up', async () => {
    const logger = recordingLogger();
    await bound(5, { logger });

    await sleep(700);

    // Without backoff a rebind every ~20 ms would make ~30; doubling from 20 ms makes about 6.
    expect(smsc?.binds()).toBeLessThanOrEqual(8);
    const attempts = logger.entries.filter((entry) => entry.message === 'SMPP rebind scheduled').map((entry) => entry.fields.attempt);
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
  });

  it('starts again from the shortest delay after a bind that stayed up', async () => {
    const logger = recordingLogger();
    await bound(60, { logger, stableBindMs: 30 });

    await waitFor(() => (smsc?.binds() ?? 0) >= 4, 'four binds', 2000);

    const attempts = logger.entries.filter((entry) => entry.message === 'SMPP rebind scheduled').map((entry) => entry.fields.attempt);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(attempts)).toEqual(new Set([1]));
  });
});

describe('SmppProvider against the SMSC simulator', () => {
  let simulator: SmscSimulator;
  let smppPort: number;
  let receipts: DeliveryReceipt[];
  let providers: SmppProvider[];

  beforeEach(async () => {
    simulator = new SmscSimulator({ smppPort: 0, httpPort: 0, receiptDelayMs: 20 });
    ({ smppPort } = await simulator.start());
    receipts = [];
    providers = [];
  });

  afterEach(async () => {
    await Promise.all(providers.map((provider) => provider.stop()));
    await simulator.stop();
  });

  function provider(overrides: Partial<SmppProviderOptions> = {}): SmppProvider {
    const created = new SmppProvider({
      name: 'sim',
      host: '127.0.0.1',
      port: smppPort,
      systemId: 'switchboard',
      password: 'secret',
      sourceAddr: 'Switchboard',
      submitTimeoutMs: 1000,
      bindTimeoutMs: 1000,
      reconnectMinMs: 10,
      reconnectMaxMs: 50,
      receiptSink: (_name, receipt) => {
        receipts.push(receipt);
        return Promise.resolve();
      },
      ...overrides,
    });
    providers.push(created);
    return created;
  }

  async function started(overrides: Partial<SmppProviderOptions> = {}): Promise<SmppProvider> {
    const created = provider(overrides);
    await created.start();
    return created;
  }

  describe('binding', () => {
    it('binds as transceiver and reports bound', async () => {
      const smpp = await started();

      expect(smpp.state()).toBe('bound');
      expect(simulator.sessions().sessions).toEqual([expect.objectContaining({ mode: 'transceiver' })]);
    });

    it('rejects start() with a permanent error naming the status when the password is wrong', async () => {
      const smpp = provider({ password: 'wrong' });

      const error = await rejection(smpp.start());

      expect(error.retryable).toBe(false);
      expect(error.providerCode).toBe('0x0000000e ESME_RINVPASWD');
      expect(error.message).toContain('ESME_RINVPASWD');
      expect(smpp.state()).toBe('disconnected');
      await sleep(60);
      expect(simulator.stats().bindsRefused).toBe(1); // no background rebind after a refused start
    });

    it.each([
      ['wrong system_id', { systemId: 'nobody' }, undefined, '0x0000000f ESME_RINVSYSID'],
      ['refused system_type', {}, 'ESME_RINVSYSTYP', '0x00000053 ESME_RINVSYSTYP'],
    ] as const)('rejects start() permanently for a %s', async (_case, overrides, refusal, providerCode) => {
      if (refusal !== undefined) simulator.failNextBinds(null, refusal);
      const smpp = provider(overrides);

      const error = await rejection(smpp.start());

      expect(error).toMatchObject({ retryable: false, providerCode });
      expect(smpp.lastBindError()).toBe(error);
    });

    it.each(['ESME_RBINDFAIL', 'ESME_RALYBND', 'ESME_RSYSERR', 'ESME_RTHROTTLED'])(
      'rejects start() with a retryable error for %s and binds when started again',
      async (status) => {
        simulator.failNextBinds(1, status);
        const smpp = provider();

        const error = await rejection(smpp.start());

        expect(error.retryable).toBe(true);
        expect(error.providerCode).toContain(status);
        await waitFor(() => simulator.sessions().connected === 0, 'every session to disconnect', 500);
        await smpp.start();
        expect(smpp.state()).toBe('bound');
        expect(smpp.lastBindError()).toBeUndefined();
      },
    );

    it('rejects start() with a retryable error when nothing listens', async () => {
      await simulator.stop();
      const smpp = provider();

      const error = await rejection(smpp.start());

      expect(error.retryable).toBe(true);
      expect(smpp.state()).toBe('disconnected');
    });

    it('closes the connection after a refused bind', async () => {
      const smpp = provider({ password: 'wrong' });

      await rejection(smpp.start());

      await waitFor(() => simulator.sessions().connected === 0, 'every session to disconnect', 500);
    });

    it('unbinds on stop() and does not reconnect', async () => {
      const smpp = await started();

      await smpp.stop();
      await sleep(80);

      expect(smpp.state()).toBe('stopped');
      expect(simulator.stats().unbinds).toBe(1);
      expect(simulator.sessions().connected).toBe(0);
      expect(simulator.stats().binds).toBe(1);
    });
  });

  describe('submitting', () => {
    it('delivers a GSM text once to the number it was addressed to', async () => {
      const smpp = await started();

      const accepted = await smpp.submit(sms());

      const [message] = simulator.inbox();
      expect(simulator.stats().submitsReceived).toBe(1);
      expect(message).toMatchObject({ to: TO, from: 'Switchboard', fromTon: 5, fromNpi: 0, dataCoding: 0, text: 'Your code is 482913' });
      expect(accepted).toEqual({ providerMessageId: normaliseProviderMessageId(message?.id ?? ''), parts: 1 });
    });

    it('sends validUntil as a relative validity_period (SMPP 3.4 §7.1.1), none without it', async () => {
      const smpp = await started();

      await smpp.submit(sms({ validUntil: new Date(Date.now() + 600_000) }));
      await smpp.submit(sms({ validUntil: new Date(Date.now() + 5_000) }));
      await smpp.submit(sms());

      expect(simulator.inbox().map((message) => message.validityPeriod)).toEqual([
        '000000001000000R', // ten minutes, rounded up to whole seconds
        '000000000100000R', // at least one minute
        null,
      ]);
    });

    it('sends GSM extension characters intact', async () => {
      const smpp = await started();

      await smpp.submit(sms({ text: 'Price: 5€ [promo] {x} ~ | ^ \\' }));

      expect(simulator.latest(TO)).toMatchObject({ dataCoding: 0, text: 'Price: 5€ [promo] {x} ~ | ^ \\' });
    });

    it('sends Cyrillic and emoji as UCS-2 intact', async () => {
      const smpp = await started();
      const text = 'Ваш код: 482913 🔐';

      await smpp.submit(sms({ text }));

      expect(simulator.latest(TO)).toMatchObject({ dataCoding: 8, text, viaMessagePayload: false });
    });

    it('sends a text longer than one part in message_payload when asked to, and counts its parts', async () => {
      const smpp = await started({ longMessage: 'payload' });
      const text = 'a'.repeat(200);

      const accepted = await smpp.submit(sms({ text }));

      expect(simulator.latest(TO)).toMatchObject({ text, viaMessagePayload: true, dataCoding: 0 });
      expect(accepted.parts).toBe(2);
    });

    it('sends a long UCS-2 text in message_payload when asked to', async () => {
      const smpp = await started({ longMessage: 'payload' });
      const text = 'Привет! '.repeat(10); // 80 UTF-16 units

      const accepted = await smpp.submit(sms({ text }));

      expect(simulator.latest(TO)).toMatchObject({ text, viaMessagePayload: true, dataCoding: 8 });
      expect(accepted.parts).toBe(2);
    });

    it.each([
      { from: '12345', ton: 3, npi: 0, addr: '12345' },
      { from: '+14155550123', ton: 1, npi: 1, addr: '14155550123' },
    ])('addresses sender $from with TON $ton NPI $npi', async ({ from, ton, npi, addr }) => {
      const smpp = await started();

      await smpp.submit(sms({ from }));

      expect(simulator.latest()).toMatchObject({ from: addr, fromTon: ton, fromNpi: npi });
    });

    it('uses the configured sender when the message names none', async () => {
      const smpp = await started({ sourceAddr: '4711' });

      await smpp.submit(sms({ from: '' }));

      expect(simulator.latest()).toMatchObject({ from: '4711', fromTon: 3 });
    });

    it('refuses an invalid destination permanently without sending', async () => {
      const smpp = await started();

      const error = await rejection(smpp.submit(sms({ to: 'not-a-number' })));

      expect(error.retryable).toBe(false);
      expect(error.outcomeUnknown).toBe(false);
      expect(simulator.stats().submitsReceived).toBe(0);
    });

    it('maps ESME_RINVDSTADR to a permanent error with its code', async () => {
      const smpp = await started();
      simulator.failNextSubmits(1, 'ESME_RINVDSTADR');

      const error = await rejection(smpp.submit(sms()));

      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '0x0000000b ESME_RINVDSTADR' });
      expect(simulator.inbox()).toEqual([]);
    });

    it.each(['ESME_RTHROTTLED', 'ESME_RMSGQFUL'])('maps %s to a retryable error once its retries are used up', async (status) => {
      const smpp = await started({ throttleRetries: 0 });
      simulator.failNextSubmits(1, status);

      const error = await rejection(smpp.submit(sms()));

      expect(error).toMatchObject({ retryable: true, outcomeUnknown: false });
      expect(error.providerCode).toContain(status);
      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it.each(['ESME_RTHROTTLED', 'ESME_RMSGQFUL'])('backs off after %s and sends the same submit again, once', async (status) => {
      const throttled: string[] = [];
      const smpp = await started({ throttleRetries: 3, throttleBackoffMs: 20, metrics: { throttled: (name) => throttled.push(name), protocolError: () => undefined } });
      simulator.failNextSubmits(2, status);

      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });

      expect(simulator.stats().submitsReceived).toBe(3);
      expect(simulator.inbox()).toHaveLength(1);
      expect(throttled).toEqual(['sim', 'sim']);
    });

    it('rejects with outcome unknown when submit_sm_resp never comes', async () => {
      const smpp = await started({ submitTimeoutMs: 60 });
      simulator.updateBehaviour({ answerSubmits: false });

      const error = await rejection(smpp.submit(sms()));

      expect(error).toMatchObject({ retryable: false, outcomeUnknown: true });
      expect(simulator.inbox()).toHaveLength(1); // the dangerous case: it did go out
    });

    it('rejects an in-flight submit with outcome unknown when the link drops', async () => {
      const smpp = await started();
      simulator.updateBehaviour({ answerSubmits: false });

      const pending = smpp.submit(sms());
      await waitFor(() => simulator.stats().submitsReceived === 1);
      simulator.disconnectAll();

      expect(await rejection(pending)).toMatchObject({ retryable: false, outcomeUnknown: true });
    });

    it('rejects as retryable while not bound', async () => {
      const smpp = provider();

      const error = await rejection(smpp.submit(sms()));

      expect(error).toMatchObject({ retryable: true, outcomeUnknown: false });
    });
  });

  describe('receipts', () => {
    it('reports a delivered receipt under the id submit returned', async () => {
      const smpp = await started();

      const { providerMessageId } = await smpp.submit(sms());
      await waitFor(() => receipts.length === 1);

      expect(receipts[0]).toMatchObject({ providerMessageId, state: 'delivered', errorCode: undefined });
      expect(receipts[0]?.doneAt).toBeInstanceOf(Date);
      await waitFor(() => simulator.stats().receiptsAcknowledged === 1);
    });

    it('reads receipted_message_id sent without its NUL by its length: the receipt matches its id', async () => {
      simulator.updateBehaviour({ receiptStyle: 'tlv', receiptIdTlvNul: false, messageIdFormat: 'decimal' });
      const smpp = await started();
      const { providerMessageId } = await smpp.submit(sms());
      await waitFor(() => receipts.length === 1);
      expect(receipts[0]).toMatchObject({ providerMessageId, state: 'delivered' });
    });

    it('reports a failed receipt with the network error', async () => {
      const smpp = await started();
      simulator.setReceipts('failed');

      const { providerMessageId } = await smpp.submit(sms());
      await waitFor(() => receipts.length === 1);

      expect(receipts[0]).toMatchObject({ providerMessageId, state: 'failed', errorCode: 'gsm:1' });
    });

    it('reports nothing when the SMSC drops receipts', async () => {
      const smpp = await started();
      simulator.setReceipts('drop');

      await smpp.submit(sms());
      await sleep(100);

      expect(receipts).toEqual([]);
      expect(simulator.stats().receiptsDropped).toBe(1);
    });

    it('answers a receipt it cannot read and stays bound', async () => {
      const logger = recordingLogger();
      const smpp = await started({ logger });

      const status = await simulator.injectPdu('deliver_sm', { esm_class: 0x04, short_message: 'garbage, no fields' });

      expect(status).toBe(0);
      expect(receipts).toEqual([]);
      expect(logger.lines.some((line) => line.startsWith('unreadable delivery receipt'))).toBe(true);
      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it('answers a header-only deliver_sm and stays bound', async () => {
      const smpp = await started();
      const headerOnly = Buffer.alloc(16);
      headerOnly.writeUInt32BE(16, 0);
      headerOnly.writeUInt32BE(0x00000005, 4); // deliver_sm
      headerOnly.writeUInt32BE(0x7000_0001, 12);

      const status = await simulator.injectRaw(headerOnly);

      expect(status).toBe(0);
      expect(smpp.state()).toBe('bound');
      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it('passes a receipt for an unknown id to the sink and survives a throwing sink', async () => {
      const logger = recordingLogger();
      const seen: string[] = [];
      const smpp = await started({
        logger,
        receiptSink: (_name, receipt) => {
          seen.push(receipt.providerMessageId);
          return Promise.reject(new Error('no attempt with that id'));
        },
      });

      const status = await simulator.injectPdu('deliver_sm', { esm_class: 0x04, receipted_message_id: '00FFFF', message_state: 2 });

      expect(seen).toEqual(['ffff']);
      expect(status).toBe(0x64); // ESME_RX_T_APPN: the SMSC may redeliver later
      expect(logger.errors).toContain('receipt sink failed; asking the SMSC to redeliver');
      expect(smpp.state()).toBe('bound');
    });

    it('answers a mobile-originated deliver_sm without calling the sink', async () => {
      await started();

      const status = await simulator.injectPdu('deliver_sm', { esm_class: 0, short_message: 'hello' });

      expect(status).toBe(0);
      expect(receipts).toEqual([]);
    });
  });

  describe('carrier options', () => {
    it('sends a long text as SAR parts when asked to, each with its own id', async () => {
      const smpp = await started({ longMessage: 'sar' });
      const text = 'b'.repeat(200);

      const accepted = await smpp.submit(sms({ text }));

      expect(simulator.latest(TO)).toMatchObject({ text, segmentation: 'sar', total: 2, problems: [] });
      expect(accepted.parts).toBe(2);
      expect(accepted.partMessageIds).toHaveLength(2);
      expect(accepted.providerMessageId).toBe(accepted.partMessageIds?.[0]);
    });

    it('expects one receipt per long text from a carrier that reports a text once, and gets it for the last part', async () => {
      simulator.updateBehaviour({ receiptParts: 'last', receiptDelayMs: 10 });
      const smpp = await started({ partReceipts: 'one' });

      const accepted = await smpp.submit(sms({ text: 'c'.repeat(400) }));

      expect(accepted).toMatchObject({ parts: 3, receiptsExpected: 1 });
      await waitFor(() => receipts.length === 1);
      expect(receipts.map((receipt) => receipt.providerMessageId)).toEqual([accepted.partMessageIds?.[2]]);
    });

    it('expects a receipt for every part by default', async () => {
      const smpp = await started();
      expect(await smpp.submit(sms({ text: 'c'.repeat(400) }))).toMatchObject({ parts: 3, receiptsExpected: 3 });
    });

    it('sends Latin-1 with data_coding 3 for carriers that want it', async () => {
      const smpp = await started({ textCoding: 'latin1' });

      await smpp.submit(sms({ text: 'Grüße, ¿qué tal? ©' }));

      expect(simulator.latest(TO)).toMatchObject({ text: 'Grüße, ¿qué tal? ©', dataCoding: 3 });
    });

    it('asks for intermediate notifications and reports them before the final receipt', async () => {
      const smpp = await started({ receipts: 'final-and-intermediate' });

      const { providerMessageId } = await smpp.submit(sms());

      expect(simulator.latest(TO)?.registeredDelivery).toBe(0x11);
      await waitFor(() => receipts.length >= 2);
      expect(receipts.map((receipt) => [receipt.providerMessageId, receipt.state])).toEqual([
        [providerMessageId, 'enroute'],
        [providerMessageId, 'delivered'],
      ]);
    });

    it('binds transmitter + receiver pairs: submits on transmitters, receipts on receivers', async () => {
      const smpp = await started({ bindMode: 'pair', binds: 2 });

      expect(smpp.status().binds.map((bind) => [bind.id, bind.bindType, bind.state])).toEqual([
        ['tx-1', 'transmitter', 'bound'],
        ['rx-1', 'receiver', 'bound'],
        ['tx-2', 'transmitter', 'bound'],
        ['rx-2', 'receiver', 'bound'],
      ]);
      const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => smpp.submit(sms({ to: `+4915123456${String(700 + i)}`, text: `pair ${i}` }))));
      await waitFor(() => receipts.length === 6);
      expect(new Set(receipts.map((receipt) => receipt.providerMessageId))).toEqual(new Set(sent.map((accepted) => accepted.providerMessageId)));
      const modes = simulator.sessions().sessions.map((session) => session.mode).sort();
      expect(modes).toEqual(['receiver', 'receiver', 'transmitter', 'transmitter']);
    });

    it('keeps at most windowSize submits outstanding per bind', async () => {
      simulator.updateBehaviour({ submitLatencyMs: 50 });
      const smpp = await started({ windowSize: 2 });
      let most = 0;
      const watch = setInterval(() => {
        most = Math.max(most, smpp.status().binds[0]?.outstanding ?? 0);
      }, 5);
      await Promise.all(Array.from({ length: 8 }, (_, i) => smpp.submit(sms({ to: `+4915123456${String(800 + i)}` }))));
      clearInterval(watch);
      expect(most).toBe(2);
      expect(simulator.stats().submitsAccepted).toBe(8);
    });

    it('binds over TLS', async () => {
      const tlsSimulator = new SmscSimulator({ smppPort: 0, httpPort: 0, receiptDelayMs: 20, tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
      const { smppPort: tlsPort } = await tlsSimulator.start();
      try {
        const smpp = await started({ port: tlsPort, tls: { ca: TEST_TLS_CERT, servername: 'localhost' } });
        await smpp.submit(sms({ text: 'over TLS' }));
        expect(tlsSimulator.latest(TO)?.text).toBe('over TLS');
        await smpp.stop();
      } finally {
        await tlsSimulator.stop();
      }
    });

    it('reports a submit_sm_resp that comes after the timeout as a late acceptance', async () => {
      const late: LateAcceptance[] = [];
      simulator.updateBehaviour({ lateSubmitResponseMs: 300 });
      const smpp = await started({ submitTimeoutMs: 100, lateAcceptanceSink: (_name, acceptance) => { late.push(acceptance); return Promise.resolve(); } });

      const error = await rejection(smpp.submit(sms({ attemptId: 'attempt-late' })));

      expect(error).toMatchObject({ retryable: false, outcomeUnknown: true });
      await waitFor(() => late.length === 1);
      expect(late[0]).toEqual({ attemptId: 'attempt-late', part: 1, parts: 1, receiptsExpected: 1, providerMessageId: normaliseProviderMessageId(simulator.latest(TO)?.id ?? '') });
      expect(simulator.inbox({ to: TO })).toHaveLength(1);
    });

    it('hands mobile-originated messages, reassembled, to the inbound sink', async () => {
      const inbound: InboundSms[] = [];
      await started({ inboundSink: (_name, message) => { inbound.push(message); return Promise.resolve(); } });
      const text = 'Ja, bitte. '.repeat(20).trim();

      expect(await simulator.sendMo({ from: '4915199990002', to: '4711', text, split: 'udh' })).toBe(0);

      await waitFor(() => inbound.length === 1);
      expect(inbound[0]).toMatchObject({ from: '4915199990002', to: '4711', text });
      expect(inbound[0]?.parts).toBeGreaterThan(1);
    });
  });

  describe('a flood of deliver_sm', () => {
    it('answers ESME_RTHROTTLED beyond maxDeliveriesInFlight while the store is slow, and takes the redelivery', async () => {
      const { promise: gate, resolve: release } = Promise.withResolvers<undefined>();
      const inbound: InboundSms[] = [];
      await started({ maxDeliveriesInFlight: 2, inboundSink: async (_name, message) => { await gate; inbound.push(message); } });

      const first = simulator.sendMo({ from: '4915199990003', to: '4711', text: 'one' });
      const second = simulator.sendMo({ from: '4915199990003', to: '4711', text: 'two' });
      await waitFor(() => simulator.stats().moSent >= 2);
      expect(await simulator.sendMo({ from: '4915199990003', to: '4711', text: 'three' })).toBe(CommandStatus.ESME_RTHROTTLED);

      release(undefined);
      expect(await Promise.all([first, second])).toEqual([0, 0]);
      expect(await simulator.sendMo({ from: '4915199990003', to: '4711', text: 'three' })).toBe(0);
      expect(inbound.map((message) => message.text)).toEqual(['one', 'two', 'three']);
    });
    it('holds new submits while half of maxDeliveriesInFlight are being stored, and sends them once the store catches up', async () => {
      const { promise: gate, resolve: release } = Promise.withResolvers<undefined>();
      let storing = 0;
      const smpp = await started({ maxDeliveriesInFlight: 2, inboundSink: async () => { storing += 1; await gate; } });
      const mo = simulator.sendMo({ from: '4915199990003', to: '4711', text: 'slow to store' });
      await waitFor(() => storing === 1);

      const submitted = smpp.submit(sms({ text: 'waits its turn' }));
      await sleep(150);
      expect(simulator.inbox({ to: TO })).toHaveLength(0);

      release(undefined);
      await expect(submitted).resolves.toMatchObject({ parts: 1 });
      expect(await mo).toBe(0);
      expect(simulator.inbox({ to: TO }).map((message) => message.text)).toEqual(['waits its turn']);
    });

    it('sends a held submit after bindWaitMs even when the store stays stuck', async () => {
      const { promise: gate, resolve: release } = Promise.withResolvers<undefined>();
      let storing = 0;
      const smpp = await started({ maxDeliveriesInFlight: 2, bindWaitMs: 100, inboundSink: async () => { storing += 1; await gate; } });
      const mo = simulator.sendMo({ from: '4915199990003', to: '4711', text: 'stuck' });
      await waitFor(() => storing === 1);

      await expect(smpp.submit(sms({ text: 'not held forever' }))).resolves.toMatchObject({ parts: 1 });
      expect(simulator.inbox({ to: TO })).toHaveLength(1);
      release(undefined);
      expect(await mo).toBe(0);
    });
  });

  describe('keeping the bind alive', () => {
    it("answers the SMSC's enquire_link", async () => {
      await started();

      await expect(simulator.injectPdu('enquire_link')).resolves.toBe(0);
    });

    it('sends enquire_link while idle', async () => {
      await started({ enquireLinkIntervalMs: 20 });

      await waitFor(() => simulator.stats().enquireLinks >= 2);
    });

    it('rebinds when enquire_link goes unanswered', async () => {
      const smpp = await started({ enquireLinkIntervalMs: 20, enquireLinkTimeoutMs: 40 });
      simulator.updateBehaviour({ answerEnquireLink: false });

      await waitFor(() => simulator.stats().binds === 2);
      simulator.updateBehaviour({ answerEnquireLink: true });

      await waitFor(() => smpp.state() === 'bound');
      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it('reconnects after the SMSC kills the session and submits again', async () => {
      const smpp = await started();

      simulator.disconnectAll();
      // The unbound moment may be too short to observe: the second bind is what shows the reconnect.
      await waitFor(() => simulator.stats().binds === 2 && smpp.state() === 'bound' && simulator.boundSessionCount() === 1, 'the provider to bind again');

      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
      expect(simulator.stats().binds).toBe(2);
    });

    it('keeps rebinding through retryable bind refusals', async () => {
      const smpp = await started();
      simulator.failNextBinds(3, 'ESME_RBINDFAIL');

      simulator.disconnectAll();
      await waitFor(() => simulator.stats().binds === 2 && smpp.state() === 'bound', 'the provider to bind again', 3000);

      expect(simulator.stats()).toMatchObject({ binds: 2, bindsRefused: 3 });
      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it('stops rebinding when the SMSC refuses the credentials, and says why', async () => {
      const logger = recordingLogger();
      const smpp = await started({ logger });
      simulator.failNextBinds(null, 'ESME_RINVPASWD');

      simulator.disconnectAll();
      await waitFor(() => simulator.stats().bindsRefused === 1);
      await sleep(150); // several reconnectMaxMs

      expect(simulator.stats().bindsRefused).toBe(1);
      expect(smpp.state()).toBe('disconnected');
      expect(smpp.lastBindError()).toMatchObject({ retryable: false, providerCode: '0x0000000e ESME_RINVPASWD' });
      expect(logger.errors).toContain('SMSC refused the credentials; no more rebinds');
      expect(simulator.sessions().connected).toBe(0);
    });

    it('rebinds after the SMSC unbinds', async () => {
      const smpp = await started();

      await expect(simulator.injectPdu('unbind')).resolves.toBe(0);
      await waitFor(() => simulator.stats().binds === 2 && smpp.state() === 'bound');

      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });

    it('reconnects after the SMSC restarts on the same port', async () => {
      const smpp = await started();
      await simulator.stop();
      await waitFor(() => smpp.state() !== 'bound');

      simulator = new SmscSimulator({ smppPort, httpPort: 0, receiptDelayMs: 20 });
      await simulator.start();
      await waitFor(() => smpp.state() === 'bound', 'the provider to bind', 3000);

      await expect(smpp.submit(sms())).resolves.toMatchObject({ parts: 1 });
    });
  });

  it('never logs message text or full numbers', async () => {
    const logger = recordingLogger();
    const smpp = await started({ logger });
    simulator.failNextSubmits(1, 'ESME_RINVDSTADR');

    await smpp.submit(sms()).catch(() => undefined);
    await smpp.submit(sms());
    await waitFor(() => receipts.length === 1);

    const all = logger.lines.join('\n');
    expect(logger.lines.length).toBeGreaterThan(2);
    expect(all).not.toContain('482913');
    expect(all).not.toContain('15112345678');
  });
});
