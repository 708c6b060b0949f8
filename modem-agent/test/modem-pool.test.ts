// The sender (a pool of modem drivers) against modem emulators over serialport's mock binding,
// with a real journal: what the emulators' own codec decodes is what the journal says was sent,
// and no part reaches a radio twice, whatever the modems do.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModemEmulator, ModemEmulatorOptions } from '@switchboard/simulators/modem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModemConfig } from '../src/config.js';
import { Journal, type CommandAccepted, type JournalResult } from '../src/journal/index.js';
import { ModemDriver, type ModemTiming } from '../src/modem/modem-driver.js';
import { encodeSmsSubmit } from '../src/pdu/sms-submit-encoder.js';
import { ModemPool, type ModemPoolOptions } from '../src/sending/modem-pool.js';
import { EmulatedModems, runFor, runUntil } from './support/emulated-modems.js';

const TIMING: Partial<ModemTiming> = { registrationPollMs: 1_000, refreshMs: 30_000, promptTimeoutMs: 5_000, answerTimeoutMs: 30_000 };

let dir: string;
let rig: EmulatedModems;
let journal: Journal;
let pool: ModemPool | undefined;
let results: JournalResult[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modem-pool-'));
  rig = new EmulatedModems();
  journal = await Journal.open(join(dir, 'journal'), { now: () => rig.clock.now() });
  results = [];
});

afterEach(async () => {
  await pool?.stop();
  pool = undefined;
  await journal.close();
  rig.close();
  await rm(dir, { recursive: true, force: true });
});

interface ModemSpec {
  readonly label: string;
  readonly emulator?: ModemEmulatorOptions;
  readonly maxPerMinute?: number;
}

let configs: ModemConfig[] = [];

function startPool(specs: readonly ModemSpec[], options: Partial<ModemPoolOptions> = {}): ModemEmulator[] {
  const emulators: ModemEmulator[] = [];
  configs = specs.map((spec) => {
    const { modem, config } = rig.add(spec.label, spec.emulator, { maxPerMinute: spec.maxPerMinute ?? 60 });
    emulators.push(modem);
    return config;
  });
  restartPool(options);
  return emulators;
}

/** A new pool with new drivers on the same emulators, as a restarted agent has. */
function restartPool(options: Partial<ModemPoolOptions> = {}): void {
  const drivers = configs.map((config) => new ModemDriver({ config, openLine: rig.openLine, clock: rig.agentClock, timing: TIMING }));
  pool = new ModemPool({ journal, modems: drivers, onResult: (result) => results.push(result), clock: rig.agentClock, ...options });
  pool.start();
}

async function accept(messageId: string, text: string, fields: Partial<CommandAccepted> = {}): Promise<void> {
  const to = fields.to ?? '+4915112345678';
  await journal.append({
    type: 'command-accepted',
    messageId,
    to,
    text,
    parts: encodeSmsSubmit(to, text, { concatenationReference: 0 }).length,
    validitySeconds: 0,
    statusReport: true,
    sendBefore: null,
    modems: [],
    acceptedAt: new Date(rig.clock.now()).toISOString(),
    ...fields,
  });
  pool?.enqueue(messageId);
}

const status = (messageId: string) => journal.message(messageId)?.status;
/** Every message has its final result journalled and handed to the listener. */
const final =
  (...ids: string[]) =>
  (): boolean =>
    ids.every((id) => {
      const parts = journal.message(id)?.command.parts ?? 0;
      const mine = results.filter((result) => 'messageId' in result && result.messageId === id);
      return mine.some((result) => result.type === 'failed' || result.type === 'outcome-unknown') || mine.filter((result) => result.type === 'submitted').length === parts;
    });
const ofType = (type: JournalResult['type']) => results.filter((result) => result.type === type);

