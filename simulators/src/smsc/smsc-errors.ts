/** Errors the simulator's methods throw that its HTTP API maps to statuses of their own. */

/** No bind can take the PDU (an MO message, an injection): answered 409 over HTTP. */
export class NoReceiverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoReceiverError';
  }
}
