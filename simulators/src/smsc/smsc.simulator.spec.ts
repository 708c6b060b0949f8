import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmscTestBed, TestEsme, asciiSubmit, sleep } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { Logger } from '../shared/logger.js';
import { DEFAULT_BEHAVIOUR } from './smsc-behaviour.js';
import { CommandId, TlvTag, decodeMessageIdResp, encodePdu, type RawPdu } from './smsc-pdu.js';
import { SmscSimulator } from './smsc.simulator.js';

const idOf = (response: RawPdu): string => decodeMessageIdResp(response.body);

describe('SmscSimulator', () => {
  let bed: SmscTestBed;
  let simulator: SmscSimulator;

  beforeEach(async () => {
    bed = await SmscTestBed.start();
    simulator = bed.simulator;
  });

  afterEach(async () => {
    await bed.stop();
  });

  describe('SMPP', () => {
    it.each([
      [{ systemId: 'someone', password: 'secret' }, 0x0f], // ESME_RINVSYSID
      [{ systemId: 'switchboard', password: 'nope' }, 0x0e], // ESME_RINVPASWD
    ])('refuses bind %j with status %i', async (credentials, status) => {
      const esme = await bed.connect();

      const response = await esme.bind('transceiver', credentials);

      expect(response.commandStatus).toBe(status);
      expect(response.body).toHaveLength(0);
      expect(simulator.boundSessionCount()).toBe(0);
    });

    it('answers a bind with its system_id and SMPP 3.4', async () => {
      const esme = await bed.connect();

      const response = await esme.bind();

      expect(response).toMatchObject({ command: 'bind_transceiver_resp', commandStatus: 0 });
      expect(response.body.toString('latin1')).toContain('SwitchboardSMSC\0');
    });

    it('refuses the next binds with the configured status, then binds again', async () => {
      simulator.failNextBinds(1, 'ESME_RBINDFAIL');
      const esme = await bed.connect();

      expect((await esme.bind()).commandStatus).toBe(0x0d);
      expect((await esme.bind()).commandStatus).toBe(0);
      expect(simulator.stats()).toMatchObject({ binds: 1, bindsRefused: 1 });
    });

    it('refuses a second bind on one session', async () => {
      const esme = await bed.bound();

      expect((await esme.bind()).commandStatus).toBe(0x05);
    });

    it('refuses submit_sm before bind and from a receiver', async () => {
      const unbound = await bed.connect();
      const receiver = await bed.bound('receiver');

      expect((await unbound.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus).toBe(0x04);
      expect((await receiver.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus).toBe(0x04);
      expect(simulator.inbox()).toEqual([]);
    });

    it('answers enquire_link and unbind', async () => {
      const esme = await bed.bound();

      expect((await esme.request(CommandId.enquire_link)).commandStatus).toBe(0);
      expect((await esme.request(CommandId.unbind)).commandStatus).toBe(0);
      expect(simulator.stats()).toMatchObject({ enquireLinks: 1, unbinds: 1 });
    });

    it('answers a command it does not support with ESME_RINVCMDID', async () => {
      const esme = await bed.bound();

      const response = await esme.request(CommandId.query_sm, Buffer.from('x\0\0\0\0'));

      expect(response.command).toBe('query_sm_resp');
      expect(response.commandStatus).toBe(0x03);
    });

    it('answers an unknown command_id with generic_nack', async () => {
      const esme = await bed.bound();

      const response = await esme.request(0x000000ee);

      expect(response).toMatchObject({ command: 'generic_nack', commandStatus: 0x03 });
    });

    it('answers a truncated submit_sm with ESME_RINVCMDLEN and stays bound', async () => {
      const esme = await bed.bound();

      const response = await esme.request(CommandId.submit_sm, Buffer.from([0x00, 0x05, 0x00, 0x53, 0x77]));

      expect(response.commandStatus).toBe(0x02);
      expect(simulator.stats().malformedReceived).toBe(1);
      expect((await esme.submit(asciiSubmit('+4915112345678', 'after'))).commandStatus).toBe(0);
    });

    it('nacks an unframeable command_length and closes the connection', async () => {
      const esme = await bed.bound();
      const bad = encodePdu(CommandId.submit_sm, 0, 77);
      bad.writeUInt32BE(4, 0);

      esme.write(bad);
      await esme.whenClosed();

      expect(esme.strayResponses).toEqual([expect.objectContaining({ command: 'generic_nack', commandStatus: 0x02, sequence: 77 })]);
    });

    it('returns fresh lower-case hex ids by default', async () => {
      const esme = await bed.bound();

      const first = await esme.submit(asciiSubmit('+4915112345678', 'a'));
      const second = await esme.submit(asciiSubmit('+4915112345678', 'b'));

      expect(idOf(first)).toMatch(/^[0-9a-f]{8}$/);
      expect(idOf(first)).not.toBe(idOf(second));
    });

    it('returns decimal ids when told to', async () => {
      simulator.updateBehaviour({ messageIdFormat: 'decimal' });
      const esme = await bed.bound();

      expect(idOf(await esme.submit(asciiSubmit('+4915112345678', 'a')))).toMatch(/^[1-9]\d{0,9}$/);
    });

    it('sends the receipt to a receiver bound beside the transmitter', async () => {
      const transmitter = await bed.bound('transmitter');
      const receiver = await bed.bound('receiver');

      const response = await transmitter.submit(asciiSubmit('+4915112345678', 'hello'));
      await waitFor(() => receiver.delivered.length === 1);

      const [receipt] = receiver.delivered;
      const id = idOf(response);
      expect(receipt).toMatchObject({ esmClass: 0x04, destinationAddr: 'Switchboard', sourceAddr: '4915112345678' });
      expect(receipt?.tlvs.get(TlvTag.receipted_message_id)?.toString('latin1')).toBe(`${id}\0`);
      expect(receipt?.tlvs.get(TlvTag.message_state)).toEqual(Buffer.from([2]));
      expect(simulator.inbox()[0]?.status).toBe('delivered');
      expect(receipt?.shortMessage.toString('latin1')).toMatch(
        new RegExp(`^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:hello$`),
      );
    });

    it('keeps a receipt until a receiver binds', async () => {
      const transmitter = await bed.bound('transmitter');
      await transmitter.submit(asciiSubmit('+4915112345678', 'hello'));
      await sleep(40);

      const receiver = await bed.bound('receiver');

      await waitFor(() => receiver.delivered.length === 1);
    });

    it('records the validity_period as sent, null when none', async () => {
      const esme = await bed.bound();

      await esme.submit({ ...asciiSubmit('+4915112345678', 'a', 0), validityPeriod: '000000001000000R' });
      await esme.submit(asciiSubmit('+4915112345678', 'b', 0));

      expect(simulator.inbox().map((message) => message.validityPeriod)).toEqual(['000000001000000R', null]);
    });

    it('counts receipts the ESME refused apart from acknowledged ones', async () => {
      simulator.updateBehaviour({ receiptRedeliveryMs: null });
      const refusing = await bed.bound();
      refusing.deliverStatus = 0x64;

      await refusing.submit(asciiSubmit('+4915112345678', 'x'));
      await waitFor(() => simulator.stats().receiptsRejected === 1);
      const accepting = await bed.bound();
      await accepting.submit(asciiSubmit('+4915112345678', 'y'));
      await waitFor(() => simulator.stats().receiptsAcknowledged === 1);

      expect(simulator.stats()).toMatchObject({ receiptsSent: 2, receiptsAcknowledged: 1, receiptsRejected: 1 });
    });

    it('sends a refused receipt again later, as SMSCs do, until the ESME takes it', async () => {
      simulator.updateBehaviour({ receiptRedeliveryMs: 50, receiptRedeliveries: 3 });
      const esme = await bed.bound();
      esme.deliverStatus = 0x58; // ESME_RTHROTTLED

      await esme.submit(asciiSubmit('+4915112345678', 'x'));
      await waitFor(() => simulator.stats().receiptsRejected === 2);
      esme.deliverStatus = 0;
      await waitFor(() => simulator.stats().receiptsAcknowledged === 1);

      expect(simulator.stats()).toMatchObject({ receiptsSent: 1, receiptsRejected: 2, receiptsRedelivered: 2, receiptsAcknowledged: 1 });
      expect(esme.delivered).toHaveLength(3);
    });

    it('keeps at most deliverWindow receipts unanswered on a bind, and sends the rest as answers come', async () => {
      simulator.updateBehaviour({ deliverWindow: 2, receiptDelayMs: 0 });
      const esme = await bed.bound();
      esme.deliverStatus = null;

      for (const text of ['a', 'b', 'c', 'd', 'e']) await esme.submit(asciiSubmit('+4915112345678', text));
      await waitFor(() => esme.delivered.length === 2);
      await sleep(40);
      expect(esme.delivered).toHaveLength(2);

      esme.deliverStatus = 0;
      esme.answerDeliveries();
      await waitFor(() => simulator.stats().receiptsAcknowledged === 5);
      expect(esme.delivered).toHaveLength(5);
      expect(simulator.stats()).toMatchObject({ receiptsRejected: 0, receiptsRedelivered: 0 });
    });

    it('sends receipts without a window when deliverWindow is null, as some SMSCs do', async () => {
      simulator.updateBehaviour({ deliverWindow: null, receiptDelayMs: 0 });
      const esme = await bed.bound();
      esme.deliverStatus = null;

      for (const text of ['a', 'b', 'c', 'd', 'e']) await esme.submit(asciiSubmit('+4915112345678', text));

      await waitFor(() => esme.delivered.length === 5);
      esme.answerDeliveries();
      await waitFor(() => simulator.stats().receiptsAcknowledged === 5);
    });

    it('gives up on a receipt after receiptRedeliveries tries', async () => {
      simulator.updateBehaviour({ receiptRedeliveryMs: 20, receiptRedeliveries: 2 });
      const esme = await bed.bound();
      esme.deliverStatus = 0x64;

      await esme.submit(asciiSubmit('+4915112345678', 'x'));
      await waitFor(() => simulator.stats().receiptsRejected === 3);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(simulator.stats()).toMatchObject({ receiptsRejected: 3, receiptsRedelivered: 2, receiptsAcknowledged: 0 });
    });

    it('sends no receipt when none was requested', async () => {
      const esme = await bed.bound();

      await esme.submit(asciiSubmit('+4915112345678', 'hello', 0));
      await sleep(60);

      expect(esme.delivered).toEqual([]);
      expect(simulator.stats().receiptsSent).toBe(0);
    });

    it('fails the next N submits, then accepts again', async () => {
      const esme = await bed.bound();
      simulator.failNextSubmits(2, 'ESME_RMSGQFUL');

      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await esme.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus);

      expect(statuses).toEqual([0x14, 0x14, 0]);
      expect(simulator.stats()).toMatchObject({ submitsReceived: 3, submitsRefused: 2, submitsAccepted: 1 });
    });

    it('fails every submit in fail-all mode', async () => {
      const esme = await bed.bound();
      simulator.failAllSubmits(0x58);

      for (let i = 0; i < 3; i += 1) {
        expect((await esme.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus).toBe(0x58);
      }
      simulator.acceptSubmits();
      expect((await esme.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus).toBe(0);
    });

    it('refuses an empty destination with ESME_RINVDSTADR', async () => {
      const esme = await bed.bound();

      expect((await esme.submit(asciiSubmit('', 'x'))).commandStatus).toBe(0x0b);
    });

    it('takes the whole default behaviour back in one update', () => {
      simulator.updateBehaviour({ maxTps: 3, disconnectEveryMs: 1000, seed: 4 });

      expect(simulator.updateBehaviour({ ...DEFAULT_BEHAVIOUR, receiptDelayMs: 20 })).toEqual({ ...DEFAULT_BEHAVIOUR, receiptDelayMs: 20 });
    });

    it('refuses behaviour out of range given in code, naming the field', () => {
      expect(() => simulator.updateBehaviour({ maxTps: 0 })).toThrow(/^maxTps: /);
      expect(() => new SmscSimulator({ submitErrorRate: 2 })).toThrow(/^submitErrorRate: /);
    });
  });

  describe('binds', () => {
    it('allows several binds per system_id up to the configured limit, then ESME_RBINDFAIL', async () => {
      simulator.updateBehaviour({ maxBindsPerSystemId: 2 });
      await bed.bound('transmitter');
      await bed.bound('receiver');
      const third = await bed.connect();

      expect((await third.bind('transceiver')).commandStatus).toBe(0x0d);
      expect(simulator.stats()).toMatchObject({ binds: 2, bindsRefused: 1 });
    });

    it('records system_type and address_range of each bind', async () => {
      await bed.bound('receiver', { systemType: 'OTP', addressRange: '^49' });

      expect(simulator.sessions().sessions).toEqual([
        { id: expect.any(Number) as number, systemId: 'switchboard', mode: 'receiver', systemType: 'OTP', addressRange: '^49', inFlight: 0 },
      ]);
    });

    it('routes receipts to a receiver of the same system_id only', async () => {
      await bed.stop();
      bed = await SmscTestBed.start({ accounts: [{ systemId: 'other', password: 'pw' }] });
      simulator = bed.simulator;
      const otherReceiver = await bed.bound('receiver', { systemId: 'other', password: 'pw' });
      const transmitter = await bed.bound('transmitter');

      await transmitter.submit(asciiSubmit('+4915112345678', 'mine'));
      await sleep(50);
      expect(otherReceiver.delivered).toEqual([]);
      const ownReceiver = await bed.bound('receiver');

      await waitFor(() => ownReceiver.delivered.length === 1);
      expect(simulator.inbox()[0]?.systemId).toBe('switchboard');
    });
  });

  describe('TLS', () => {
    it('speaks SMPP over TLS when given a key and certificate', async () => {
      const { key, cert } = selfSignedCertificate();
      await bed.stop();
      bed = await SmscTestBed.start({ tls: { key, cert } });
      simulator = bed.simulator;

      const esme = await bed.connect({ tls: { rejectUnauthorized: false } });

      expect((await esme.bind()).commandStatus).toBe(0);
      expect((await esme.submit(asciiSubmit('+4915112345678', 'over tls'))).commandStatus).toBe(0);
      expect(simulator.latest()?.text).toBe('over tls');
    });
  });

  describe('HTTP', () => {
    it('lists the inbox, filtered by destination and since an id', async () => {
      const esme = await bed.bound();
      await esme.submit(asciiSubmit('+4915112345678', 'one', 0));
      await esme.submit(asciiSubmit('+14155550123', 'two', 0));
      await esme.submit(asciiSubmit('+4915112345678', 'three', 0));
      const [first] = simulator.inbox();

      const all = await bed.http('/inbox');
      const german = await bed.http(`/inbox?to=${encodeURIComponent('+4915112345678')}`);
      const plusDecodedAsSpace = await bed.http('/inbox?to=+4915112345678');
      const since = await bed.http(`/inbox?since=${first?.id ?? ''}`);

      expect((all.body as { text: string }[]).map((message) => message.text)).toEqual(['one', 'two', 'three']);
      expect((german.body as { text: string }[]).map((message) => message.text)).toEqual(['one', 'three']);
      expect(plusDecodedAsSpace.body).toEqual(german.body);
      expect((since.body as { text: string }[]).map((message) => message.text)).toEqual(['two', 'three']);
      expect(all.body).toContainEqual(expect.objectContaining({ to: '+14155550123', from: 'Switchboard', dataCoding: 0, status: 'accepted' }));
    });

    it('answers 400 naming since for an unknown id', async () => {
      expect(await bed.http('/inbox?since=nope')).toMatchObject({ status: 400, body: { field: 'since' } });
    });

    it('returns the latest message per destination, 404 when none', async () => {
      const esme = await bed.bound();
      await esme.submit(asciiSubmit('+4915112345678', 'old'));
      await esme.submit(asciiSubmit('+4915112345678', 'new'));

      expect(await bed.http('/inbox/latest?to=%2B4915112345678')).toMatchObject({ status: 200, body: { text: 'new' } });
      expect((await bed.http('/inbox/latest?to=%2B14155550123')).status).toBe(404);
    });

    it('clears the inbox', async () => {
      const esme = await bed.bound();
      await esme.submit(asciiSubmit('+4915112345678', 'x'));

      expect((await bed.http('/inbox', { method: 'DELETE' })).status).toBe(204);

      expect((await bed.http('/inbox')).body).toEqual([]);
    });

    it('reads and changes behaviour', async () => {
      expect(await bed.http('/behaviour')).toMatchObject({
        status: 200,
        body: {
          failSubmits: null,
          failBinds: null,
          receipts: 'delivered',
          receiptDelayMs: 10,
          answerEnquireLink: true,
          answerSubmits: true,
          receiptStyle: 'both',
          receiptIdFormat: 'same',
          messageIdFormat: 'hex',
          maxTps: null,
          window: null,
          submitErrorStatus: 'ESME_RSYSERR',
        },
      });

      const put = await bed.send('PUT', '/behaviour', { failSubmits: { commandStatus: 'ESME_RINVDSTADR', count: 1 }, receipts: 'failed' });

      expect(put).toMatchObject({ status: 200, body: { failSubmits: { commandStatus: 'ESME_RINVDSTADR', count: 1 }, receipts: 'failed' } });
      const esme = await bed.bound();
      expect((await esme.submit(asciiSubmit('+4915112345678', 'x'))).commandStatus).toBe(0x0b);
    });

    it('round-trips GET /behaviour through PUT', async () => {
      simulator.updateBehaviour({ maxTps: 3, dropSubmitResponses: { count: 2, rate: 1 }, disconnectAfterSubmits: { count: 5, repeat: true } });
      const before = (await bed.http('/behaviour')).body;

      const put = await bed.send('PUT', '/behaviour', before);

      expect(put).toEqual({ status: 200, body: before });
    });

    it.each([
      [{ receipts: 'sometimes' }, 'receipts'],
      [{ failSubmits: { commandStatus: 'ESME_NOPE' } }, 'failSubmits.commandStatus'],
      [{ receiptDelayMs: -5 }, 'receiptDelayMs'],
      [{ maxTps: -1 }, 'maxTps'],
      [{ window: 'wide' }, 'window'],
      [{ submitErrorRate: 3 }, 'submitErrorRate'],
      [{ receiptStyle: 'json' }, 'receiptStyle'],
      [{ receiptsByDestination: { '+4915112345678': 'maybe' } }, 'receiptsByDestination.+4915112345678'],
      [{ disconnectAfterSubmits: { count: 0 } }, 'disconnectAfterSubmits.count'],
    ])('answers 400 naming the field for %j', async (body, field) => {
      const response = await bed.send('PUT', '/behaviour', body);

      expect(response).toMatchObject({ status: 400, body: { field } });
      expect((response.body as { error: string }).error).toContain(field);
      expect(simulator.behaviour().receipts).toBe('delivered');
    });

    it('answers 400 for a body that is not JSON', async () => {
      expect(await bed.http('/behaviour', { method: 'PUT', body: '{receipts' })).toMatchObject({ status: 400, body: { field: 'body' } });
    });

    it('counts and drops sessions', async () => {
      await bed.bound();
      await bed.connect();

      expect(await bed.http('/sessions')).toMatchObject({ status: 200, body: { connected: 2, bound: 1 } });
      expect(await bed.http('/sessions', { method: 'DELETE' })).toMatchObject({ body: { disconnected: 2 } });
      await waitFor(() => simulator.sessions().connected === 0);
    });

    it('reports stats and resets', async () => {
      const esme = await bed.bound();
      await esme.submit(asciiSubmit('+4915112345678', 'x'));

      expect(await bed.http('/stats')).toMatchObject({ body: { binds: 1, submitsReceived: 1, submitsAccepted: 1, messagesCompleted: 1 } });
      expect((await bed.http('/reset', { method: 'POST' })).status).toBe(204);
      expect(await bed.http('/stats')).toMatchObject({ body: { binds: 0, submitsReceived: 0 } });
      expect(simulator.inbox()).toEqual([]);
    });

    it('answers 404 for unknown routes', async () => {
      expect((await bed.http('/nothing')).status).toBe(404);
    });
  });

  it('logs an error on the SMPP server instead of crashing', async () => {
    const errors: string[] = [];
    const logger: Logger = {
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
      const esme = await TestEsme.connect(ports.smppPort);
      try {
        expect((await esme.bind()).commandStatus).toBe(0);
      } finally {
        esme.close();
      }
    } finally {
      listen.mockRestore();
      await logged.stop();
    }
  });
});

/** A throwaway self-signed certificate made with the openssl CLI. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'smsc-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], {
      stdio: 'ignore',
    });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