describe('sending', () => {
  it('sends GSM-7, UCS-2 and a three-part message that the emulator decodes back to the same texts', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    const long = 'Votre code de connexion est 271828. Ne le communiquez a personne, pas meme a notre service client. Il expire dans 10 minutes. '.repeat(4).slice(0, 400);
    await accept('m-gsm', 'Your code is 481516 {€}');
    const cyrillic = 'Ваш код: 314159. Никому его не сообщайте — даже сотрудникам банка. Он действует 10 минут. 🔐';
    await accept('m-ucs', cyrillic);
    expect(journal.message('m-ucs')?.command.parts).toBe(2);
    await accept('m-long', long, { to: '+33612345678' });
    expect(journal.message('m-long')?.command.parts).toBe(3);

    await runUntil(rig.clock, final('m-gsm', 'm-ucs', 'm-long'), 'all three sent');
    expect(modem?.sentMessages()).toMatchObject([
      { to: '+4915112345678', text: 'Your code is 481516 {€}', complete: true, problems: [] },
      { to: '+4915112345678', text: cyrillic, parts: 2, complete: true },
      { to: '+33612345678', text: long, parts: 3, totalParts: 3, complete: true, problems: [] },
    ]);
    expect(journal.message('m-long')?.submittedParts.map((part) => part.part)).toEqual([1, 2, 3]);
    expect(ofType('submitted')).toHaveLength(6);
  });

  it('asks for status reports and a validity period as the command says', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    await accept('m-1', 'Code 1', { statusReport: false, validitySeconds: 600 });
    await runUntil(rig.clock, final('m-1'), 'sent');
    expect(modem?.sent()[0]?.submit).toMatchObject({ statusReportRequested: false, validity: { format: 'relative', seconds: 600 } });
  });

  it('has the attempt on disk before the first byte of AT+CMGS reaches the modem', async () => {
    startPool([{ label: 'orange-1' }]);
    const onDiskAtCmgs: boolean[] = [];
    rig.onHostWrite = (_modem, text) => {
      if (text.startsWith('AT+CMGS=')) onDiskAtCmgs.push(readFileSync(journal.path, 'utf8').includes('"radio-attempt-started"'));
    };
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'sent');
    expect(onDiskAtCmgs).toEqual([true]);
  });

  it('hands every journalled result to the listener after it is on disk', async () => {
    startPool([{ label: 'orange-1' }]);
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'sent');
    expect(results).toEqual(journal.unackedResults());
  });
});

describe('refusals', () => {
  it('fails a message the network refuses for good, without retrying it', async () => {
    const [modem] = startPool([{ label: 'orange-1', emulator: { behaviour: { failSends: { code: 1, count: 1 } } } }]);
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'failed');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: false }]);
    await runFor(rig.clock, 60_000);
    expect(modem?.sent()).toHaveLength(0);
  });

  it('retries a refusal that may pass, and sends it when it does', async () => {
    const [modem] = startPool([{ label: 'orange-1', emulator: { behaviour: { failSends: { code: 42, count: 2 } } } }]);
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'sent');
    expect(status('m-1')).toBe('submitted');
    expect(modem?.sent()).toHaveLength(1);
  });

  it('fails it as retryable once its attempts run out', async () => {
    const [modem] = startPool([{ label: 'orange-1', emulator: { behaviour: { failSends: { code: 42, count: null } } } }], { maxAttempts: 3 });
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'failed');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: true }]);
    expect((ofType('failed')[0] as { reason: string }).reason).toContain('3 attempt(s)');
    expect(modem?.sent()).toHaveLength(0);
  });

  it('fails a message still waiting for a modem when its send-before time passes', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'ready', 'ready');
    modem?.unplug();
    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'unplugged', 'unplugged');
    await accept('m-1', 'Code 1', { sendBefore: new Date(rig.clock.now() + 30_000).toISOString() });
    await runFor(rig.clock, 20_000);
    expect(ofType('failed')).toHaveLength(0);

    await runUntil(rig.clock, final('m-1'), 'failed once late');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: true }]);
    modem?.replug();
    await runFor(rig.clock, 30_000);
    expect(modem?.sent()).toHaveLength(0);
  });

  it('fails a message that may use only modems this agent does not have', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    await accept('m-1', 'Code 1', { modems: ['sfr-9'] });
    await runUntil(rig.clock, final('m-1'), 'failed');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: true }]);
    expect((ofType('failed')[0] as { reason: string }).reason).toContain('sfr-9');
    expect(modem?.sent()).toHaveLength(0);
  });

  it('fails a message whose send-before time has passed without sending it', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    await accept('m-1', 'Code 1', { sendBefore: new Date(rig.clock.now() - 1_000).toISOString() });
    await runUntil(rig.clock, final('m-1'), 'failed');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: true }]);
    expect((ofType('failed')[0] as { reason: string }).reason).toContain('send-before');
    expect(modem?.sent()).toHaveLength(0);
  });
});

