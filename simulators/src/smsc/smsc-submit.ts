/**
 * submit_sm (SMPP 3.4 §4.4) as an SMSC takes it: flow control first (`window`, `maxTps`), then
 * the configured faults (`failSubmits`, `submitErrorRate`), the checks of the message itself,
 * the inbox, the answer (on time, late, or lost) and the receipts it asks for.
 */
import { maskNumber } from '../shared/masking.js';
import type { DisconnectSchedule } from './smsc-disconnect-schedule.js';
import { RateLimiter } from './smsc-flow.js';
import { segmentOf, type Inbox } from './smsc-inbox.js';
import type { MessageIdIssuer } from './smsc-message-ids.js';
import { BodyWriter, PduBodyError, decodeShortMessage, encodeResponse, type RawPdu, type ShortMessageBody } from './smsc-pdu.js';
import type { ReceiptSender } from './smsc-receipt-sender.js';
import type { SmscRuntime } from './smsc-runtime.js';
import type { SimSession, SmscSessions } from './smsc-sessions.js';
import { SmscStatus } from './smsc-status.js';
import { alphabetOf, decodeText } from './smsc-text.js';

/** What a submit touches besides its session. */
export interface SubmitDependencies {
  readonly runtime: SmscRuntime;
  readonly sessions: SmscSessions;
  readonly inbox: Inbox;
  readonly ids: MessageIdIssuer;
  readonly receipts: ReceiptSender;
  readonly disconnects: DisconnectSchedule;
}

/** Takes submits. */
export class SubmitHandler {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  readonly #inbox: Inbox;
  readonly #ids: MessageIdIssuer;
  readonly #receipts: ReceiptSender;
  readonly #disconnects: DisconnectSchedule;
  readonly #limiter = new RateLimiter();

  constructor(dependencies: SubmitDependencies) {
    this.#runtime = dependencies.runtime;
    this.#sessions = dependencies.sessions;
    this.#inbox = dependencies.inbox;
    this.#ids = dependencies.ids;
    this.#receipts = dependencies.receipts;
    this.#disconnects = dependencies.disconnects;
  }

  /** Takes one submit_sm: answered now, after `submitLatencyMs`, late, or never, as the behaviour says. */
  handle(session: SimSession, pdu: RawPdu): void {
    const systemId = session.systemId;
    if ((session.mode !== 'transceiver' && session.mode !== 'transmitter') || systemId === undefined) {
      this.#sessions.write(session, encodeResponse(pdu, SmscStatus.ESME_RINVBNDSTS));
      return;
    }
    this.#runtime.stats.submitsReceived += 1;
    let submit: ShortMessageBody;
    try {
      submit = decodeShortMessage(pdu.body);
    } catch (error) {
      if (!(error instanceof PduBodyError)) throw error;
      this.#runtime.stats.malformedReceived += 1;
      this.#runtime.log.warn({ session: session.id, reason: error.message }, 'malformed submit_sm');
      this.#refuse(session, pdu, SmscStatus.ESME_RINVCMDLEN);
      return;
    }
    const { window, maxTps, submitLatencyMs } = this.#runtime.behaviour;
    if (window !== null && session.inFlight >= window) {
      this.#runtime.stats.queueFull += 1;
      this.#refuse(session, pdu, SmscStatus.ESME_RMSGQFUL);
      return;
    }
    if (maxTps !== null && !this.#limiter.tryTake(systemId, maxTps)) {
      this.#runtime.stats.throttled += 1;
      this.#refuse(session, pdu, SmscStatus.ESME_RTHROTTLED);
      return;
    }
    if (submitLatencyMs === 0) {
      this.#decide(session, systemId, pdu, submit);
      return;
    }
    session.inFlight += 1;
    this.#runtime.later(submitLatencyMs, () => {
      session.inFlight -= 1;
      if (session.closed || session.closing) {
        this.#runtime.stats.submitsAbandoned += 1;
        return;
      }
      this.#decide(session, systemId, pdu, submit);
    });
  }

  /** Accepts or refuses a submit that passed flow control. */
  #decide(session: SimSession, systemId: string, pdu: RawPdu, submit: ShortMessageBody): void {
    const failure = this.#runtime.takeFailure('failSubmits');
    if (failure !== undefined) {
      this.#refuse(session, pdu, failure);
      return;
    }
    const { submitErrorRate, submitErrorStatus } = this.#runtime.behaviour;
    if (submitErrorRate > 0 && this.#runtime.random() < submitErrorRate) {
      this.#runtime.stats.randomErrors += 1;
      this.#refuse(session, pdu, submitErrorStatus);
      return;
    }
    if (submit.destinationAddr === '') {
      this.#refuse(session, pdu, SmscStatus.ESME_RINVDSTADR);
      return;
    }
    const segmented = segmentOf(submit);
    if (!segmented.ok) {
      this.#runtime.log.info({ session: session.id, reason: segmented.reason }, 'submit_sm refused');
      this.#refuse(session, pdu, segmented.commandStatus);
      return;
    }
    const { segment } = segmented;
    const issuedAs = this.#runtime.behaviour.messageIdFormat;
    const messageId = this.#ids.issue(issuedAs, this.#runtime.behaviour.messageIdSequence);
    const added = this.#inbox.add({ messageId, systemId, submit, segment, receivedAt: new Date() });
    this.#runtime.stats.submitsAccepted += 1;
    if (added.duplicate) this.#runtime.stats.duplicateParts += 1;
    if (added.completed) this.#runtime.stats.messagesCompleted += 1;
    this.#runtime.log.debug(
      { session: session.id, messageId, to: maskNumber(submit.destinationAddr), part: segment.sequence, of: segment.total, duplicate: added.duplicate },
      'submit_sm accepted',
    );
    this.#answerSubmit(session, pdu, messageId);
    const { alphabet } = alphabetOf(submit.dataCoding);
    // Appendix B `text:` quotes the first 20 characters, only when they are GSM text.
    const quotedText = alphabet === 'gsm7' ? decodeText(segment.content, submit.dataCoding).text.slice(0, 20) : '';
    // Carriers that report once per message do so for its last part.
    const reported = this.#runtime.behaviour.receiptParts === 'each' || segment.total <= 1 || segment.sequence === segment.total;
    this.#receipts.schedule({ part: added.part, submit, systemId, issuedAs, quotedText, preferred: session }, reported);
    this.#disconnects.countAccepted();
  }

  #refuse(session: SimSession, pdu: RawPdu, status: number): void {
    this.#runtime.stats.submitsRefused += 1;
    this.#sessions.write(session, encodeResponse(pdu, status));
  }

  #answerSubmit(session: SimSession, pdu: RawPdu, messageId: string): void {
    if (!this.#runtime.behaviour.answerSubmits || this.#runtime.takeLostResponse()) {
      this.#runtime.stats.responsesDropped += 1;
      return;
    }
    const response = encodeResponse(pdu, 0, new BodyWriter().cString(messageId).toBuffer());
    const late = this.#runtime.behaviour.lateSubmitResponseMs;
    if (late === 0) {
      this.#sessions.write(session, response);
      return;
    }
    this.#runtime.stats.responsesLate += 1;
    this.#runtime.later(late, () => {
      this.#sessions.write(session, response);
    });
  }

  /** Forgets the submits admitted in the last second (`reset()`). */
  resetThrottle(): void {
    this.#limiter.reset();
  }
}
