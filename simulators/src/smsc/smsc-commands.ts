/**
 * Where each PDU from an ESME goes: responses to the request they answer, binds and submits to
 * their handlers; enquire_link and unbind (SMPP 3.4 §4.11, §4.2) are answered here; any other
 * command with ESME_RINVCMDID, as generic_nack when the command_id is unknown (§4.3).
 */
import { bindModeOf, type BindHandler } from './smsc-bind.js';
import { encodeResponse, isResponseId, type RawPdu } from './smsc-pdu.js';
import type { SmscRuntime } from './smsc-runtime.js';
import type { SimSession, SmscSessions } from './smsc-sessions.js';
import { SmscStatus } from './smsc-status.js';
import type { SubmitHandler } from './smsc-submit.js';

/** Routes the PDUs of every session. */
export class CommandRouter {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  readonly #binds: BindHandler;
  readonly #submits: SubmitHandler;

  constructor(runtime: SmscRuntime, sessions: SmscSessions, binds: BindHandler, submits: SubmitHandler) {
    this.#runtime = runtime;
    this.#sessions = sessions;
    this.#binds = binds;
    this.#submits = submits;
  }

  /** Handles one PDU; throws what its handler throws (see `PduHandler`). */
  handle(session: SimSession, pdu: RawPdu): void {
    if (isResponseId(pdu.commandId)) {
      const waiter = session.waiting.get(pdu.sequence);
      if (waiter) {
        session.waiting.delete(pdu.sequence);
        waiter(pdu);
      } else {
        for (const observer of session.observers) observer(pdu);
      }
      return;
    }
    const bindMode = bindModeOf(pdu.command);
    if (bindMode !== undefined) {
      this.#binds.handle(session, pdu, bindMode);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.#runtime.stats.enquireLinks += 1;
        if (this.#runtime.behaviour.answerEnquireLink) this.#sessions.write(session, encodeResponse(pdu, 0));
        return;
      case 'unbind':
        this.#runtime.stats.unbinds += 1;
        session.mode = undefined;
        this.#sessions.write(session, encodeResponse(pdu, 0));
        session.socket.end();
        return;
      case 'submit_sm':
        this.#submits.handle(session, pdu);
        return;
      default:
        // Unknown command_ids get generic_nack (§4.3); known ones the simulator does not do, their own _resp.
        this.#sessions.write(session, encodeResponse(pdu, SmscStatus.ESME_RINVCMDID));
    }
  }
}