describe('status reports', () => {
  it('journals each report as a receipt of its message and part, telling apart two modems that gave the same reference', async () => {
    const [simcom, huawei] = startPool([
      { label: 'simcom-1', emulator: { vendor: 'simcom', firstMessageReference: 5 } },
      { label: 'huawei-1', emulator: { vendor: 'huawei', firstMessageReference: 5, behaviour: { statusReportStatus: 0x46 } } },
    ]);
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    const long = 'Your verification code is 112358. '.repeat(6);
    await accept('m-long', long, { modems: ['simcom-1'] });
    await accept('m-short', 'Code 2', { modems: ['huawei-1'] });

    await runUntil(rig.clock, () => ofType('receipt').length === 3, 'three receipts');
    expect(simcom?.sent().map((part) => part.reference)).toEqual([5, 6]);
    expect(huawei?.sent().map((part) => part.reference)).toEqual([5]);
    const receipts = ofType('receipt').map((receipt) => receipt.type === 'receipt' && [receipt.messageId, receipt.part, receipt.status, receipt.statusCode]);
    expect(receipts).toEqual(expect.arrayContaining([
      ['m-long', 1, 'delivered', 0],
      ['m-long', 2, 'delivered', 0],
      ['m-short', 1, 'failed-permanent', 0x46],
    ]));
    await runUntil(rig.clock, () => huawei?.stored().length === 0, 'the +CDSI report deleted');
  });
});

describe('received SMS', () => {
  it('journals an SMS once, then deletes it; read again after a restart it is a duplicate, not a new SMS', async () => {
    const [modem] = startPool([{ label: 'orange-1' }]);
    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'ready', 'ready');
    modem?.receive({ from: '+33612345678', text: 'OUI', receivedAt: new Date('2026-01-02T03:00:00Z') });

    await runUntil(rig.clock, () => ofType('inbound').length === 1 && modem?.stored().length === 0, 'journalled and deleted');
    expect(ofType('inbound')).toMatchObject([{ modem: 'orange-1', from: '+33612345678', text: 'OUI', parts: 1, at: '2026-01-02T03:00:00.000Z' }]);

    // A crash between the journal's fsync and AT+CMGD leaves it stored: the next start reads it again.
    const id = (ofType('inbound')[0] as { id: string }).id;
    const again = await journal.append({ type: 'inbound', id, modem: 'orange-1', from: '+33612345678', text: 'OUI', parts: 1, at: '2026-01-02T03:00:00.000Z' });
    expect(again.written).toBe(false);
  });
});

