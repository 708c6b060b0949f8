// Drives one GSM modem over its serial line for its whole life: open, init, ready; sends one
// part at a time; reads status reports and received SMS and hands them up, deleting them from
// the SIM only once the receiver has journalled them; polls signal and registration; resets a
// modem that stops answering (AT+CFUN=1,1, else close and reopen the port) and reopens one that
// was unplugged, with backoff, once its device is back.
import { EventEmitter } from 'node:events';
import { AtQueueClosedError, AtTimeoutError } from '../at/at-errors.js';
import { CTRL_Z } from '../at/at-command.js';
import { CommandQueue } from '../at/command-queue.js';
import type { ModemHealth } from '../agent.ports.js';
import type { ModemConfig } from '../config.js';
import type { SmsSubmitPdu } from '../pdu/sms-submit-encoder.js';
import { systemClock, type AgentClock } from './agent-clock.js';
import { InboundAssembler } from './inbound-assembler.js';
import { ModemInbox, type ModemLog, type ModemReceiver } from './modem-inbox.js';
import { initialiseModem, ModemInitError, readRegistration, readSignalQuality } from './modem-init.js';
import { resolveDevicePath, type ModemLine, type ModemLineOpener, type SerialDeviceLister } from './serial-line.js';
import { submitOutcomeOf, type SubmitOutcome } from './submit-outcome.js';

export type { ModemLog, ModemReceiver } from './modem-inbox.js';

/** The driver's own health; `quarantined` is the sender's verdict, not the modem's. */
export type DriverHealth = Exclude<ModemHealth, 'quarantined'>;

/** What the driver knows of its modem. */
export interface ModemDriverState {
  readonly label: string;
  readonly imei: string;
  readonly imsi: string;
  readonly operator: string;
  readonly signalQuality: number;
  readonly health: DriverHealth;
  readonly detail: string;
}

/** Timeouts and intervals, all in milliseconds. */
export interface ModemTiming {
  readonly commandTimeoutMs: number;
  /** AT+CMGS to the `> ` prompt. */
  readonly promptTimeoutMs: number;
  /** PDU to +CMGS: the network's round trip. */
  readonly answerTimeoutMs: number;
  /** `AT` tries while a modem boots, each with `probeTimeoutMs`. */
  readonly probeAttempts: number;
  readonly probeTimeoutMs: number;
  readonly registrationTimeoutMs: number;
  readonly registrationPollMs: number;
  /** AT+CSQ and AT+CREG? while ready. */
  readonly refreshMs: number;
  /** AT+CFUN=1,1 to its OK. */
  readonly resetTimeoutMs: number;
  /** Waits before reopening or re-initialising: doubling from the first to the last. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

/** Timing for a USB GSM stick on a live network. */
export const DEFAULT_MODEM_TIMING: ModemTiming = {
  commandTimeoutMs: 10_000,
  promptTimeoutMs: 5_000,
  // Modem manuals allow +CMGS up to 60 s or more on a congested network.
  answerTimeoutMs: 60_000,
  probeAttempts: 15,
  probeTimeoutMs: 2_000,
  registrationTimeoutMs: 120_000,
  registrationPollMs: 2_000,
  refreshMs: 60_000,
  resetTimeoutMs: 5_000,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
};

/** What a driver is built from: its config, how to reach the device, and time. */
export interface ModemDriverOptions {
  readonly config: ModemConfig;
  readonly openLine: ModemLineOpener;
  /** Finds a `usb-serial` modem's device path; `SerialPort.list` in production. */
  readonly listDevices?: SerialDeviceLister;
  readonly clock?: AgentClock;
  readonly timing?: Partial<ModemTiming>;
  readonly log?: ModemLog;
}

/** Events a driver emits. */
export interface ModemDriverEvents {
  /** The state changed (health, detail, signal, identity). */
  state: [ModemDriverState];
}

/** How a session on an open line ended. */
type SessionEnd = 'timeout' | 'lost' | 'stopped';

const silent: ModemLog = () => undefined;

/** One modem. Call {@link start}, then {@link submit} while {@link ready}; {@link stop} to close. */
export class ModemDriver extends EventEmitter<ModemDriverEvents> {
  readonly config: ModemConfig;
  readonly #openLine: ModemLineOpener;
  readonly #listDevices: SerialDeviceLister | undefined;
  readonly #clock: AgentClock;
  readonly #timing: ModemTiming;
  readonly #log: ModemLog;
  readonly #assembler: InboundAssembler;
  #state: ModemDriverState;
  #receiver: ModemReceiver | undefined;
  #line: ModemLine | undefined;
  #lineLost = false;
  #queue: CommandQueue | undefined;
  #inbox: ModemInbox | undefined;
  #endSession: ((end: SessionEnd) => void) | undefined;
  #stopping = false;
  #stopWaiters = new Set<() => void>();
  #running: Promise<void> | undefined;
  #pinRefused = false;
  #pduWrites = 0;
  /** Sessions that reached ready: a modem that worked again starts its backoff afresh. */
  #readySessions = 0;
  #submitting = false;
  /** Session work (reads, deletes, hand-ups, refreshes) runs one item at a time, in order. */
  #urcWork: Promise<void> = Promise.resolve();

