// TP-ST (3GPP 23.040 §9.2.3.15) sorted into what a sender does next. The value's top bits pick
// the group, so the reserved and SC-specific values inside a group share its meaning.

/**
 * - `delivered`: the transaction completed (received, forwarded unconfirmed, or replaced).
 * - `still-trying`: a temporary error and the SC keeps trying; another report follows.
 * - `failed-permanent`: a permanent error; the SC has given up.
 * - `failed-temporary`: a temporary error but the SC makes no more attempts; sending again may work.
 */
export type DeliveryOutcome = 'delivered' | 'still-trying' | 'failed-permanent' | 'failed-temporary';

/** A TP-ST value with its outcome and the 23.040 reason. */
export interface DeliveryStatus {
  readonly status: number;
  readonly outcome: DeliveryOutcome;
  /** True unless the SC is still trying: no further report for this part will come. */
  readonly final: boolean;
  readonly reason: string;
}

const COMPLETED = new Map<number, string>([
  [0x00, 'short message received by the SME'],
  [0x01, 'forwarded by the SC to the SME but the SC is unable to confirm delivery'],
  [0x02, 'short message replaced by the SC'],
]);

// The temporary errors read the same whether the SC still tries (0x2n) or has stopped (0x6n).
const TEMPORARY = new Map<number, string>([
  [0x0, 'congestion'],
  [0x1, 'SME busy'],
  [0x2, 'no response from SME'],
  [0x3, 'service rejected'],
  [0x4, 'quality of service not available'],
  [0x5, 'error in SME'],
]);

const PERMANENT = new Map<number, string>([
  [0x40, 'remote procedure error'],
  [0x41, 'incompatible destination'],
  [0x42, 'connection rejected by SME'],
  [0x43, 'not obtainable'],
  [0x44, 'quality of service not available'],
  [0x45, 'no interworking available'],
  [0x46, 'SM validity period expired'],
  [0x47, 'SM deleted by originating SME'],
  [0x48, 'SM deleted by SC administration'],
  [0x49, 'SM does not exist'],
]);

function unlisted(status: number): string {
  const hex = `0x${status.toString(16).padStart(2, '0')}`;
  return (status & 0x1f) >= 0x10 ? `SC-specific status ${hex}` : `reserved status ${hex}`;
}

/** Classifies a TP-ST value (0–255). */
export function classifyDeliveryStatus(status: number): DeliveryStatus {
  const group = status >> 5;
  switch (group) {
    case 0:
      return { status, outcome: 'delivered', final: true, reason: COMPLETED.get(status) ?? unlisted(status) };
    case 1:
      return { status, outcome: 'still-trying', final: false, reason: TEMPORARY.get(status - 0x20) ?? unlisted(status) };
    case 2:
      return { status, outcome: 'failed-permanent', final: true, reason: PERMANENT.get(status) ?? unlisted(status) };
    case 3:
      return { status, outcome: 'failed-temporary', final: true, reason: TEMPORARY.get(status - 0x60) ?? unlisted(status) };
    default:
      // 1xxxxxxx is reserved; a report nobody can read is not a delivery, and no more will come.
      return { status, outcome: 'failed-permanent', final: true, reason: `reserved status 0x${status.toString(16)}` };
  }
}
