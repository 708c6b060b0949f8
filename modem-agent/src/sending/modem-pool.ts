// The agent's SmsSender: a pool of modems that puts journalled commands on the radio. For each
// message it picks a modem (modem-choice.ts), sends its parts there in order, journals every
// step before acting on it, and decides what a failure means (attempt-policy.ts). It also turns
// what the modems receive (status reports, SMS) into journalled results. Every result reaches
// the ResultListener after its fsync.
import type { ModemSnapshot, ResultListener, SmsSender } from '../agent.ports.js';
import { JournalRuleError, type Journal, type JournalResult, type MessageState } from '../journal/index.js';
import { systemClock, type AgentClock } from '../modem/agent-clock.js';
import type { InboundSms } from '../modem/inbound-assembler.js';
import type { ModemDriver, ModemReceiver } from '../modem/modem-driver.js';
import { encodeSmsSubmit, type SmsSubmitPdu } from '../pdu/sms-submit-encoder.js';
import { StatusReportMatcher } from '../pdu/status-report-matcher.js';
import type { SmsStatusReport } from '../pdu/status-report-decoder.js';
import { decideAfterAttempt, modemVerdict } from './attempt-policy.js';
import { nextGiveUpAt, reasonToGiveUp, type GiveUpContext } from './give-up-rules.js';
import { chooseModem, mayUse, type ModemCandidate } from './modem-choice.js';
import { ModemQuarantine } from './modem-quarantine.js';
import { SendRateWindow } from './send-rate-window.js';

/** What the pool is built from. */
export interface ModemPoolOptions {
  readonly journal: Journal;
  /** The modems, in config order; the pool starts and stops them. */
  readonly modems: readonly ModemDriver[];
  readonly onResult: ResultListener;
  readonly clock?: AgentClock;
  /** Attempts a part gets (over all modems) before it fails as retryable. Default 3. */
  readonly maxAttempts?: number;
  /**
   * How long the rest of a message waits for the modem that sent its first parts before it
   * fails as retryable. Default 10 minutes.
   */
  readonly pinnedPatienceMs?: number;
  /** Consecutive faults that quarantine a modem. Default 3. */
  readonly quarantineAfter?: number;
  /** How long a quarantine lasts. Default 10 minutes. */
  readonly quarantineMs?: number;
  readonly log?: (level: 'info' | 'warn', message: string) => void;
}

/** A message waiting for a modem. */
interface QueuedMessage {
  readonly messageId: string;
  /** Attempts of its current part so far. */
  attempts: number;
  /** Set once a part went out: the rest follow on the same modem. */
  pinned: string | undefined;
  /** The modem the last attempt failed on: another is preferred for the retry. */
  failedOn: string | undefined;
  /** When it started waiting for its pinned modem (ms); how long it may wait is bounded. */
  waitingSince: number;
}

interface PooledModem {
  readonly driver: ModemDriver;
  readonly rate: SendRateWindow;
  readonly quarantine: ModemQuarantine;
  /** References are the modem's own counter: each modem matches its own reports. */
  readonly receipts: StatusReportMatcher<{ readonly messageId: string; readonly part: number }>;
  busy: boolean;
}

/** The parts of a message as the radio gets them, with the settings the command asked for. */
function encodeParts(command: MessageState['command']): SmsSubmitPdu[] {
  return encodeSmsSubmit(command.to, command.text, {
    requestStatusReport: command.statusReport,
    ...(command.validitySeconds > 0 ? { validityMinutes: Math.max(5, Math.floor(command.validitySeconds / 60)) } : {}),
    concatenationReference: concatenationReferenceOf(command.messageId),
  });
}

/**
 * The concatenation reference of a message, from its id: the same for every part and after a
 * restart, so a part sent after one is joined with those sent before it.
 */
