/**
 * SMS-STATUS-REPORT TPDUs (3GPP 23.040 §9.2.2.3) for messages sent with TP-SRR set: the message
 * reference the modem gave in +CMGS, the recipient, when the SMSC took the message (TP-SCTS),
 * when it was delivered or given up on (TP-DT), and TP-ST (§9.2.3.15).
 */
import { hexFromOctets } from './octet-reader.js';
import { writeAddress, writeServiceCentre } from './sms-address.js';
import type { EncodedPdu } from './sms-deliver.js';
import { writeTimestamp } from './sms-timestamp.js';

/** A few TP-ST values (23.040 §9.2.3.15); any 0-255 may be used. */
export const STATUS = {
  /** Short message received by the SME. */
  delivered: 0x00,
  /** Temporary error, SC still trying: congestion. */
  congestionRetrying: 0x20,
  /** Permanent error: remote procedure error. */
  remoteProcedureError: 0x41,
  /** Permanent error: validity period expired. */
  expired: 0x46,
  /** Temporary error, SC not trying any more: SME busy. */
  gaveUpSmeBusy: 0x61,
} as const;

export interface StatusReportRequest {
  readonly messageReference: number;
  readonly recipient: string;
  readonly recipientTypeOfAddress?: number;
  readonly submittedAt: Date;
  readonly dischargedAt: Date;
  readonly status: number;
  readonly zoneQuarterHours: number;
  /** Prefix the SMSC address, as 27.005 §3.4.1's `<pdu>` has it; null leaves it out, as some modems do. */
  readonly serviceCentre: string | null;
}

// TP-MTI 10 (status report), TP-MMS 1 (no more messages), TP-SRQ 0 (the result of a SUBMIT).
const FIRST_OCTET = 0x06;

export function encodeStatusReport(request: StatusReportRequest): EncodedPdu {
  const tpdu = Buffer.concat([
    Buffer.from([FIRST_OCTET, request.messageReference & 0xff]),
    writeAddress(request.recipient, request.recipientTypeOfAddress),
    writeTimestamp(request.submittedAt, request.zoneQuarterHours),
    writeTimestamp(request.dischargedAt, request.zoneQuarterHours),
    Buffer.from([request.status & 0xff]),
  ]);
  const sca = request.serviceCentre === null ? Buffer.alloc(0) : writeServiceCentre(request.serviceCentre);
  return { hex: hexFromOctets(Buffer.concat([sca, tpdu])), tpduLength: tpdu.length };
}
