// Errors a command can end in. Each says what the caller should do next in `disposition`, so the
// dispatcher handles every failure of a modem the same way, whichever stage it failed in.
import { classifyFailure, type FailureDisposition } from './error-classification.js';
import { describeFinalResultCode, type FinalResultCode } from './final-result-code.js';

/** A failed final result code. */
export type FailedResult = Exclude<FinalResultCode, { kind: 'ok' }>;

/** Base of the errors a `CommandQueue` rejects with. */
export abstract class AtError extends Error {
  abstract readonly code: string;
  /** What the caller should do: send again later, give up on the message, or see to the modem. */
  abstract readonly disposition: FailureDisposition;
  /** The command as written, without its line end. */
  readonly command: string;

  constructor(command: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.command = command;
  }
}

/** The modem answered with ERROR, +CMS ERROR, +CME ERROR or another failure code. */
export class AtCommandError extends AtError {
  readonly code = 'AT_COMMAND_FAILED';
  readonly disposition: FailureDisposition;
  readonly result: FailedResult;
  /** Why, in words: the code's meaning from 27.005/27.007. */
  readonly reason: string;
  /** Information lines that came before the failure. */
  readonly lines: readonly string[];

  constructor(command: string, result: FailedResult, lines: readonly string[]) {
    const { disposition, reason } = classifyFailure(result);
    super(command, `${command} failed with ${describeFinalResultCode(result)} (${reason}; ${disposition})`);
    this.name = 'AtCommandError';
    this.disposition = disposition;
    this.result = result;
    this.reason = reason;
    this.lines = lines;
  }
}

/** What the modem had not yet sent when time ran out. */
export type AwaitedResponse = 'prompt' | 'final result code';

/**
 * The modem did not answer in time. It may be hung, or answer late and so confuse the next
 * command: resynchronise it (AT, or a reset) before trusting it again. After a PDU was written
 * the message may still have gone out.
 */
export class AtTimeoutError extends AtError {
  readonly code = 'AT_TIMEOUT';
  readonly disposition = 'modem-fault';
  readonly timeoutMs: number;
  readonly awaiting: AwaitedResponse;

  constructor(command: string, timeoutMs: number, awaiting: AwaitedResponse) {
    super(command, `${command}: no ${awaiting} from the modem within ${timeoutMs} ms`);
    this.name = 'AtTimeoutError';
    this.timeoutMs = timeoutMs;
    this.awaiting = awaiting;
  }
}

/** The modem's answer was complete but not what the command promises (no +CMGS reference…). */
export class AtProtocolError extends AtError {
  readonly code = 'AT_PROTOCOL';
  readonly disposition = 'modem-fault';
  readonly lines: readonly string[];

  constructor(command: string, problem: string, lines: readonly string[]) {
    super(command, `${command}: ${problem}`);
    this.name = 'AtProtocolError';
    this.lines = lines;
  }
}

/** The queue was closed (port gone, agent stopping) before the command finished or started. */
export class AtQueueClosedError extends AtError {
  readonly code = 'AT_QUEUE_CLOSED';
  // Another modem, or this one once reopened, can take the message.
  readonly disposition = 'retryable';
  readonly reason: string;

  constructor(command: string, reason: string, options?: ErrorOptions) {
    super(command, `${command}: command queue closed (${reason})`, options);
    this.name = 'AtQueueClosedError';
    this.reason = reason;
  }
}

/** Writing the command to the port threw. */
export class AtWriteError extends AtError {
  readonly code = 'AT_WRITE_FAILED';
  readonly disposition = 'modem-fault';

  constructor(command: string, cause: unknown) {
    super(command, `${command}: writing to the modem failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AtWriteError';
  }
}
