import { Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SmppLogger } from '../../providers/smpp/smpp-log.js';
import { connectWire, createPdu, messageField, stringField, type Pdu, type WireSession } from '../../providers/smpp/smpp-wire.js';
import { SmscSimulator } from './smsc.simulator.js';

/** A bare SMPP client: sends requests, answers deliver_sm, records what arrives. */
interface RawClient {
  request(command: string, fields?: Record<string, unknown>): Promise<Pdu>;
  readonly delivered: Pdu[];
  close(): void;
}

/** `receiptStatus` is the command_status the client answers deliver_sm with. */
async function rawClient(port: number, receiptStatus = 0): Promise<RawClient> {
  const wire: WireSession = connectWire('127.0.0.1', port);
  const waiting = new Map<number, (pdu: Pdu) => void>();
  const delivered: Pdu[] = [];
  let sequence = 0;
  wire.on('error', () => undefined);
  wire.on('pdu', (pdu) => {
    if (pdu.command === 'deliver_sm') {
      delivered.push(pdu);
      wire.socket.write(pdu.response({ command_status: receiptStatus }).toBuffer());
      return;
    }
    waiting.get(pdu.sequence_number)?.(pdu);
  });
  await new Promise<void>((resolve) => wire.on('connect', resolve));
  return {
    delivered,
    request: (command, fields = {}) =>
      new Promise((resolve) => {
        const pdu = createPdu(command, { ...fields, sequence_number: ++sequence });
        waiting.set(pdu.sequence_number, resolve);
        wire.socket.write(pdu.toBuffer());
      }),
    close: () => {
      wire.destroy();
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const credentials = { system_id: 'switchboard', password: 'secret' };
const submit = (to: string, text: string, registered_delivery = 1): Record<string, unknown> => ({
  source_addr_ton: 5,
  source_addr: 'Switchboard',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: to.replace('+', ''),
  registered_delivery,
  data_coding: 0,
  short_message: text,
});

describe('SmscSimulator', () => {
  let simulator: SmscSimulator;
  let smppPort: number;
  let base: string;
  let clients: RawClient[];

  beforeEach(async () => {
    simulator = new SmscSimulator({ smppPort: 0, httpPort: 0, receiptDelayMs: 10 });
    const ports = await simulator.start();
    smppPort = ports.smppPort;
    base = `http://127.0.0.1:${ports.httpPort}`;
    clients = [];
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    await simulator.stop();
  });

  async function client(receiptStatus = 0): Promise<RawClient> {
    const created = await rawClient(smppPort, receiptStatus);
    clients.push(created);
    return created;
  }

  async function bound(command = 'bind_transceiver', receiptStatus = 0): Promise<RawClient> {
    const created = await client(receiptStatus);
    const response = await created.request(command, credentials);
    expect(response.command_status).toBe(0);
    return created;
  }

  describe('SMPP', () => {
    it.each([
      [{ system_id: 'someone', password: 'secret' }, 0x0f], // ESME_RINVSYSID
      [{ system_id: 'switchboard', password: 'nope' }, 0x0e], // ESME_RINVPASWD
    ])('refuses bind %j with status %i', async (fields, status) => {
      const esme = await client();

      const response = await esme.request('bind_transceiver', fields);

      expect(response.command_status).toBe(status);
      expect(simulator.boundSessionCount()).toBe(0);
    });

    it('refuses the next binds with the configured status, then binds again', async () => {
      simulator.failNextBinds(1, 'ESME_RBINDFAIL');
      const esme = await client();

      expect((await esme.request('bind_transceiver', credentials)).command_status).toBe(0x0d);
      expect((await esme.request('bind_transceiver', credentials)).command_status).toBe(0);
      expect(simulator.stats()).toMatchObject({ binds: 1, bindsRefused: 1 });
    });

    it('refuses a second bind on one session', async () => {
      const esme = await bound();

      expect((await esme.request('bind_transceiver', credentials)).command_status).toBe(0x05);
    });

    it('refuses submit_sm before bind and from a receiver', async () => {
      const unbound = await client();
      const receiver = await bound('bind_receiver');

      expect((await unbound.request('submit_sm', submit('+4915112345678', 'x'))).command_status).toBe(0x04);
      expect((await receiver.request('submit_sm', submit('+4915112345678', 'x'))).command_status).toBe(0x04);
      expect(simulator.inbox()).toEqual([]);
    });

    it('answers enquire_link and unbind', async () => {
      const esme = await bound();

      expect((await esme.request('enquire_link')).command_status).toBe(0);
      expect((await esme.request('unbind')).command_status).toBe(0);
      expect(simulator.stats()).toMatchObject({ enquireLinks: 1, unbinds: 1 });
    });

    it('answers a command it does not support with ESME_RINVCMDID', async () => {
      const esme = await bound();

      const response = await esme.request('query_sm', { message_id: 'x' });

      expect(response.command).toBe('query_sm_resp');
      expect(response.command_status).toBe(0x03);
    });

    it('returns fresh lower-case hex ids', async () => {
      const esme = await bound();

      const first = await esme.request('submit_sm', submit('+4915112345678', 'a'));
      const second = await esme.request('submit_sm', submit('+4915112345678', 'b'));

      expect(stringField(first, 'message_id')).toMatch(/^[0-9a-f]{8}$/);
      expect(stringField(first, 'message_id')).not.toBe(stringField(second, 'message_id'));
    });

    it('sends the receipt to a receiver bound beside the transmitter', async () => {
      const transmitter = await bound('bind_transmitter');
      const receiver = await bound('bind_receiver');

      const response = await transmitter.request('submit_sm', submit('+4915112345678', 'hello'));
      await waitFor(() => receiver.delivered.length === 1);

      const receipt = receiver.delivered[0];
      const id = stringField(response, 'message_id') ?? '';
      expect(receipt).toMatchObject({ esm_class: 0x04, receipted_message_id: id, message_state: 2, destination_addr: 'Switchboard' });
      expect(simulator.inbox()[0]?.status).toBe('delivered');
      expect(messageField(receipt as Pdu, 'short_message')).toMatch(
        new RegExp(`^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:hello$`),
      );
    });

    it('keeps a receipt until a receiver binds', async () => {
      const transmitter = await bound('bind_transmitter');
      await transmitter.request('submit_sm', submit('+4915112345678', 'hello'));
      await new Promise((resolve) => setTimeout(resolve, 40));

      const receiver = await bound('bind_receiver');

      await waitFor(() => receiver.delivered.length === 1);
    });

    it('records the validity_period as sent, null when none', async () => {
      const esme = await bound();

      await esme.request('submit_sm', { ...submit('+4915112345678', 'a', 0), validity_period: '000000001000000R' });
      await esme.request('submit_sm', submit('+4915112345678', 'b', 0));

      expect(simulator.inbox().map((message) => message.validityPeriod)).toEqual(['000000001000000R', null]);
    });

    it('counts receipts the ESME refused apart from acknowledged ones', async () => {
      const refusing = await bound('bind_transceiver', 0x64);

      await refusing.request('submit_sm', submit('+4915112345678', 'x'));
      await waitFor(() => simulator.stats().receiptsRejected === 1);
      const accepting = await bound();
      await accepting.request('submit_sm', submit('+4915112345678', 'y'));
      await waitFor(() => simulator.stats().receiptsAcknowledged === 1);

      expect(simulator.stats()).toMatchObject({ receiptsSent: 2, receiptsAcknowledged: 1, receiptsRejected: 1 });
    });

    it('sends no receipt when none was requested', async () => {
      const esme = await bound();

      await esme.request('submit_sm', submit('+4915112345678', 'hello', 0));
      await new Promise((resolve) => setTimeout(resolve, 60));

      expect(esme.delivered).toEqual([]);
      expect(simulator.stats().receiptsSent).toBe(0);
    });

    it('fails the next N submits, then accepts again', async () => {
      const esme = await bound();
      simulator.failNextSubmits(2, 'ESME_RMSGQFUL');

      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await esme.request('submit_sm', submit('+4915112345678', 'x'))).command_status);

      expect(statuses).toEqual([0x14, 0x14, 0]);
      expect(simulator.stats()).toMatchObject({ submitsReceived: 3, submitsRefused: 2, submitsAccepted: 1 });
    });

    it('fails every submit in fail-all mode', async () => {
      const esme = await bound();
      simulator.failAllSubmits(0x58);

      for (let i = 0; i < 3; i += 1) {
        expect((await esme.request('submit_sm', submit('+4915112345678', 'x'))).command_status).toBe(0x58);
      }
      simulator.acceptSubmits();
      expect((await esme.request('submit_sm', submit('+4915112345678', 'x'))).command_status).toBe(0);
    });
  });

  describe('HTTP', () => {
    async function json(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
      const response = await fetch(`${base}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    }

    it('lists the inbox, filtered by destination and since an id', async () => {
      const esme = await bound();
      await esme.request('submit_sm', submit('+4915112345678', 'one', 0));
      await esme.request('submit_sm', submit('+14155550123', 'two', 0));
      await esme.request('submit_sm', submit('+4915112345678', 'three', 0));
      const [first] = simulator.inbox();

      const all = await json('/inbox');
      const german = await json(`/inbox?to=${encodeURIComponent('+4915112345678')}`);
      const plusDecodedAsSpace = await json('/inbox?to=+4915112345678');
      const since = await json(`/inbox?since=${first?.id ?? ''}`);

      expect((all.body as { text: string }[]).map((message) => message.text)).toEqual(['one', 'two', 'three']);
      expect((german.body as { text: string }[]).map((message) => message.text)).toEqual(['one', 'three']);
      expect(plusDecodedAsSpace.body).toEqual(german.body);
      expect((since.body as { text: string }[]).map((message) => message.text)).toEqual(['two', 'three']);
      expect(all.body).toContainEqual(expect.objectContaining({ to: '+14155550123', from: 'Switchboard', dataCoding: 0, status: 'accepted' }));
    });

    it('answers 400 naming since for an unknown id', async () => {
      expect(await json('/inbox?since=nope')).toMatchObject({ status: 400, body: { field: 'since' } });
    });

    it('returns the latest message per destination, 404 when none', async () => {
      const esme = await bound();
      await esme.request('submit_sm', submit('+4915112345678', 'old'));
      await esme.request('submit_sm', submit('+4915112345678', 'new'));

      expect(await json('/inbox/latest?to=%2B4915112345678')).toMatchObject({ status: 200, body: { text: 'new' } });
      expect((await json('/inbox/latest?to=%2B14155550123')).status).toBe(404);
    });

    it('clears the inbox', async () => {
      const esme = await bound();
      await esme.request('submit_sm', submit('+4915112345678', 'x'));

      expect((await json('/inbox', { method: 'DELETE' })).status).toBe(204);

      expect((await json('/inbox')).body).toEqual([]);
    });

    it('reads and changes behaviour', async () => {
      expect(await json('/behaviour')).toEqual({
        status: 200,
        body: { failSubmits: null, failBinds: null, receipts: 'delivered', receiptDelayMs: 10, answerEnquireLink: true, answerSubmits: true },
      });

      const put = await json('/behaviour', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failSubmits: { commandStatus: 'ESME_RINVDSTADR', count: 1 }, receipts: 'failed' }),
      });

      expect(put).toMatchObject({ status: 200, body: { failSubmits: { commandStatus: 'ESME_RINVDSTADR', count: 1 }, receipts: 'failed' } });
      const esme = await bound();
      expect((await esme.request('submit_sm', submit('+4915112345678', 'x'))).command_status).toBe(0x0b);
    });

    it.each([
      [{ receipts: 'sometimes' }, 'receipts'],
      [{ failSubmits: { commandStatus: 'ESME_NOPE' } }, 'failSubmits.commandStatus'],
      [{ receiptDelayMs: -5 }, 'receiptDelayMs'],
    ])('answers 400 naming the field for %j', async (body, field) => {
      const response = await json('/behaviour', { method: 'PUT', body: JSON.stringify(body) });

      expect(response).toMatchObject({ status: 400, body: { field } });
      expect((response.body as { error: string }).error).toContain(field);
      expect(simulator.behaviour().receipts).toBe('delivered');
    });

    it('answers 400 for a body that is not JSON', async () => {
      expect(await json('/behaviour', { method: 'PUT', body: '{receipts' })).toMatchObject({ status: 400, body: { field: 'body' } });
    });

    it('counts and drops sessions', async () => {
      await bound();
      await client();

      expect(await json('/sessions')).toMatchObject({ status: 200, body: { connected: 2, bound: 1 } });
      expect(await json('/sessions', { method: 'DELETE' })).toMatchObject({ body: { disconnected: 2 } });
      await waitFor(() => simulator.sessions().connected === 0);
    });

    it('reports stats and resets', async () => {
      const esme = await bound();
      await esme.request('submit_sm', submit('+4915112345678', 'x'));

      expect(await json('/stats')).toMatchObject({ body: { binds: 1, submitsReceived: 1, submitsAccepted: 1 } });
      expect((await json('/reset', { method: 'POST' })).status).toBe(204);
      expect(await json('/stats')).toMatchObject({ body: { binds: 0, submitsReceived: 0 } });
      expect(simulator.inbox()).toEqual([]);
    });

    it('answers 404 for unknown routes', async () => {
      expect((await json('/nothing')).status).toBe(404);
    });
  });

  it('logs an error on the SMPP server instead of crashing', async () => {
    const errors: string[] = [];
    const logger: SmppLogger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (_fields, message) => errors.push(message),
    };
    const listen = vi.spyOn(Server.prototype, 'listen');
    const logged = new SmscSimulator({ smppPort: 0, httpPort: 0, logger });
    try {
      const ports = await logged.start();
      const server = listen.mock.contexts.find((context) => {
        const address = (context as Server).address();
        return typeof address === 'object' && address?.port === ports.smppPort;
      }) as Server | undefined;
      expect(server).toBeDefined();

      // What a failed accept (EMFILE) looks like to the server; with no listener it throws.
      expect(() => server?.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }))).not.toThrow();

      expect(errors).toEqual(['SMPP server error']);
      const esme = await rawClient(ports.smppPort);
      clients.push(esme);
      expect((await esme.request('bind_transceiver', credentials)).command_status).toBe(0);
    } finally {
      listen.mockRestore();
      await logged.stop();
    }
  });
});
