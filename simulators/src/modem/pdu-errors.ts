/**
 * Why a PDU the host sent is not a valid SMS-SUBMIT. The emulator answers every one of them with
 * +CMS ERROR: 304 (invalid PDU mode parameter, 3GPP 27.005 §3.2.5), as a real modem does; the
 * message says what was wrong so a failing test names the bad octet.
 */
export type PduProblem =
  | 'not-hex'
  | 'truncated'
  | 'trailing-octets'
  | 'length-mismatch'
  | 'not-submit'
  | 'bad-address'
  | 'bad-coding'
  | 'bad-user-data';

export class PduDecodeError extends Error {
  readonly problem: PduProblem;

  constructor(problem: PduProblem, message: string) {
    super(message);
    this.name = 'PduDecodeError';
    this.problem = problem;
  }
}
