/**
 * What the simulator sends without being asked: mobile-originated messages (deliver_sm,
 * esm_class 0), PDUs hand-made by tests, raw octets, and the named hostile PDUs of
 * smsc-injection.ts, each reporting how the ESME answered.
 */
import { maskNumber } from '../shared/masking.js';
import { NoReceiverError } from './smsc-errors.js';
import { digitsOf } from './smsc-inbox.js';
import { expectsResponse, injectionBytes, type InjectionKind } from './smsc-injection.js';
import { moDeliverSms, type MoMessage } from './smsc-mo.js';
import { namedPduBuilder, type PduBuilder } from './smsc-pdu-fields.js';
import { CommandId, encodeDeliverSm, encodePdu, type RawPdu } from './smsc-pdu.js';
import type { SmscRuntime } from './smsc-runtime.js';
import type { SmscSessions } from './smsc-sessions.js';

/** What `injectMalformed` saw come back. */
export interface InjectionResult {
  readonly kind: InjectionKind;
  readonly sessionId: number;
  /** The octets sent, hex. */
  readonly sentHex: string;
  /** The ESME's answer (on the same sequence number, or any unsolicited response such as generic_nack); null when none came. */
  readonly response: { readonly command: string; readonly commandStatus: number; readonly sequence: number } | null;
  /** True when the ESME (or the simulator, after an unbind) closed the connection. */
  readonly connectionClosed: boolean;
}

const INJECTION_CLOSE_GRACE_MS = 100;

/** Sends MO and injected PDUs to bound sessions. */
export class OutboundRequests {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  /** The simulator's own system_id: whose binds MO goes to unless the message names another. */
  readonly #systemId: string;
  #moReference = 0;

  constructor(runtime: SmscRuntime, sessions: SmscSessions, systemId: string) {
    this.#runtime = runtime;
    this.#sessions = sessions;
    this.#systemId = systemId;
  }

  /**
   * Sends a mobile-originated deliver_sm (esm_class 0) to a receiver or transceiver of the
   * system_id, preferring one whose address_range matches `to`. Resolves with the ESME's
   * command_status (the first error over all parts), or undefined when a response never came.
   * Rejects with NoReceiverError when nobody can take it, RangeError when the text does not fit the data_coding.
   */
  async sendMo(message: MoMessage, timeoutMs = 5000): Promise<number | undefined> {
    const systemId = message.systemId ?? this.#systemId;
    this.#moReference = (this.#moReference + 1) & 0xff;
    const parts = moDeliverSms(message, this.#moReference);
    const session = this.#sessions.receiverFor(systemId, undefined, digitsOf(message.to));
    if (!session) throw new NoReceiverError(`no receiver or transceiver bound as ${systemId}`);
    let result: number | undefined = 0;
    for (const part of parts) {
      this.#runtime.stats.moSent += 1;
      const response = await this.#sessions.request(session, (sequence) => encodeDeliverSm(part, sequence), timeoutMs);
      if (response === undefined) {
        result = undefined;
        continue;
      }
      if (response.commandStatus === 0) this.#runtime.stats.moAcknowledged += 1;
      else this.#runtime.stats.moRejected += 1;
      if (result === 0) result = response.commandStatus;
    }
    this.#runtime.log.debug({ to: maskNumber(message.to), parts: parts.length, status: result }, 'MO sent');
    return result;
  }

  /**
   * Sends a request PDU an SMSC may send (deliver_sm with odd fields, data_sm, enquire_link,
   * unbind …) to a bound receiving session, built from SMPP 3.4 field names (see
   * `namedPduBuilder`), so tests can hand-craft PDUs. Resolves with the response's
   * command_status, or undefined if none came; rejects with RangeError for a field the command
   * does not have, NoReceiverError when nothing can receive it.
   */
  injectPdu(command: string, fields: Record<string, unknown> = {}, timeoutMs = 2000): Promise<number | undefined> {
    const session = this.#sessions.receiverFor(undefined);
    if (!session) return Promise.reject(new NoReceiverError('no bound receiver session'));
    let build: PduBuilder;
    try {
      build = namedPduBuilder(command, fields);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#sessions.request(session, build, timeoutMs).then((response) => response?.commandStatus);
  }

  /**
   * Writes raw bytes (a hand-made, possibly malformed PDU) to a bound receiving session and waits
   * for a response with the sequence number found at octets 12-15, if any.
   */
  injectRaw(bytes: Buffer, timeoutMs = 500): Promise<number | undefined> {
    const session = this.#sessions.receiverFor(undefined);
    if (!session) return Promise.reject(new NoReceiverError('no bound receiver session'));
    const sequence = bytes.length >= 16 ? bytes.readUInt32BE(12) : -1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(sequence);
        resolve(undefined);
      }, timeoutMs);
      session.waiting.set(sequence, (pdu) => {
        clearTimeout(timer);
        resolve(pdu?.commandStatus);
      });
      this.#sessions.write(session, bytes);
    });
  }

  /**
   * Sends a named hostile PDU (see `INJECTION_KINDS`) to a bound session (a receiving one if
   * there is one) and reports what came back within `timeoutMs`: the answer, and whether the
   * connection closed. Rejects with NoReceiverError when nothing is bound.
   */
  async injectMalformed(kind: InjectionKind, timeoutMs = 500): Promise<InjectionResult> {
    const bound = this.#sessions.all().filter((session) => session.mode !== undefined && !session.closing && !session.closed);
    const session = this.#sessions.receiverFor(undefined) ?? bound[0];
    if (!session) throw new NoReceiverError('no bound session');
    this.#runtime.stats.injections += 1;
    if (kind === 'unbind') {
      const sequence = session.sequence + 1;
      const response = await this.#sessions.unbind(session, timeoutMs);
      return {
        kind,
        sessionId: session.id,
        sentHex: encodePdu(CommandId.unbind, 0, sequence).toString('hex'),
        response: response === undefined ? null : describe(response),
        connectionClosed: true,
      };
    }
    const sequence = this.#sessions.nextSequence(session);
    const bytes = injectionBytes(kind, sequence, () => this.#runtime.random());
    this.#runtime.log.info({ session: session.id, kind }, 'injecting a hostile PDU');
    return new Promise((resolve) => {
      let answer: RawPdu | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        session.waiting.delete(sequence);
        session.observers.delete(observe);
        resolve({ kind, sessionId: session.id, sentHex: bytes.toString('hex'), response: answer ? describe(answer) : null, connectionClosed: session.closed });
      };
      // After the answer, linger briefly: an ESME that nacks a broken stream hangs up right after.
      const observe = (pdu: RawPdu | undefined): void => {
        if (pdu === undefined || answer !== undefined) {
          finish();
          return;
        }
        answer = pdu;
        session.waiting.delete(sequence);
        clearTimeout(timer);
        timer = setTimeout(finish, Math.min(INJECTION_CLOSE_GRACE_MS, timeoutMs));
      };
      let timer = setTimeout(finish, timeoutMs);
      if (expectsResponse(kind)) session.waiting.set(sequence, observe);
      session.observers.add(observe);
      this.#sessions.write(session, bytes);
    });
  }
}

function describe(pdu: RawPdu): { command: string; commandStatus: number; sequence: number } {
  return { command: pdu.command ?? `0x${pdu.commandId.toString(16).padStart(8, '0')}`, commandStatus: pdu.commandStatus, sequence: pdu.sequence };
}