describe('a modem that stops answering', () => {
  it('moves a part that got no prompt to the other modem, and sends it once', async () => {
    const [first, second] = startPool([{ label: 'a' }, { label: 'b' }]);
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    first?.hang();
    await accept('m-1', 'Code 1');

    await runUntil(rig.clock, final('m-1'), 'sent');
    const message = journal.message('m-1');
    expect(message?.submittedParts).toMatchObject([{ modem: 'b', part: 1 }]);
    first?.recover();
    await runFor(rig.clock, 120_000);
    expect(first?.sent()).toHaveLength(0);
    expect(second?.sentMessages().map((sent) => sent.text)).toEqual(['Code 1']);
    expect(pool?.modems()[0]?.health).toBe('ready');
  });

  it('closes a part whose PDU went out unanswered as outcome-unknown and never sends it again', async () => {
    const [first, second] = startPool([{ label: 'a', emulator: { behaviour: { hangAfterSends: 0 } } }, { label: 'b' }]);
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    await accept('m-1', 'Code 1', { modems: ['a'] });

    await runUntil(rig.clock, final('m-1'), 'closed');
    expect(ofType('outcome-unknown')).toMatchObject([{ messageId: 'm-1', modem: 'a', part: 1 }]);
    first?.recover();
    pool?.enqueue('m-1');
    await runFor(rig.clock, 120_000);
    expect(first?.sent()).toHaveLength(0);
    expect(second?.sent()).toHaveLength(0);
    expect(ofType('submitted')).toHaveLength(0);
  });

  it('quarantines a modem after repeated faults and says why in its snapshot', async () => {
    const [faulty, healthy] = startPool([{ label: 'a', emulator: { behaviour: { failSends: { code: 300, count: null } } } }, { label: 'b' }], { quarantineAfter: 2, maxAttempts: 5 });
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    await accept('m-1', 'Code 1', { modems: ['a'] });
    await accept('m-2', 'Code 2', { modems: ['a'] });

    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'quarantined', 'quarantined');
    expect(pool?.modems()[0]?.detail).toContain('2 consecutive failures');
    expect(pool?.modems()[0]?.detail).toContain('ME failure');
    await runUntil(rig.clock, () => pool?.modems()[0]?.queued === 2, 'both messages waiting for a');
    await accept('m-3', 'Code 3');
    await runUntil(rig.clock, final('m-3'), 'sent on b');
    expect(healthy?.sentMessages().map((sent) => sent.text)).toEqual(['Code 3']);
    expect(faulty?.sent()).toHaveLength(0);
  });
});

describe('unplug', () => {
  it('shows the modem unplugged, and sends what waited once it is back', async () => {
    const [modem] = startPool([{ label: 'a' }]);
    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'ready', 'ready');
    modem?.unplug();
    await runUntil(rig.clock, () => pool?.modems()[0]?.health === 'unplugged', 'unplugged');
    await accept('m-1', 'Code 1');
    await runFor(rig.clock, 20_000);
    expect(pool?.modems()[0]).toMatchObject({ health: 'unplugged', queued: 1 });

    modem?.replug();
    await runUntil(rig.clock, final('m-1'), 'sent after the replug');
    expect(modem?.sentMessages().map((sent) => sent.text)).toEqual(['Code 1']);
  });
});

describe('an unplug mid-send', () => {
  it('closes the part as outcome-unknown, never resends it, and sends the next message once the modem is back', async () => {
    const [modem] = startPool([{ label: 'a', emulator: { behaviour: { unplugAfterSends: { sends: 0, replugAfterMs: 10_000 } } } }]);
    await accept('m-1', 'Code 1');
    await runUntil(rig.clock, final('m-1'), 'closed');
    expect(ofType('outcome-unknown')).toMatchObject([{ messageId: 'm-1', modem: 'a', part: 1 }]);

    await accept('m-2', 'Code 2');
    await runUntil(rig.clock, final('m-2'), 'the next one sent after the replug');
    expect(modem?.sentMessages().map((sent) => sent.text)).toEqual(['Code 2']);
  });
});

