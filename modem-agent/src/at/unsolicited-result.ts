// Unsolicited result codes (URCs): what the modem says on its own, between and during commands.
// Some are always unsolicited (+CMTI, +CDS, RING: no command answers with them); others share a
// name with a command's answer (+CREG, +CPIN…) and are unsolicited only when no command in flight
// asked for that name. modem-output-reader.ts applies that rule; this module knows the names and
// reads each URC into a typed value.
import { integerField, resultParameters, splitResultFields, type ResultField } from './result-fields.js';

/** Network registration states of +CREG/+CGREG/+CEREG (27.007 §7.2). */
export type RegistrationState = 'not-registered' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming' | 'other';

/** A URC, read. Every variant keeps the line it came from, for the log. */
export type UnsolicitedResult =
  /** +CMTI: a received message was stored at `index` of `storage` (27.005 §3.4.1). */
  | { readonly kind: 'message-stored'; readonly storage: string; readonly index: number; readonly line: string }
  /** +CDSI: a status report was stored. */
  | { readonly kind: 'status-report-stored'; readonly storage: string; readonly index: number; readonly line: string }
  /** +CMT: a received message routed straight to the agent; `pdu` is the line after the header. */
  | { readonly kind: 'message'; readonly tpduLength: number; readonly pdu: string; readonly line: string }
  /** +CDS: a status report routed straight to the agent (AT+CNMI=…,…,…,1). */
  | { readonly kind: 'status-report'; readonly tpduLength: number; readonly pdu: string; readonly line: string }
  /** +CBM: a cell broadcast message. */
  | { readonly kind: 'cell-broadcast'; readonly length: number; readonly pdu: string; readonly line: string }
  | { readonly kind: 'ring'; readonly line: string }
  /** +CLIP: the calling number, after RING. */
  | { readonly kind: 'caller-id'; readonly number: string; readonly line: string }
  /** Huawei ^RSSI: signal strength on the +CSQ scale (0–31, 99 unknown). */
  | { readonly kind: 'signal'; readonly rssi: number; readonly line: string }
  | {
      readonly kind: 'registration';
      readonly domain: 'circuit' | 'packet' | 'eps';
      readonly state: RegistrationState;
      readonly registered: boolean;
      readonly line: string;
    }
  /** +CUSD: a USSD answer or network-initiated USSD. */
  | { readonly kind: 'ussd'; readonly status: number; readonly text: string | undefined; readonly line: string }
  /** +CPIN: the SIM's state (READY, SIM PIN…) announced after boot or a SIM change. */
  | { readonly kind: 'sim-status'; readonly status: string; readonly line: string }
  /** Boot and mode chatter that needs no action: RDY, ^BOOT, ^MODE, +CFUN: 1, SMS Ready… */
  | { readonly kind: 'notice'; readonly name: string; readonly line: string }
  /** A line that belongs to no command and no known URC, kept so it is logged, not lost. */
  | { readonly kind: 'unrecognised'; readonly line: string };

/** URCs whose PDU follows on the next line. */
export type PduUnsolicited = Extract<UnsolicitedResult, { pdu: string }>;

/** The header of a two-line URC, waiting for its PDU line. */
export interface PduHeader {
  readonly kind: 'pdu-follows';
  readonly line: string;
  readonly withPdu: (pdu: string) => PduUnsolicited;
}

/** Names no command answers with: unsolicited even in the middle of a command. */
const ALWAYS_UNSOLICITED: ReadonlySet<string> = new Set([
  '+CMTI',
  '+CDSI',
  '+CMT',
  '+CDS',
  '+CBM',
  'RING',
  'RDY',
  'SMS READY',
  'CALL READY',
  'PB DONE',
  '+PBREADY',
  'NORMAL POWER DOWN',
  '^SYSSTART',
  '^BOOT',
  '^MODE',
  '^RSSI',
  '^HCSQ',
  '^SRVST',
  '^SIMST',
  '^DSFLOWRPT',
  '^STIN',
]);

/** Names that are a command's answer when that command asked, else unsolicited. */
const SOMETIMES_UNSOLICITED: ReadonlySet<string> = new Set(['+CREG', '+CGREG', '+CEREG', '+CPIN', '+CFUN', '+CLIP', '+CUSD']);

