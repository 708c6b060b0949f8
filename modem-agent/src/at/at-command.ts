// Framing for the AT commands the agent sends to GSM modems (3GPP TS 27.007 and 27.005).
// Pure string helpers: no serial port, no timers, so every quirk is testable here.

/** Ends every AT command line (V.250 S3, carriage return by default). */
export const COMMAND_TERMINATOR = '\r';
/** Ends a PDU after the `> ` prompt and submits it (27.005 §3.5.1). */
export const CTRL_Z = '\x1a';
/** Aborts a PDU after the `> ` prompt without sending it (27.005 §3.5.1). */
export const ESCAPE = '\x1b';

/**
 * The longest SMS-SUBMIT TPDU: first octet, message reference, a 12-octet destination address,
 * PID, DCS, a 7-octet validity period, UDL and 140 octets of user data (3GPP TS 23.040 §9.2.2.2).
 */
export const MAX_TPDU_OCTETS = 164;

/**
 * Builds `AT+CMGS=<length>` for PDU mode. The length counts TPDU octets only: the SMSC address
 * in front of the TPDU is not included (27.005 §3.5.1), a classic off-by-SMSC mistake.
 *
 * @throws {RangeError} when `tpduOctets` is not an integer from 1 to {@link MAX_TPDU_OCTETS}.
 */
export function buildCmgsCommand(tpduOctets: number): string {
  if (!Number.isInteger(tpduOctets) || tpduOctets < 1 || tpduOctets > MAX_TPDU_OCTETS) {
    const got = String(tpduOctets);
    throw new RangeError(`TPDU length must be an integer from 1 to ${MAX_TPDU_OCTETS}, got ${got}`);
  }
  return `AT+CMGS=${tpduOctets}${COMMAND_TERMINATOR}`;
}

/**
 * Counts the TPDU octets of a hex PDU that starts with its SMSC information (a length octet,
 * then that many octets; `00` means "use the SMSC stored in the modem").
 *
 * @throws {RangeError} when `pduHex` is not whole hex octets or its SMSC part overruns it.
 */
export function tpduLength(pduHex: string): number {
  if (!/^(?:[0-9A-Fa-f]{2})+$/.test(pduHex)) {
    throw new RangeError('PDU must be a non-empty string of hex octets');
  }
  const octets = pduHex.length / 2;
  const smscOctets = 1 + Number.parseInt(pduHex.slice(0, 2), 16);
  if (smscOctets >= octets) {
    throw new RangeError(
      `PDU has ${octets} octets but its SMSC information claims ${smscOctets}, leaving no TPDU`,
    );
  }
  return octets - smscOctets;
}

/** The PDU as sent after the `> ` prompt: hex digits, then Ctrl-Z to submit. */
export function framePdu(pduHex: string): string {
  return `${pduHex}${CTRL_Z}`;
}

/** True once the modem asks for the PDU: `> ` at the end of what it sent (27.005 §3.5.1). */
export function endsWithPduPrompt(buffer: string): boolean {
  return /(?:^|\n)> ?$/.test(buffer);
}

/**
 * A final result code: the last line of a response, after which the modem takes commands again.
 * `cms-error` is a message service failure (27.005 §3.2.5), `cme-error` a mobile equipment
 * failure (27.007 §9.2). Their `code` is null when the modem reports text (`AT+CMEE=2`);
 * `text` always holds what followed the colon.
 */
export type FinalResultCode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error' }
  | { readonly kind: 'cms-error'; readonly code: number | null; readonly text: string }
  | { readonly kind: 'cme-error'; readonly code: number | null; readonly text: string };

/** A complete response to one command. */
export interface AtResponse {
  readonly final: FinalResultCode;
  /** Non-empty lines before the final result code: information text, a command echo if ATE1. */
  readonly lines: readonly string[];
  /** How many characters of the buffer the response used, through the final line's end. */
  readonly length: number;
}

/**
 * Finds the first complete response in what the modem has sent so far. Verbose-mode modems end
 * lines with CR LF (V.250); a line counts only once its LF has arrived, so an `OK` split across
 * two reads is not taken early. Returns `undefined` while the response is incomplete; characters
 * after `length` belong to whatever the modem says next.
 *
 * Only the codes SMS work needs are recognised: `OK`, `ERROR`, `+CMS ERROR`, `+CME ERROR`.
 */
export function parseResponse(buffer: string): AtResponse | undefined {
  const lines: string[] = [];
  const lineEnd = /\r?\n/g;
  let start = 0;
  for (let match = lineEnd.exec(buffer); match !== null; match = lineEnd.exec(buffer)) {
    // trim() also drops the lone CR that ends an echoed command.
    const line = buffer.slice(start, match.index).trim();
    start = match.index + match[0].length;
    if (line === '') continue;
    const final = parseFinalResultCode(line);
    if (final !== undefined) return { final, lines, length: start };
    lines.push(line);
  }
  return undefined;
}

const EXTENDED_ERROR = /^\+(CMS|CME) ERROR:\s*(.*)$/;

/** Recognises one line as a final result code, or returns `undefined` for anything else. */
export function parseFinalResultCode(line: string): FinalResultCode | undefined {
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error' };
  const match = EXTENDED_ERROR.exec(line);
  if (match === null) return undefined;
  const [, family, text = ''] = match;
  const code = /^\d+$/.test(text) ? Number(text) : null;
  return family === 'CMS'
    ? { kind: 'cms-error', code, text }
    : { kind: 'cme-error', code, text };
}
