/**
 * Final result codes that say a command failed: plain ERROR (V.250 §5.7.1, syntax and bad
 * parameters), +CME ERROR (3GPP 27.007 §9.2, the equipment and the SIM) and +CMS ERROR (27.005
 * §3.2.5, the short message service and the network). AT+CMEE picks numeric or verbose codes.
 */

/** 27.007 §9.2.1 codes the emulator gives, with their verbose texts. */
export const CME_ERRORS = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  16: 'incorrect password',
  30: 'no network service',
  100: 'unknown',
} as const satisfies Record<number, string>;

/** 27.005 §3.2.5 codes (300-500) and a few 24.011 §8.2.5.4 RP causes (below 128) a network sends back. */
export const CMS_ERRORS: Readonly<Record<number, string>> = {
  8: 'operator determined barring',
  21: 'short message transfer rejected',
  27: 'destination out of service',
  38: 'network out of order',
  41: 'temporary failure',
  42: 'congestion',
  50: 'requested facility not subscribed',
  300: 'ME failure',
  302: 'operation not allowed',
  303: 'operation not supported',
  304: 'invalid PDU mode parameter',
  310: 'SIM not inserted',
  311: 'SIM PIN required',
  313: 'SIM failure',
  316: 'SIM PUK required',
  321: 'invalid memory index',
  322: 'memory full',
  330: 'SMSC address unknown',
  331: 'no network service',
  332: 'network timeout',
  500: 'unknown error',
};

export type CmeCode = keyof typeof CME_ERRORS;

/** What a command handler throws to end the command line with an error result. */
export class AtCommandError extends Error {
  /** Null: plain ERROR. */
  readonly family: 'cme' | 'cms' | null;
  readonly code: number;

  private constructor(family: 'cme' | 'cms' | null, code: number, message: string) {
    super(message);
    this.name = 'AtCommandError';
    this.family = family;
    this.code = code;
  }

  /** Bad syntax or a parameter out of range: plain ERROR. */
  static syntax(why: string): AtCommandError {
    return new AtCommandError(null, 0, why);
  }

  static cme(code: CmeCode, why?: string): AtCommandError {
    return new AtCommandError('cme', code, why ?? CME_ERRORS[code]);
  }

  static cms(code: number, why?: string): AtCommandError {
    return new AtCommandError('cms', code, why ?? CMS_ERRORS[code] ?? `error ${code}`);
  }
}

/**
 * The result line for `error` under AT+CMEE=`cmee`: 0 turns +CME ERROR into ERROR (27.007
 * §9.1); +CMS ERROR stays a code whatever CMEE says (27.005 §3.2.5), in words under CMEE=2 as
 * most modems print it.
 */
export function errorResultLine(error: AtCommandError, cmee: number): string {
  if (error.family === null) return 'ERROR';
  if (error.family === 'cme') {
    if (cmee === 0) return 'ERROR';
    const text = (CME_ERRORS as Record<number, string>)[error.code];
    return `+CME ERROR: ${cmee === 2 && text !== undefined ? text : error.code}`;
  }
  const text = CMS_ERRORS[error.code];
  return `+CMS ERROR: ${cmee === 2 && text !== undefined ? text : error.code}`;
}
