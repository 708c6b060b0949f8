/** A message and its attempts, as GetMessage, WatchMessage and the admin log show them. */
export interface AttemptView {
  readonly id: string;
  readonly step: number;
  readonly provider: string;
  readonly channel: string;
  readonly status: string;
  readonly providerMessageId: string | null;
  readonly parts: number | null;
  readonly expectedCostMicros: number | null;
  readonly actualCostMicros: number | null;
  readonly currency: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: Date;
  readonly submittedAt: Date | null;
  readonly completedAt: Date | null;
}

export interface MessageView {
  readonly id: string;
  readonly app: string;
  readonly to: string;
  readonly country: string;
  readonly kind: string;
  readonly channel: string;
  readonly status: string;
  readonly verificationId: string | null;
  readonly routeRule: string | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly attempts: readonly AttemptView[];
}

/** Final message states: nothing changes after them. */
export function isFinalMessageStatus(status: string): boolean {
  return status === 'delivered' || status === 'failed';
}
