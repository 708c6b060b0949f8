// The agent's AT queue and PDU codec against the project's GSM modem emulator, which has its own
// codec (simulators/src/modem): what the agent encodes must decode there to the same number and
// text, and the status reports the emulator encodes must match back to the parts the agent sent.
// Neither side shares code with the other, so a wrong field on one side fails here.
import { ModemEmulator, connectHost, type HostLink } from '@switchboard/simulators/modem';
import { afterEach, describe, expect, it } from 'vitest';
import { AtCommandError } from '../src/at/at-errors.js';
import { CommandQueue } from '../src/at/command-queue.js';
import { systemTimeouts } from '../src/at/timeout-scheduler.js';
import type { UnsolicitedResult } from '../src/at/unsolicited-result.js';
import { decodeReceivedPdu } from '../src/pdu/received-pdu.js';
import { encodeSmsSubmit } from '../src/pdu/sms-submit-encoder.js';
import { StatusReportMatcher } from '../src/pdu/status-report-matcher.js';
import type { SmsStatusReport } from '../src/pdu/status-report-decoder.js';

interface Rig {
  readonly modem: ModemEmulator;
  readonly queue: CommandQueue;
  readonly unsolicited: UnsolicitedResult[];
}

const links: HostLink[] = [];
const modems: ModemEmulator[] = [];

afterEach(() => {
  for (const link of links.splice(0)) link.disconnect();
  for (const modem of modems.splice(0)) modem.close();
});

function rig(options: ConstructorParameters<typeof ModemEmulator>[0] = {}): Rig {
  const modem = new ModemEmulator({ behaviour: { statusReportDelayMs: 20 }, ...options });
  modems.push(modem);
  // The queue writes through the link, and the link feeds the queue: one of them is made first.
  const wire: { link?: HostLink } = {};
  const queue = new CommandQueue({ write: (data) => wire.link?.hostWrote(Buffer.from(data, 'latin1')), timeouts: systemTimeouts, defaultTimeoutMs: 2_000 });
  wire.link = connectHost(modem, (bytes) => {
    queue.feed(bytes.toString('latin1'));
  });
  links.push(wire.link);
  const unsolicited: UnsolicitedResult[] = [];
  queue.onUnsolicited((result) => unsolicited.push(result));
  return { modem, queue, unsolicited };
}

/** The start-up a real agent runs: echo off, numeric errors, SIM, PDU mode, reports routed as +CDS. */
async function initialise(queue: CommandQueue): Promise<void> {
  await queue.send('ATE0');
  await queue.send('AT+CMEE=1');
  expect(await queue.send('AT+CPIN?')).toEqual(['+CPIN: READY']);
  await queue.send('AT+CMGF=0');
  await queue.send('AT+CNMI=2,1,0,1,0');
}

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function statusReports(unsolicited: readonly UnsolicitedResult[]): SmsStatusReport[] {
  return unsolicited.flatMap((result) => {
    if (result.kind !== 'status-report') return [];
    const { tpdu } = decodeReceivedPdu(result.pdu, { tpduLength: result.tpduLength });
    return tpdu.type === 'sms-status-report' ? [tpdu] : [];
  });
}

describe('modem agent ↔ modem emulator', () => {
  it('sends a GSM-7 code that the emulator decodes to the same number and text, then matches its status report', async () => {
    const { modem, queue, unsolicited } = rig();
    await initialise(queue);
    const text = 'Your code is 481516. It expires in 10 minutes. @£$ {€}';

    const [pdu] = encodeSmsSubmit('+4915112345678', text, { validityMinutes: 10 });
    if (pdu === undefined) throw new Error('no PDU');
    const reference = await queue.sendPdu(pdu.tpduLength, pdu.hex);
    const matcher = new StatusReportMatcher<string>();
    matcher.record(reference, '+4915112345678', 'message-1');

    expect(modem.sentMessages()).toEqual([expect.objectContaining({ to: '+4915112345678', text, parts: 1, complete: true, references: [reference], problems: [] })]);
    const [report] = await until(() => (statusReports(unsolicited).length > 0 ? statusReports(unsolicited) : undefined), 'the +CDS status report');
    if (report === undefined) throw new Error('no report');
    expect(report.messageReference).toBe(reference);
    expect(report.status).toMatchObject({ outcome: 'delivered', final: true });
    expect(matcher.match(report)).toBe('message-1');
  });

  it('sends a long UCS-2 text in concatenated parts that the emulator joins back whole', async () => {
    const { modem, queue, unsolicited } = rig();
    await initialise(queue);
    const text = 'Код подтверждения: 314159. Никому его не сообщайте — даже сотрудникам банка. Он действует десять минут. 🔐';

    const pdus = encodeSmsSubmit('+79161234567', text, { concatenationReference: 42 });
    expect(pdus.length).toBeGreaterThan(1);
    const matcher = new StatusReportMatcher<number>();
    for (const pdu of pdus) matcher.record(await queue.sendPdu(pdu.tpduLength, pdu.hex), '+79161234567', pdu.sequence);

    expect(modem.sentMessages()).toEqual([expect.objectContaining({ to: '+79161234567', text, parts: pdus.length, totalParts: pdus.length, complete: true, problems: [] })]);
    const reports = await until(() => (statusReports(unsolicited).length === pdus.length ? statusReports(unsolicited) : undefined), 'a report per part');
    expect(reports.map((report) => matcher.match(report)).sort()).toEqual(pdus.map((pdu) => pdu.sequence));
  });

  it('keeps an unsolicited line that arrives between the prompt and +CMGS out of the answer', async () => {
    const { modem, queue, unsolicited } = rig({ behaviour: { statusReportDelayMs: 20, unsolicitedMidSend: { lines: ['RING', '^RSSI:17'], sends: 1 } } });
    await initialise(queue);

    const [pdu] = encodeSmsSubmit('+33612345678', 'Code 2718');
    if (pdu === undefined) throw new Error('no PDU');
    const reference = await queue.sendPdu(pdu.tpduLength, pdu.hex);

    expect(reference).toBe(modem.sentMessages()[0]?.references[0]);
    expect(unsolicited.map((result) => result.kind)).toEqual(expect.arrayContaining(['ring', 'signal']));
  });

  it('gets +CMS ERROR from a send the network refuses, with its code, and sends the next one', async () => {
    const { modem, queue } = rig({ behaviour: { statusReportDelayMs: 20, failSends: { code: 38, count: 1 } } });
    await initialise(queue);
    const [pdu] = encodeSmsSubmit('+33612345678', 'Code 1414');
    if (pdu === undefined) throw new Error('no PDU');

    const error = await queue.sendPdu(pdu.tpduLength, pdu.hex).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(AtCommandError);
    expect(error).toMatchObject({ result: { kind: 'cms-error', code: 38 }, disposition: 'retryable' });

    await queue.sendPdu(pdu.tpduLength, pdu.hex);
    expect(modem.sentMessages().filter((message) => message.complete)).toHaveLength(1);
  });
});