describe('pace', () => {
  it('keeps each modem within its per-minute limit and uses both', async () => {
    const emulators = startPool([{ label: 'a', maxPerMinute: 2 }, { label: 'b', maxPerMinute: 3 }]);
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    const start = rig.clock.now();
    const ids = Array.from({ length: 10 }, (_, i) => `m-${i}`);
    for (const id of ids) await accept(id, `Code ${id}`);

    await runUntil(rig.clock, final(...ids), 'all sent');
    const [a, b] = emulators.map((modem) => modem.sent().map((part) => part.at));
    expect(a?.filter((at) => at < start + 60_000)).toHaveLength(2);
    expect(b?.filter((at) => at < start + 60_000)).toHaveLength(3);
    for (const times of [a ?? [], b ?? []]) {
      times.forEach((at, i) => {
        const limit = times === a ? 2 : 3;
        const earlier = times[i - limit];
        if (earlier !== undefined) expect(at - earlier).toBeGreaterThanOrEqual(60_000);
      });
    }
    expect((a?.length ?? 0) + (b?.length ?? 0)).toBe(10);
    expect(pool?.modems().map((modem) => modem.maxPerMinute)).toEqual([2, 3]);
  });

  it('stops without waiting for a minute to pass when a long message waits for room', async () => {
    startPool([{ label: 'a', maxPerMinute: 1 }]);
    await accept('m-1', 'Your verification code is 112358. '.repeat(6));
    await runUntil(rig.clock, () => ofType('submitted').length === 1, 'part 1 sent');
    await runFor(rig.clock, 1_000);

    // The clock stands still from here: a stop that waited for the window would never end.
    await pool?.stop();
    pool = undefined;
    expect(journal.message('m-1')).toMatchObject({ status: 'pending', nextPart: 2 });
  });
});

describe('the parts of one message', () => {
  const text = 'Your verification code is 112358. '.repeat(6);

  /** As a previous run left it: part 1 went out on b, part 2 is still to send. */
  async function halfSentOnB(): Promise<void> {
    await accept('m-1', text);
    await journal.append({ type: 'radio-attempt-started', messageId: 'm-1', modem: 'b', part: 1 });
    await journal.append({ type: 'submitted', messageId: 'm-1', modem: 'b', part: 1, reference: 200 });
  }

  it('sends the rest of a message on the modem that sent its first parts, also after a restart', async () => {
    await halfSentOnB();
    const [a, b] = startPool([{ label: 'a' }, { label: 'b' }]);

    await runUntil(rig.clock, () => status('m-1') === 'submitted', 'part 2 sent');
    expect(a?.sent()).toHaveLength(0);
    expect(b?.sent().map((part) => part.submit.concatenation?.sequence)).toEqual([2]);
  });

  it('fails the rest as retryable when that modem stays away too long', async () => {
    await halfSentOnB();
    const [a, b] = startPool([{ label: 'a' }, { label: 'b' }], { pinnedPatienceMs: 120_000 });
    b?.unplug();

    await runUntil(rig.clock, final('m-1'), 'given up');
    expect(ofType('failed')).toMatchObject([{ messageId: 'm-1', retryable: true }]);
    expect((ofType('failed')[0] as { reason: string }).reason).toContain('modem b');
    expect(a?.sent()).toHaveLength(0);
  });
});

describe('a restart', () => {
  it('sends each pending message exactly once across a stop, a journal reopen and a new sender', async () => {
    const emulators = startPool([{ label: 'a', maxPerMinute: 2 }, { label: 'b', maxPerMinute: 2 }]);
    await runUntil(rig.clock, () => pool?.modems().every((modem) => modem.health === 'ready') ?? false, 'both ready');
    const ids = Array.from({ length: 8 }, (_, i) => `m-${i}`);
    for (const id of ids) await accept(id, `Code ${id}`);
    await runUntil(rig.clock, () => ofType('submitted').length >= 4, 'the first minute sent');
    await pool?.stop();
    await journal.close();

    journal = await Journal.open(join(dir, 'journal'), { now: () => rig.clock.now() });
    const pendingAfterRestart = journal.pendingCommands().length;
    expect(pendingAfterRestart).toBeGreaterThan(0);
    results = [];
    restartPool();
    await runUntil(rig.clock, () => ids.every((id) => status(id) === 'submitted'), 'all sent after the restart');

    const texts = emulators.flatMap((modem) => modem.sentMessages().map((sent) => sent.text)).sort();
    expect(texts).toEqual(ids.map((id) => `Code ${id}`).sort());
  });
});
