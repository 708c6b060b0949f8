// Drives one modem's AT command line: one command in flight at a time, each with its own
// timeout, and URCs handed to listeners whenever they arrive, also between the `> ` prompt and
// the answer to a PDU. Transport-neutral: it writes through a function and is fed what the
// modem sends, so a serial port, a simulator or a test script can stand behind it.
import { buildCmgsCommand, COMMAND_TERMINATOR, ESCAPE, framePdu, tpduLength as tpduLengthOf } from './at-command.js';
import { AtCommandError, AtProtocolError, AtQueueClosedError, AtTimeoutError, AtWriteError, type AtError } from './at-errors.js';
import { ModemOutputReader, type ModemEvent, type ReaderContext } from './modem-output-reader.js';
import { integerField, resultParameters, splitResultFields } from './result-fields.js';
import type { ScheduledTimeout, TimeoutScheduler } from './timeout-scheduler.js';
import type { UnsolicitedResult } from './unsolicited-result.js';

/** How the queue reaches the modem and keeps time. */
export interface CommandQueueOptions {
  /** Writes to the modem. May throw; may even feed the answer back synchronously. */
  readonly write: (data: string) => void;
  readonly timeouts: TimeoutScheduler;
  /** Timeout for commands sent without one. Default 10 s. */
  readonly defaultTimeoutMs?: number;
}

/** Options for one command. */
export interface SendOptions {
  /** Milliseconds from writing the command to its final result code. */
  readonly timeoutMs?: number;
  /**
   * The result name the answer's lines carry (`+CREG`), which decides whether a line of that
   * name is the answer or a URC. By default the command's own name: `+CREG` for `AT+CREG?`.
   */
  readonly expectPrefix?: string;
}

/** Options for an AT+CMGS submission. */
export interface SendPduOptions {
  /** Milliseconds from AT+CMGS to the `> ` prompt. Default 5 s. */
  readonly promptTimeoutMs?: number;
  /** Milliseconds from the PDU to +CMGS and OK: the network's round trip. Default 60 s. */
  readonly answerTimeoutMs?: number;
}

/** Called with every URC, in arrival order. */
export type UnsolicitedListener = (result: UnsolicitedResult) => void;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PROMPT_TIMEOUT_MS = 5_000;
// Modem manuals allow +CMGS up to 60 s or more on a congested network.
const DEFAULT_PDU_ANSWER_TIMEOUT_MS = 60_000;

interface Job {
  /** The command as written, without its terminator. */
  readonly command: string;
  readonly answerName: string | undefined;
  readonly timeoutMs: number;
  readonly pdu: { readonly hex: string; readonly answerTimeoutMs: number } | undefined;
  readonly resolve: (lines: readonly string[]) => void;
  readonly reject: (error: AtError) => void;
}

interface InFlight {
  readonly job: Job;
  stage: 'prompt' | 'answer';
  /** The echo still to skip (ATE1): the command, then after the prompt the PDU. */
  echo: string | undefined;
  readonly lines: string[];
  timeout: ScheduledTimeout;
  timeoutMs: number;
}

const FORBIDDEN_IN_COMMAND = /[\r\n\x1a\x1b]/;