/** The name a URC goes by: `+CMTI` for `+CMTI: "SM",3`, the whole line for bare words like RING. */
export function unsolicitedName(line: string): string {
  const colon = /^([+^][A-Za-z0-9]+):/.exec(line);
  return (colon?.[1] ?? line).toUpperCase();
}

/** True for a name that is never a command's answer. */
export function isAlwaysUnsolicited(name: string): boolean {
  return ALWAYS_UNSOLICITED.has(name);
}

/** True for a name that is unsolicited unless the command in flight asked for it. */
export function isSometimesUnsolicited(name: string): boolean {
  return SOMETIMES_UNSOLICITED.has(name);
}

const REGISTRATION_STATES: readonly RegistrationState[] = ['not-registered', 'home', 'searching', 'denied', 'unknown', 'roaming'];
const REGISTRATION_DOMAINS = { '+CREG': 'circuit', '+CGREG': 'packet', '+CEREG': 'eps' } as const;

function stored(kind: 'message-stored' | 'status-report-stored', fields: ResultField[], line: string): UnsolicitedResult {
  const index = integerField(fields[1]);
  const storage = fields[0]?.value;
  if (index === undefined || storage === undefined || storage === '') return { kind: 'unrecognised', line };
  return { kind, storage, index, line };
}

function registration(name: keyof typeof REGISTRATION_DOMAINS, fields: ResultField[], line: string): UnsolicitedResult {
  // The unsolicited form is <stat>[,<lac>,<ci>…] with <lac> quoted; an answer to a query is
  // <n>,<stat>[…]. A bare number second means the answer form arrived when nothing asked.
  const statField = integerField(fields[1]) === undefined ? fields[0] : fields[1];
  const stat = integerField(statField);
  if (stat === undefined) return { kind: 'unrecognised', line };
  const state = REGISTRATION_STATES[stat] ?? 'other';
  return { kind: 'registration', domain: REGISTRATION_DOMAINS[name], state, registered: stat === 1 || stat === 5, line };
}

/**
 * Reads a one-line URC. For the two-line ones (+CMT, +CDS, +CBM) returns the announced length
 * instead, and the caller pairs it with the next line.
 */
export function readUnsolicited(line: string): UnsolicitedResult | PduHeader {
  const name = unsolicitedName(line);
  const fields = splitResultFields(resultParameters(line));
  switch (name) {
    case '+CMTI':
      return stored('message-stored', fields, line);
    case '+CDSI':
      return stored('status-report-stored', fields, line);
    case '+CMT':
    case '+CDS':
    case '+CBM': {
      // PDU mode: +CMT: [<alpha>],<length>; +CDS: <length>; +CBM: <length>. Text-mode +CDS has
      // many fields and no second line, and is not what the agent configures.
      const length = integerField(fields.at(-1));
      if (length === undefined || (name !== '+CMT' && fields.length !== 1)) return { kind: 'unrecognised', line };
      const withPdu = (pdu: string): PduUnsolicited =>
        name === '+CMT'
          ? { kind: 'message', tpduLength: length, pdu, line }
          : name === '+CDS'
            ? { kind: 'status-report', tpduLength: length, pdu, line }
            : { kind: 'cell-broadcast', length, pdu, line };
      return { kind: 'pdu-follows', line, withPdu };
    }
    case 'RING':
      return { kind: 'ring', line };
    case '+CLIP': {
      const number = fields[0];
      return number?.quoted === true ? { kind: 'caller-id', number: number.value, line } : { kind: 'unrecognised', line };
    }
    case '^RSSI': {
      const rssi = integerField(fields[0]);
      return rssi === undefined ? { kind: 'unrecognised', line } : { kind: 'signal', rssi, line };
    }
    case '+CREG':
    case '+CGREG':
    case '+CEREG':
      return registration(name, fields, line);
    case '+CUSD': {
      const status = integerField(fields[0]);
      if (status === undefined) return { kind: 'unrecognised', line };
      return { kind: 'ussd', status, text: fields[1]?.value, line };
    }
    case '+CPIN':
      return { kind: 'sim-status', status: resultParameters(line), line };
    default:
      return ALWAYS_UNSOLICITED.has(name) || SOMETIMES_UNSOLICITED.has(name)
        ? { kind: 'notice', name, line }
        : { kind: 'unrecognised', line };
  }
}