export function concatenationReferenceOf(messageId: string): number {
  let hash = 0;
  for (const char of messageId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash & 0xff;
}

/** The SmsSender of the agent. */
export class ModemPool implements SmsSender, ModemReceiver {
  readonly #journal: Journal;
  readonly #modems: PooledModem[];
  readonly #onResult: ResultListener;
  readonly #clock: AgentClock;
  readonly #maxAttempts: number;
  readonly #pinnedPatienceMs: number;
  readonly #log: (level: 'info' | 'warn', message: string) => void;
  readonly #queue: QueuedMessage[] = [];
  /** Messages being sent now, by id. */
  readonly #active = new Set<string>();
  readonly #sending = new Set<Promise<void>>();
  #wakeUp: { cancel(): void; at: number } | undefined;
  #stopped = false;
  /** Sends waiting for room in a modem's minute; woken by stop(). */
  readonly #sleepers = new Set<() => void>();

  constructor(options: ModemPoolOptions) {
    this.#journal = options.journal;
    this.#onResult = options.onResult;
    this.#clock = options.clock ?? systemClock;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#pinnedPatienceMs = options.pinnedPatienceMs ?? 10 * 60_000;
    this.#log = options.log ?? (() => undefined);
    this.#modems = options.modems.map((driver) => ({
      driver,
      rate: new SendRateWindow(),
      quarantine: new ModemQuarantine(options.quarantineAfter ?? 3, options.quarantineMs ?? 10 * 60_000),
      receipts: new StatusReportMatcher(),
      busy: false,
    }));
  }

  /** Starts the modems and queues what the journal still has to send. */
  start(): void {
    this.#rememberSubmittedParts();
    for (const modem of this.#modems) {
      modem.driver.attach(this);
      modem.driver.on('state', () => {
        this.#dispatch();
      });
      modem.driver.start();
    }
    for (const message of this.#journal.pendingCommands()) this.enqueue(message.command.messageId);
  }

  enqueue(messageId: string): void {
    if (this.#stopped || this.#active.has(messageId) || this.#queue.some((queued) => queued.messageId === messageId)) return;
    if (this.#journal.message(messageId)?.status !== 'pending') return;
    const message = this.#journal.message(messageId);
    // Parts already with the network (before a restart) pin the rest to their modem: a phone
    // joins parts only when they come from the same sender.
    const pinned = message?.submittedParts.at(-1)?.modem;
    this.#queue.push({ messageId, attempts: 0, pinned, failedOn: undefined, waitingSince: this.#clock.now() });
    this.#dispatch();
  }

  modems(): readonly ModemSnapshot[] {
    const now = this.#clock.now();
    return this.#modems.map((modem) => {
      const state = modem.driver.state();
      const quarantined = modem.quarantine.isQuarantined(now);
      return {
        label: state.label,
        imei: state.imei,
        imsi: state.imsi,
        operator: state.operator,
        signalQuality: state.signalQuality,
        health: quarantined ? 'quarantined' : state.health,
        detail: quarantined ? modem.quarantine.reason : state.detail,
        queued: this.#queue.filter((queued) => this.#mayTake(modem, queued)).length,
        sentLastMinute: modem.rate.count(now),
        maxPerMinute: modem.driver.config.maxPerMinute,
      };
    });
  }

  /** Stops taking messages, waits for parts with a modem to finish, and closes the ports. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp?.cancel();
    for (const wake of [...this.#sleepers]) wake();
    await Promise.all(this.#modems.map((modem) => modem.driver.stop()));
    await Promise.all([...this.#sending]);
  }

  // ── Receiving (ModemReceiver) ─────────────────────────────────────────────────────────────

  async statusReport(report: SmsStatusReport, modemLabel: string): Promise<void> {
    const modem = this.#modems.find((candidate) => candidate.driver.label === modemLabel);
    const key = modem?.receipts.match(report);
    if (key === undefined) {
      this.#log('warn', `${modemLabel}: a status report for reference ${report.messageReference} matches no part sent; dropped`);
      return;
    }
    try {
      await this.#journalResult({
        type: 'receipt',
        messageId: key.messageId,
        part: key.part,
        statusCode: report.status.status,
        status: report.status.outcome,
        at: new Date(report.dischargeTime.epochMillis).toISOString(),
      });
    } catch (error) {
      // A receipt the journal can never take (its message long forgotten) must not stay on the
      // SIM to be read again at every start; a journal that cannot write keeps it there.
      if (!(error instanceof JournalRuleError)) throw error;
      this.#log('warn', `${modemLabel}: a status report for ${key.messageId} part ${key.part} cannot be journalled (${error.message}); dropped`);
    }
  }

  async inbound(sms: InboundSms): Promise<void> {
    await this.#journalResult({ type: 'inbound', id: sms.id, modem: sms.modem, from: sms.from, text: sms.text, parts: sms.parts, at: new Date(sms.receivedAt).toISOString() });
  }

  // ── Sending ───────────────────────────────────────────────────────────────────────────────

  #rememberSubmittedParts(): void {
    for (const message of this.#journal.awaitingReceipts()) {
      for (const part of message.submittedParts) {
        const modem = this.#modems.find((candidate) => candidate.driver.label === part.modem);
        modem?.receipts.record(part.reference, message.command.to, { messageId: message.command.messageId, part: part.part });
      }
    }
  }

  #mayTake(modem: PooledModem, queued: QueuedMessage): boolean {
    const command = this.#journal.message(queued.messageId)?.command;
    if (command === undefined) return false;
    return queued.pinned === undefined ? mayUse(modem.driver.label, command.modems) : queued.pinned === modem.driver.label;
  }

  /** Hands queued messages to free modems, oldest first, until no free modem may take the next. */
  #dispatch(): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    for (const queued of [...this.#queue]) {
      const message = this.#journal.message(queued.messageId);
      if (message?.status !== 'pending') {
        this.#drop(queued);
        continue;
      }
      const { command } = message;
      const giveUp = reasonToGiveUp(message, this.#giveUpContext(queued, now));
      if (giveUp !== undefined) {
        this.#drop(queued);
        this.#track(this.#journalResult({ type: 'failed', messageId: command.messageId, reason: giveUp, retryable: true }));
        continue;
      }
      const candidates = this.#candidates(now);
      const elsewhere = candidates.map((candidate) => (candidate.label === queued.failedOn ? { ...candidate, available: false } : candidate));
      const label = chooseModem(elsewhere, command.modems, queued.pinned) ?? chooseModem(candidates, command.modems, queued.pinned);
      const modem = this.#modems.find((candidate) => candidate.driver.label === label);
      if (modem === undefined) continue;
      this.#drop(queued);
      this.#track(this.#send(queued, message, modem));
    }
    this.#scheduleWakeUp(now);
  }

  #giveUpContext(queued: QueuedMessage, now: number): GiveUpContext {
    return {
      now,
      configuredModems: this.#modems.map((modem) => modem.driver.label),
      pinned: queued.pinned,
      waitingSince: queued.waitingSince,
      pinnedPatienceMs: this.#pinnedPatienceMs,
    };
  }

  #candidates(now: number): ModemCandidate[] {
    return this.#modems.map((modem) => ({
      label: modem.driver.label,
      available: !modem.busy && modem.driver.ready && !modem.quarantine.isQuarantined(now),
      sentLastMinute: modem.rate.count(now),
      maxPerMinute: modem.driver.config.maxPerMinute,
    }));
  }

  /** Dispatches again when a per-minute window or a quarantine next opens, if messages wait. */
  #scheduleWakeUp(now: number): void {
    if (this.#queue.length === 0) return;
    // A message no modem takes in time fails when its deadline passes, not when a modem frees.
    const deadlines = this.#queue.flatMap((queued) => {
      const message = this.#journal.message(queued.messageId);
      const at = message === undefined ? undefined : nextGiveUpAt(message, this.#giveUpContext(queued, now));
      return at === undefined ? [] : [at];
    });
    const times = [
      ...deadlines,
      ...this.#modems.flatMap((modem) => [modem.rate.nextRoomAt(now, modem.driver.config.maxPerMinute), modem.quarantine.until]),
    ].filter((at) => at > now);
    if (times.length === 0) return;
    const at = Math.min(...times);
    if (this.#wakeUp !== undefined && this.#wakeUp.at <= at && this.#wakeUp.at > now) return;
    this.#wakeUp?.cancel();
    const timer = this.#clock.schedule(at - now, () => {
      this.#wakeUp = undefined;
      this.#dispatch();
    });
    this.#wakeUp = { at, cancel: () => { timer.cancel(); } };
  }

  #drop(queued: QueuedMessage): void {
    const at = this.#queue.indexOf(queued);
    if (at >= 0) this.#queue.splice(at, 1);
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.#log('warn', `a send stopped on an unexpected error (the journal's, most likely): ${error instanceof Error ? error.message : String(error)}`);
    });
    this.#sending.add(tracked);
    void tracked.finally(() => this.#sending.delete(tracked));
  }

  /** Sends the message's remaining parts on `modem`, in order, until done, failed or requeued. */
  async #send(queued: QueuedMessage, message: MessageState, modem: PooledModem): Promise<void> {
    const { messageId } = message.command;
    modem.busy = true;
    this.#active.add(messageId);
    try {
      let parts: SmsSubmitPdu[];
      try {
        parts = encodeParts(message.command);
      } catch (error) {
        await this.#journalResult({ type: 'failed', messageId, reason: `cannot encode the message: ${error instanceof Error ? error.message : String(error)}`, retryable: false });
        return;
      }
      if (parts.length !== message.command.parts) {
        await this.#journalResult({ type: 'failed', messageId, reason: `the text encodes to ${parts.length} part(s), the command says ${message.command.parts}`, retryable: false });
        return;
      }
      for (let current = this.#journal.message(messageId); current?.status === 'pending'; current = this.#journal.message(messageId)) {
        const pdu = parts[current.nextPart - 1];
        if (pdu === undefined) return;
        if (!(await this.#awaitRoom(modem))) {
          this.#requeue(queued);
          return;
        }
        const keepGoing = await this.#sendPart(queued, current, pdu, modem);
        if (!keepGoing) return;
      }
    } finally {
      modem.busy = false;
      this.#active.delete(messageId);
      this.#dispatch();
    }
  }

  /** Sends one part; true when the next part should follow on the same modem. */
  async #sendPart(queued: QueuedMessage, message: MessageState, pdu: SmsSubmitPdu, modem: PooledModem): Promise<boolean> {
    const { messageId, to } = message.command;
    const label = modem.driver.label;
    const part = pdu.sequence;
    // The never-twice rule: on disk before the first byte of AT+CMGS.
    await this.#journal.append({ type: 'radio-attempt-started', messageId, modem: label, part });
    const outcome = await modem.driver.submit(pdu);
    queued.attempts += 1;
    const now = this.#clock.now();
    const verdict = modemVerdict(outcome);
    if (verdict === 'worked') modem.quarantine.worked();
    if (verdict === 'fault' && modem.quarantine.fault(now, outcome.kind === 'submitted' ? '' : outcome.reason)) {
      this.#log('warn', `${label}: quarantined: ${modem.quarantine.reason}`);
    }
    const decision = decideAfterAttempt(outcome, queued.attempts, this.#maxAttempts);
    switch (decision.kind) {
      case 'submitted':
        modem.rate.record(now);
        if (message.command.statusReport) modem.receipts.record(decision.reference, to, { messageId, part });
        await this.#journalResult({ type: 'submitted', messageId, modem: label, part, reference: decision.reference });
        queued.attempts = 0;
        queued.pinned = label;
        return true;
      case 'outcome-unknown':
        await this.#journalResult({ type: 'outcome-unknown', messageId, modem: label, part, reason: decision.reason });
        return false;
      case 'fail':
        await this.#journal.append({ type: 'radio-attempt-abandoned', messageId, modem: label, part, reason: decision.reason });
        await this.#journalResult({ type: 'failed', messageId, reason: `part ${part} on ${label}: ${decision.reason}`, retryable: decision.retryable });
        return false;
      case 'retry':
        await this.#journal.append({ type: 'radio-attempt-abandoned', messageId, modem: label, part, reason: decision.reason });
        queued.failedOn = label;
        this.#requeue(queued);
        return false;
    }
  }

  /** Waits for room in the modem's per-minute window; false when the pool stopped meanwhile. */
  async #awaitRoom(modem: PooledModem): Promise<boolean> {
    for (;;) {
      if (this.#stopped) return false;
      const now = this.#clock.now();
      const at = modem.rate.nextRoomAt(now, modem.driver.config.maxPerMinute);
      if (at <= now) return true;
      await this.#sleep(at - now);
    }
  }

  /** Waits `ms` on the clock, or until the pool stops. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        timer.cancel();
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = this.#clock.schedule(ms, wake);
      this.#sleepers.add(wake);
    });
  }

  /** Back to the front of the queue: it was accepted before those behind it. */
  #requeue(queued: QueuedMessage): void {
    if (this.#stopped) return;
    queued.waitingSince = this.#clock.now();
    this.#queue.unshift(queued);
  }

  async #journalResult(record: Parameters<Journal['append']>[0]): Promise<void> {
    const { entry, written } = await this.#journal.append(record);
    if (written) this.#onResult(entry as JournalResult);
  }
}
