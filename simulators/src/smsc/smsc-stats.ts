/**
 * What the simulator counts, by kind and outcome, since start or the last `reset()`; read with
 * `stats()` or `GET /stats`.
 */

/** Counts of what the simulator received and sent, for "sent exactly once" assertions. */
export interface SmscStats {
  binds: number;
  bindsRefused: number;
  unbinds: number;
  enquireLinks: number;
  /** submit_sm PDUs from bound transmitters/transceivers, whatever became of them. */
  submitsReceived: number;
  /** submit_sm PDUs accepted: one per part, duplicates included. */
  submitsAccepted: number;
  /** submit_sm answered with an error, throttling and full windows included. */
  submitsRefused: number;
  /** Messages complete in the inbox (a concatenated message counts once, when its last part arrives). */
  messagesCompleted: number;
  /** Parts accepted again with the same reference, number and octets as one before. */
  duplicateParts: number;
  /** ESME_RTHROTTLED answers for going over `maxTps`. */
  throttled: number;
  /** ESME_RMSGQFUL answers for a full `window`. */
  queueFull: number;
  /** Refusals drawn by `submitErrorRate`. */
  randomErrors: number;
  /** Submits still in processing (`submitLatencyMs`) when their bind went away: neither stored nor answered. */
  submitsAbandoned: number;
  /** Accepted submits whose submit_sm_resp was never sent. */
  responsesDropped: number;
  /** Accepted submits answered `lateSubmitResponseMs` late. */
  responsesLate: number;
  /** Final receipts sent. */
  receiptsSent: number;
  receiptsDropped: number;
  /** deliver_sm_resp with command_status 0 for a final receipt. */
  receiptsAcknowledged: number;
  /** deliver_sm_resp with an error status: the ESME did not take the receipt (it is sent again, see `receiptRedeliveryMs`). */
  receiptsRejected: number;
  /** Receipts sent again after a refusal or no answer. */
  receiptsRedelivered: number;
  /** Intermediate notifications (ENROUTE/ACCEPTD) sent. */
  intermediateReceiptsSent: number;
  /** MO deliver_sm sent (one per part), and how the ESME answered them. */
  moSent: number;
  moAcknowledged: number;
  moRejected: number;
  /** Times every bind was dropped by `disconnectAfterSubmits` or `disconnectEveryMs`. */
  scheduledDisconnects: number;
  /** unbind requests the simulator sent. */
  unbindsSent: number;
  /** `injectMalformed` calls. */
  injections: number;
  /** PDUs from ESMEs the simulator could not frame or decode. */
  malformedReceived: number;
}

/** Every counter at zero. */
export function emptyStats(): SmscStats {
  return {
    binds: 0,
    bindsRefused: 0,
    unbinds: 0,
    enquireLinks: 0,
    submitsReceived: 0,
    submitsAccepted: 0,
    submitsRefused: 0,
    messagesCompleted: 0,
    duplicateParts: 0,
    throttled: 0,
    queueFull: 0,
    randomErrors: 0,
    submitsAbandoned: 0,
    responsesDropped: 0,
    responsesLate: 0,
    receiptsSent: 0,
    receiptsDropped: 0,
    receiptsAcknowledged: 0,
    receiptsRejected: 0,
    receiptsRedelivered: 0,
    intermediateReceiptsSent: 0,
    moSent: 0,
    moAcknowledged: 0,
    moRejected: 0,
    scheduledDisconnects: 0,
    unbindsSent: 0,
    injections: 0,
    malformedReceived: 0,
  };
}