/** The result name a command answers with: `+CMGS` for `AT+CMGS=23`, undefined for `ATE0`. */
export function answerNameOf(command: string): string | undefined {
  return /^AT([+^$%#*][A-Za-z0-9]+)/i.exec(command)?.[1]?.toUpperCase();
}

/** Reads the message reference from the lines of a successful AT+CMGS (27.005 §3.5.1). */
function messageReference(command: string, lines: readonly string[]): number {
  const answer = lines.find((line) => line.toUpperCase().startsWith('+CMGS:'));
  const reference = answer === undefined ? undefined : integerField(splitResultFields(resultParameters(answer))[0]);
  if (reference === undefined || reference > 0xff) {
    const problem = answer === undefined ? 'OK without a +CMGS message reference' : `unreadable message reference in ${JSON.stringify(answer)}`;
    throw new AtProtocolError(command, problem, lines);
  }
  return reference;
}

/** One modem's command line. */
export class CommandQueue {
  readonly #write: (data: string) => void;
  readonly #timeouts: TimeoutScheduler;
  readonly #defaultTimeoutMs: number;
  readonly #reader: ModemOutputReader;
  readonly #listeners = new Set<UnsolicitedListener>();
  readonly #waiting: Job[] = [];
  readonly #inbox: string[] = [];
  #inFlight: InFlight | undefined;
  #feeding = false;
  #closed: string | undefined;

  constructor(options: CommandQueueOptions) {
    this.#write = options.write;
    this.#timeouts = options.timeouts;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#reader = new ModemOutputReader((): ReaderContext => ({ answerName: this.#inFlight?.job.answerName }));
  }

  /** Commands written or waiting to be. */
  get pending(): number {
    return this.#waiting.length + (this.#inFlight === undefined ? 0 : 1);
  }

  /**
   * Sends a command (without its line end) once those before it have finished.
   *
   * @returns the information lines of the answer, echo and URCs left out.
   * @throws {AtCommandError} when the modem answers with a failure code, classified.
   * @throws {AtTimeoutError} when no final result code arrives in time.
   * @throws {AtQueueClosedError} when the queue closes first.
   * @throws {RangeError} for a command that does not start with AT or holds a line end, Ctrl-Z or ESC.
   */
  send(command: string, options: SendOptions = {}): Promise<readonly string[]> {
    if (!/^AT/i.test(command) || FORBIDDEN_IN_COMMAND.test(command)) {
      return Promise.reject(new RangeError(`not a single AT command: ${JSON.stringify(command)}`));
    }
    const answerName = options.expectPrefix?.toUpperCase() ?? answerNameOf(command);
    return this.#enqueue(command, answerName, options.timeoutMs ?? this.#defaultTimeoutMs, undefined);
  }

  /**
   * Submits a PDU in two stages: `AT+CMGS=<tpduLength>`, then at the `> ` prompt the PDU and
   * Ctrl-Z (27.005 §3.5.1).
   *
   * @param pduHex SMSC information and TPDU, as `encodeSmsSubmit` gives them.
   * @returns the message reference (TP-MR) from `+CMGS: <mr>`, which status reports carry.
   * @throws {AtCommandError}, {AtTimeoutError} (awaiting the prompt or the answer),
   *   {AtProtocolError} (OK without a reference, or OK instead of a prompt), {AtQueueClosedError}.
   * @throws {RangeError} when `tpduLength` does not match the PDU's TPDU.
   */
  async sendPdu(tpduLength: number, pduHex: string, options: SendPduOptions = {}): Promise<number> {
    const command = buildCmgsCommand(tpduLength).slice(0, -COMMAND_TERMINATOR.length);
    const actual = tpduLengthOf(pduHex);
    if (actual !== tpduLength) {
      throw new RangeError(`${command} announces ${tpduLength} TPDU octets but the PDU holds ${actual}`);
    }
    const pdu = { hex: pduHex, answerTimeoutMs: options.answerTimeoutMs ?? DEFAULT_PDU_ANSWER_TIMEOUT_MS };
    const lines = await this.#enqueue(command, '+CMGS', options.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS, pdu);
    return messageReference(command, lines);
  }

  /**
   * Hands the queue what the modem sent, split anywhere. Listener exceptions do not interrupt
   * the reading; the first is rethrown once the chunk is read.
   */
  feed(chunk: string): void {
    if (this.#closed !== undefined) return;
    this.#inbox.push(chunk);
    // A write that feeds the answer back synchronously lands here mid-chunk: it waits its turn.
    if (this.#feeding) return;
    const listenerErrors: unknown[] = [];
    this.#feeding = true;
    try {
      for (let next = this.#inbox.shift(); next !== undefined; next = this.#inbox.shift()) {
        for (const event of this.#reader.feed(next)) {
          // A listener may close the queue; what follows is then nobody's.
          if (!this.#isOpen()) break;
          this.#handle(event, listenerErrors);
        }
      }
    } finally {
      this.#feeding = false;
    }
    // Only now: a command written mid-chunk would claim lines the modem sent before reading it.
    this.#startNext();
    if (listenerErrors.length === 1) throw listenerErrors[0];
    if (listenerErrors.length > 1) throw new AggregateError(listenerErrors, 'URC listeners failed');
  }

  /** Registers a URC listener; returns the function that removes it. */
  onUnsolicited(listener: UnsolicitedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rejects the command in flight and all waiting with {@link AtQueueClosedError}; later sends too. */
  close(reason: string, cause?: unknown): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    const options = cause === undefined ? undefined : { cause };
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    if (inFlight !== undefined) {
      inFlight.timeout.cancel();
      inFlight.job.reject(new AtQueueClosedError(inFlight.job.command, reason, options));
    }
    for (const job of this.#waiting.splice(0)) job.reject(new AtQueueClosedError(job.command, reason, options));
  }

  // A method, not a field test: a listener can close the queue while feed() runs.
  #isOpen(): boolean {
    return this.#closed === undefined;
  }

  #enqueue(command: string, answerName: string | undefined, timeoutMs: number, pdu: Job['pdu']): Promise<readonly string[]> {
    return new Promise((resolve, reject) => {
      if (this.#closed !== undefined) {
        reject(new AtQueueClosedError(command, this.#closed));
        return;
      }
      this.#waiting.push({ command, answerName, timeoutMs, pdu, resolve, reject });
      this.#startNext();
    });
  }

  #startNext(): void {
    while (this.#inFlight === undefined && !this.#feeding && this.#closed === undefined) {
      const job = this.#waiting.shift();
      if (job === undefined) return;
      const inFlight: InFlight = {
        job,
        stage: job.pdu === undefined ? 'answer' : 'prompt',
        echo: job.command,
        lines: [],
        timeoutMs: job.timeoutMs,
        timeout: this.#timeouts.schedule(job.timeoutMs, () => {
          this.#expire(inFlight);
        }),
      };
      // In flight before the write: a modem (or simulator) may answer within it.
      this.#inFlight = inFlight;
      try {
        this.#write(`${job.command}${COMMAND_TERMINATOR}`);
      } catch (error) {
        this.#finish(inFlight);
        job.reject(new AtWriteError(job.command, error));
      }
    }
  }

  #handle(event: ModemEvent, listenerErrors: unknown[]): void {
    const inFlight = this.#inFlight;
    switch (event.kind) {
      case 'unsolicited':
        this.#notify(event.result, listenerErrors);
        return;
      case 'prompt':
        // A prompt nobody waits for is a late one after a timeout; the ESC sent then cancelled it.
        if (inFlight?.stage === 'prompt') this.#writePdu(inFlight);
        return;
      case 'line':
        if (inFlight === undefined) this.#notify({ kind: 'unrecognised', line: event.line }, listenerErrors);
        else if (inFlight.echo !== undefined && event.line.toUpperCase() === inFlight.echo.toUpperCase()) inFlight.echo = undefined;
        else inFlight.lines.push(event.line);
        return;
      case 'final':
        if (inFlight === undefined) this.#notify({ kind: 'unrecognised', line: event.line }, listenerErrors);
        else this.#complete(inFlight, event.result);
        return;
    }
  }

  #complete(inFlight: InFlight, result: Extract<ModemEvent, { kind: 'final' }>['result']): void {
    const { job, lines } = inFlight;
    this.#finish(inFlight);
    if (result.kind !== 'ok') job.reject(new AtCommandError(job.command, result, lines));
    else if (inFlight.stage === 'prompt') job.reject(new AtProtocolError(job.command, 'OK instead of the > prompt for the PDU', lines));
    else job.resolve(lines);
  }

  #writePdu(inFlight: InFlight): void {
    const pdu = inFlight.job.pdu;
    if (pdu === undefined) return;
    inFlight.timeout.cancel();
    inFlight.stage = 'answer';
    inFlight.echo = pdu.hex;
    inFlight.timeoutMs = pdu.answerTimeoutMs;
    inFlight.timeout = this.#timeouts.schedule(pdu.answerTimeoutMs, () => {
      this.#expire(inFlight);
    });
    try {
      this.#write(framePdu(pdu.hex));
    } catch (error) {
      this.#finish(inFlight);
      inFlight.job.reject(new AtWriteError(inFlight.job.command, error));
    }
  }

  #expire(inFlight: InFlight): void {
    if (this.#inFlight !== inFlight) return;
    this.#finish(inFlight);
    if (inFlight.stage === 'prompt') {
      // A prompt arriving late would take the next command as PDU text; ESC cancels it.
      try {
        this.#write(ESCAPE);
      } catch {
        // The port is failing; the next command's write reports it.
      }
    }
    const awaiting = inFlight.stage === 'prompt' ? 'prompt' : 'final result code';
    inFlight.job.reject(new AtTimeoutError(inFlight.job.command, inFlight.timeoutMs, awaiting));
    this.#startNext();
  }

  #finish(inFlight: InFlight): void {
    inFlight.timeout.cancel();
    if (this.#inFlight === inFlight) this.#inFlight = undefined;
  }

  #notify(result: UnsolicitedResult, listenerErrors: unknown[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(result);
      } catch (error) {
        listenerErrors.push(error);
      }
    }
  }
}
