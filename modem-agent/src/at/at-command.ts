// Framing for the AT commands the agent sends to GSM modems (3GPP TS 27.007 and 27.005).
// Pure string helpers for what the agent writes; modem-output-reader.ts reads what comes back.

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