  constructor(options: ModemDriverOptions) {
    super();
    this.config = options.config;
    this.#openLine = options.openLine;
    this.#listDevices = options.listDevices;
    this.#clock = options.clock ?? systemClock;
    this.#timing = { ...DEFAULT_MODEM_TIMING, ...options.timing };
    this.#log = options.log ?? silent;
    this.#assembler = new InboundAssembler(options.config.label);
    this.#state = { label: options.config.label, imei: '', imsi: '', operator: '', signalQuality: 99, health: 'starting', detail: 'not started' };
  }

  get label(): string {
    return this.config.label;
  }

  state(): ModemDriverState {
    return this.#state;
  }

  /** Ready and not sending: a part may be submitted now. */
  get ready(): boolean {
    return this.#state.health === 'ready' && !this.#submitting;
  }

  /** Sets where status reports and received SMS go; set it before {@link start}. */
  attach(receiver: ModemReceiver): void {
    this.#receiver = receiver;
  }

  /** Opens the port and keeps the modem in service until {@link stop}. */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#running = this.#run().catch((error: unknown) => {
      this.#log('warn', `${this.label}: driver stopped on an unexpected error: ${describe(error)}`);
    });
  }

  /**
   * Submits one part (AT+CMGS, the prompt, the PDU). The caller journals the attempt before
   * calling: the first byte of AT+CMGS is written inside this call.
   */
  async submit(pdu: SmsSubmitPdu): Promise<SubmitOutcome> {
    const queue = this.#queue;
    if (this.#state.health !== 'ready' || queue === undefined) {
      return { kind: 'not-sent', disposition: 'retryable', promptSeen: false, reason: `modem ${this.label} is ${this.#state.health}` };
    }
    if (this.#submitting) throw new Error(`modem ${this.label} is already sending a part`);
    this.#submitting = true;
    const pduWritesBefore = this.#pduWrites;
    try {
      const reference = await queue.sendPdu(pdu.tpduLength, pdu.hex, { promptTimeoutMs: this.#timing.promptTimeoutMs, answerTimeoutMs: this.#timing.answerTimeoutMs });
      return { kind: 'submitted', reference };
    } catch (error) {
      if (error instanceof AtTimeoutError) {
        // Not ready from this moment: the pool must not hand it the retry.
        this.#update({ health: 'resetting', detail: `no answer to AT+CMGS (${error.awaiting}); resetting the modem` });
        this.#finishSession('timeout');
      }
      return submitOutcomeOf(error, this.#pduWrites > pduWritesBefore);
    } finally {
      this.#submitting = false;
    }
  }

  /** Closes the port and stops every timer; resolves once the driver is idle. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of this.#stopWaiters) wake();
    this.#finishSession('stopped');
    this.#queue?.close('the agent is stopping');
    await this.#line?.close();
    await this.#running;
    this.#running = undefined;
  }

  // ── Lifecycle ──────────────────────────────────────────────────────────────────────────────

  async #run(): Promise<void> {
    let retries = 0;
    while (!this.#stopping) {
      const line = await this.#open();
      if (line === undefined) {
        await this.#wait(this.#retryDelay(retries++));
        continue;
      }
      const readyBefore = this.#readySessions;
      const end = await this.#serveLine(line);
      await line.close();
      this.#line = undefined;
      if (end === 'stopped') return;
      if (this.#readySessions > readyBefore) retries = 0;
      // Reopening a device that just went away or hung: back off, or a flapping USB hub spins.
      await this.#wait(this.#retryDelay(retries++));
    }
  }

  async #open(): Promise<ModemLine | undefined> {
    try {
      const path = await resolveDevicePath(this.config.port, this.#listDevices);
      this.#lineLost = false;
      const line = await this.#openLine(path, this.config.baudRate, {
        onData: (chunk) => {
          this.#feed(chunk);
        },
        onLost: (reason) => {
          this.#onLineLost(reason);
        },
      });
      this.#line = line;
      this.#log('info', `${this.label}: opened ${path}`);
      return line;
    } catch (error) {
      this.#update({ health: 'unplugged', detail: `cannot open the modem's port: ${describe(error)}` });
      return undefined;
    }
  }

  /** Init and serve on one open line until it is lost, the modem cannot be reset on it, or stop. */
  async #serveLine(line: ModemLine): Promise<SessionEnd> {
    let failures = 0;
    while (!this.#stopping && !this.#lineLost) {
      const end = await this.#session(line);
      if (end === 'lost' || end === 'stopped') return end;
      if (end === 'init-failed') {
        await this.#wait(this.#retryDelay(failures++));
        continue;
      }
      // A command went unanswered: reset the modem, or give up on this open port.
      if (this.#state.health !== 'resetting') this.#update({ health: 'resetting', detail: 'the modem stopped answering; resetting it with AT+CFUN=1,1' });
      if (!(await this.#resetOnLine(line))) {
        this.#update({ health: 'resetting', detail: 'the modem stopped answering and ignored AT+CFUN=1,1; reopening its port' });
        return 'timeout';
      }
    }
    return this.#lineLost ? 'lost' : 'stopped';
  }

  /** Runs init then serves until the session ends. */
  async #session(line: ModemLine): Promise<SessionEnd | 'init-failed'> {
    const queue = this.#newQueue(line);
    const ended = new Promise<SessionEnd>((resolve) => {
      this.#endSession = resolve;
    });
    try {
      if (this.#state.health !== 'resetting') this.#update({ health: 'starting', detail: 'initialising' });
      const init = this.#initialise(queue);
      // Init may lose the race to the line going away; its rejection then has no reader.
      init.catch(() => undefined);
      const identity = await Promise.race([init, ended]);
      if (typeof identity === 'string') return identity;
      this.#update({ ...identity, health: 'ready', detail: '' });
      this.#readySessions += 1;
      this.#log('info', `${this.label}: ready on ${identity.operator || 'an unnamed network'}, signal ${identity.signalQuality}`);
      const inbox = this.#inbox;
      if (inbox !== undefined) this.#queueUrcWork(queue, () => inbox.readAll());
      const refresh = this.#scheduleRefresh(queue);
      const end = await ended;
      refresh.cancel();
      return end;
    } catch (error) {
      if (error instanceof AtTimeoutError) return 'timeout';
      if (error instanceof AtQueueClosedError) return this.#lineLost ? 'lost' : 'stopped';
      if (error instanceof ModemInitError) {
        if (!error.retryable && error.detail.includes('refused the configured PIN')) this.#pinRefused = true;
        this.#update({ health: error.health, detail: error.detail });
      } else {
        this.#update({ health: 'starting', detail: `init failed: ${describe(error)}` });
      }
      return 'init-failed';
    } finally {
      this.#endSession = undefined;
      queue.close('session ended');
      this.#assembler.clear();
    }
  }

  #initialise(queue: CommandQueue): ReturnType<typeof initialiseModem> {
    const t = this.#timing;
    return initialiseModem(queue, {
      clock: this.#clock,
      simPin: this.config.simPin,
      pinRefused: this.#pinRefused,
      probeAttempts: t.probeAttempts,
      probeTimeoutMs: t.probeTimeoutMs,
      registrationTimeoutMs: t.registrationTimeoutMs,
      registrationPollMs: t.registrationPollMs,
    });
  }

  /** True when the modem took AT+CFUN=1,1: it reboots, and the next init waits through its boot. */
  async #resetOnLine(line: ModemLine): Promise<boolean> {
    const queue = this.#newQueue(line);
    try {
      await queue.send('AT+CFUN=1,1', { timeoutMs: this.#timing.resetTimeoutMs });
      return true;
    } catch (error) {
      // ERROR means it is awake again and does not know the command: init will tell.
      return !(error instanceof AtTimeoutError || error instanceof AtQueueClosedError);
    } finally {
      queue.close('reset sent');
    }
  }

  #newQueue(line: ModemLine): CommandQueue {
    const queue = new CommandQueue({
      write: (data) => {
        // Counted before the write: a write that throws may still have put bytes on the wire.
        if (data.endsWith(CTRL_Z)) this.#pduWrites += 1;
        line.write(data);
      },
      timeouts: this.#clock,
      defaultTimeoutMs: this.#timing.commandTimeoutMs,
    });
    const inbox = new ModemInbox(this.label, queue, () => this.#receiver, this.#assembler, this.#log);
    queue.onUnsolicited((result) => {
      if (result.kind === 'signal') this.#update({ signalQuality: result.rssi });
      const work = inbox.workFor(result);
      if (work !== undefined) this.#queueUrcWork(queue, work);
    });
    this.#queue = queue;
    this.#inbox = inbox;
    return queue;
  }

  #feed(chunk: Buffer): void {
    try {
      this.#queue?.feed(chunk.toString('latin1'));
    } catch (error) {
      this.#log('warn', `${this.label}: handling modem output failed: ${describe(error)}`);
    }
  }

  #onLineLost(reason: string): void {
    if (this.#stopping) return;
    this.#lineLost = true;
    this.#update({ health: 'unplugged', detail: `the modem's port went away (${reason}); reopening it once the device is back` });
    this.#queue?.close('the port went away');
    this.#finishSession('lost');
  }

  #finishSession(end: SessionEnd): void {
    this.#endSession?.(end);
  }

  #scheduleRefresh(queue: CommandQueue): { cancel(): void } {
    const tick = (): void => {
      this.#queueUrcWork(queue, () => this.#refresh(queue));
      timer = this.#clock.schedule(this.#timing.refreshMs, tick);
    };
    let timer = this.#clock.schedule(this.#timing.refreshMs, tick);
    return {
      cancel: () => {
        timer.cancel();
      },
    };
  }

  async #refresh(queue: CommandQueue): Promise<void> {
    const signalQuality = await readSignalQuality(queue);
    const stat = await readRegistration(queue);
    const registered = stat === 1 || stat === 5;
    if (this.#state.health === 'ready' && !registered) {
      this.#update({ signalQuality, operator: '', health: 'starting', detail: `lost network registration (+CREG ${String(stat)})` });
    } else if (this.#state.health === 'starting' && registered) {
      this.#update({ signalQuality, health: 'ready', detail: '' });
    } else {
      this.#update({ signalQuality });
    }
  }

  #queueUrcWork(queue: CommandQueue, work: () => Promise<void>): void {
    this.#urcWork = this.#urcWork.then(async () => {
      if (this.#queue !== queue) return;
      try {
        await work();
      } catch (error) {
        if (error instanceof AtTimeoutError) this.#finishSession('timeout');
        else if (!(error instanceof AtQueueClosedError)) this.#log('warn', `${this.label}: ${describe(error)}`);
      }
    });
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────

  #update(change: Partial<Omit<ModemDriverState, 'label'>>): void {
    const next = { ...this.#state, ...change };
    const same = (Object.keys(change) as (keyof ModemDriverState)[]).every((key) => next[key] === this.#state[key]);
    this.#state = next;
    if (same) return;
    if (change.health !== undefined || change.detail !== undefined) {
      this.#log(next.health === 'ready' ? 'info' : 'warn', `${this.label}: ${next.health}${next.detail === '' ? '' : `: ${next.detail}`}`);
    }
    this.emit('state', next);
  }

  #retryDelay(retries: number): number {
    return Math.min(this.#timing.retryMaxMs, this.#timing.retryInitialMs * 2 ** Math.min(retries, 16));
  }

  /** Waits `ms` on the clock, or less when stopping. */
  #wait(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        timer.cancel();
        this.#stopWaiters.delete(done);
        resolve();
      };
      const timer = this.#clock.schedule(ms, done);
      this.#stopWaiters.add(done);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
