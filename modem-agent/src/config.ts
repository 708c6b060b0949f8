// The agent's settings come from one YAML file, parsed once at start. Every problem is collected
// with its path (`modems[1].baudRate`) before failing, so an operator fixes a field site's setup in
// one round trip. Unknown keys are problems too: a misspelt `maxPerMinte` must not silently fall
// back to the default rate.
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';

/** Serial speeds a GSM modem's UART accepts (V.250 `+IPR`); anything else is a typo. */
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;
/** Serial speed when a modem gives none: the factory setting of most USB GSM sticks. */
export const DEFAULT_BAUD_RATE = 115200;
/** SMS per minute per modem when none is given: a rate SIM operators do not flag as spam. */
export const DEFAULT_MAX_PER_MINUTE = 6;
/** Seconds between heartbeats to AgentService when none is given. */
export const DEFAULT_HEARTBEAT_SECONDS = 15;

/** The settings a running agent needs, already validated; paths are absolute. */
export interface AgentConfig {
  readonly service: ServiceConfig;
  readonly agent: AgentIdentity;
  /** GSM modems in the order given; labels, paths and USB serials are unique. */
  readonly modems: readonly ModemConfig[];
  /** The local journal of accepted commands and results awaiting acknowledgement. */
  readonly journal: { readonly path: string };
  /** Seconds between heartbeats on the AgentService stream. */
  readonly heartbeatSeconds: number;
  /** What the agent logs (JSON lines on stdout): `info` unless set. */
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How the agent reaches Switchboard's AgentService; the agent always dials out. */
export interface ServiceConfig {
  readonly address: ServiceAddress;
  readonly tls: ServiceTls;
}

/** A gRPC target as `host:port`; `host` keeps an IPv6 literal's brackets (`[::1]`). */
export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * TLS to AgentService: the system's CAs unless `ca` is given, and a client certificate when the
 * service asks for one. `plaintext` exists only for a service on a loopback address.
 */
export type ServiceTls =
  | {
      readonly mode: 'tls';
      readonly ca?: string;
      readonly clientCertificate?: { readonly cert: string; readonly key: string };
    }
  | { readonly mode: 'plaintext' };

/** Who the agent is to AgentService. */
export interface AgentIdentity {
  readonly id: string;
  readonly token: Secret;
  /** Where the token was read from, when it came from a file rather than the YAML. */
  readonly tokenFile?: string;
}

/** One GSM modem the agent drives. */
export interface ModemConfig {
  /** The operator's name for it, used in logs and in the journal. */
  readonly label: string;
  readonly port: ModemPort;
  readonly baudRate: number;
  /** Entered with `AT+CPIN` when the SIM asks for it. */
  readonly simPin?: Secret;
  readonly maxPerMinute: number;
}

/**
 * A serial device path, or the USB serial number of the adapter: a USB modem can come back as
 * another `/dev/ttyUSBn` after a replug, its serial number does not change.
 */
export type ModemPort =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'usb-serial'; readonly usbSerial: string }
  /** A modem served over TCP by ser2net or a serial terminal server (raw bytes, no RFC 2217). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** A value that must not reach a log: it prints as `[redacted]` however it is turned into text. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself, for the one place that sends it (the AgentService handshake, `AT+CPIN`). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}

/** One bad setting: where it is (`modems[1].baudRate`; empty for the whole file), what is wrong. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown by {@link parseAgentConfig} and {@link loadAgentConfig}; lists every problem found. */
export class AgentConfigError extends Error {
  readonly code = 'AGENT_CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    const list = problems
      .map((p) => (p.path === '' ? `  - ${p.message}` : `  - ${p.path}: ${p.message}`))
      .join('\n');
    super(`invalid modem-agent config ${source} (${count}):\n${list}`);
    this.name = 'AgentConfigError';
    this.problems = problems;
  }
}

/** The environment `${NAME}` references are read from: `process.env` or a plain object in tests. */
export type AgentEnvironment = Readonly<Record<string, string | undefined>>;

/** What {@link parseAgentConfig} needs besides the YAML text. */
export interface ParseAgentConfigOptions {
  /** Values for `${NAME}` references in string settings. */
  readonly env: AgentEnvironment;
  /** Directory relative paths are resolved against: the config file's own. Default: the cwd. */
  readonly baseDir?: string;
  /** Names the YAML's origin in the error message. Default: `(text)`. */
  readonly source?: string;
}

/**
 * Parses the agent's YAML settings into an {@link AgentConfig}. Any string value may be or contain
 * `${NAME}`, taken from `env` (`$${` is a literal `${`), so a secret need not sit in the file.
 * Relative paths are resolved against `baseDir`, and the files they name must be readable.
 *
 * @throws {AgentConfigError} listing every problem found.
 */
export function parseAgentConfig(yamlText: string, options: ParseAgentConfigOptions): AgentConfig {
  const problems: ConfigProblem[] = [];
  const report: Report = (path, message) => {
    // One problem per setting: a missing ${VAR} need not also be reported as an empty token.
    if (path !== '' && problems.some((p) => p.path === path)) return;
    problems.push({ path, message });
  };
  const config = readYaml(yamlText, report);
  const result =
    config === undefined
      ? undefined
      : readAgentConfig(substituteEnv(config, '', options.env, report), {
          baseDir: options.baseDir ?? process.cwd(),
          report,
        });
  if (result === undefined || problems.length > 0) {
    throw new AgentConfigError(options.source ?? '(text)', problems);
  }
  return result;
}

/**
 * Reads and parses the YAML file at `path`; relative paths inside it are resolved against the
 * file's directory, so `agent.yaml` and its `ca.pem` can move together.
 *
 * @throws {AgentConfigError} when the file cannot be read or lists any problem.
 */
export function loadAgentConfig(path: string, env: AgentEnvironment = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const message = `cannot read the file (${errorCode(error)})`;
    throw new AgentConfigError(path, [{ path: '', message }]);
  }
  return parseAgentConfig(text, { env, baseDir: dirname(resolve(path)), source: path });
}

/** Lines that describe a config for an operator, without the token or any SIM PIN. */
export function describeAgentConfig(config: AgentConfig): string[] {
  const { service, agent, modems, journal } = config;
  const tls = service.tls;
  const security =
    tls.mode === 'plaintext'
      ? 'PLAINTEXT (loopback only)'
      : [
          `TLS, CA ${tls.ca ?? 'from the system'}`,
          tls.clientCertificate === undefined
            ? 'no client certificate'
            : `client certificate ${tls.clientCertificate.cert}`,
        ].join(', ');
  const token =
    agent.tokenFile === undefined ? 'set in the config' : `read from ${agent.tokenFile}`;
  return [
    `service:   ${service.address.host}:${service.address.port} (${security})`,
    `agent:     ${agent.id} (token ${token})`,
    `modems:    ${modems.length}`,
    ...modems.map((modem) => {
      const { label, port, baudRate, maxPerMinute } = modem;
      const device = port.kind === 'path' ? port.path : port.kind === 'tcp' ? `tcp ${port.host}:${port.port}` : `USB serial ${port.usbSerial}`;
      const pin = modem.simPin === undefined ? 'no SIM PIN' : 'SIM PIN set';
      return `  - ${label}: ${device}, ${baudRate} baud, ${maxPerMinute} SMS/min, ${pin}`;
    }),
    `journal:   ${journal.path}`,
    `heartbeat: every ${config.heartbeatSeconds} s`,
    `log level: ${config.logLevel}`,
  ];
}

type Report = (path: string, message: string) => void;

interface ReadContext {
  readonly baseDir: string;
  readonly report: Report;
}

function readYaml(text: string, report: Report): unknown {
  // Duplicate keys are errors: with "last one wins" a stale second `baudRate` would hide the first.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const at = lineCounter.linePos(error.pos[0]);
      report(`line ${at.line}, column ${at.col}`, `YAML: ${error.message}`);
    }
    return undefined;
  }
  return document.toJS();
}

const ENV_REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function substituteEnv(
  value: unknown,
  path: string,
  env: AgentEnvironment,
  report: Report,
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) return '${';
      if (!ENV_NAME.test(name)) {
        report(path, `${match} is not a variable reference: names are letters, digits and _`);
        return '';
      }
      const found = env[name];
      if (found === undefined) {
        report(path, `environment variable ${name} is not set`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => substituteEnv(item, `${path}[${i}]`, env, report));
  }
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substituteEnv(item, join(path, key), env, report),
      ]),
    );
  }
  return value;
}

function readAgentConfig(root: unknown, context: ReadContext): AgentConfig | undefined {
  const { report } = context;
  if (root === null || root === undefined) {
    report('', 'the file is empty: expected service, agent, modems and journal');
    return undefined;
  }
  const keys = ['service', 'agent', 'modems', 'journal', 'heartbeatSeconds', 'logLevel'];
  const top = readSection(root, '', keys, report);
  if (top === undefined) return undefined;

  const service = readService(top['service'], 'service', context);
  const agent = readAgent(top['agent'], 'agent', context);
  const modems = readModems(top['modems'], 'modems', report);
  const journal = readJournal(top['journal'], 'journal', context);
  const heartbeatSeconds =
    top['heartbeatSeconds'] === undefined
      ? DEFAULT_HEARTBEAT_SECONDS
      : // Under 5 s floods the link; over 300 s idle connections are cut by NAT gateways first.
        readInteger(top['heartbeatSeconds'], 'heartbeatSeconds', 5, 300, report);

  const logLevel = readLogLevel(top['logLevel'], 'logLevel', report);

  if (service === undefined || agent === undefined || modems === undefined) return undefined;
  if (journal === undefined || heartbeatSeconds === undefined || logLevel === undefined) return undefined;
  return { service, agent, modems, journal, heartbeatSeconds, logLevel };
}

function readService(
  value: unknown,
  path: string,
  context: ReadContext,
): ServiceConfig | undefined {
  const section = readRequiredSection(value, path, ['address', 'tls'], context.report);
  if (section === undefined) return undefined;
  const address = readAddress(section['address'], join(path, 'address'), context.report);
  const tls = readTls(section['tls'], join(path, 'tls'), address, context);
  return address === undefined || tls === undefined ? undefined : { address, tls };
}

// A hostname or IPv4 address, or a bracketed IPv6 literal, then a port.
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function readAddress(value: unknown, path: string, report: Report): ServiceAddress | undefined {
  const text = readString(value, path, report, "host:port of Switchboard's AgentService");
  if (text === undefined) return undefined;
  if (text.includes('://')) {
    report(path, `must be host:port without a scheme, got "${text}"`);
    return undefined;
  }
  const [, host, portText] = ADDRESS.exec(text) ?? [];
  if (host === undefined || portText === undefined) {
    report(path, `must be host:port, e.g. switchboard.example.com:50051, got "${text}"`);
    return undefined;
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) {
    report(path, `port must be between 1 and 65535, got ${port}`);
    return undefined;
  }
  return { host, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readTls(
  value: unknown,
  path: string,
  address: ServiceAddress | undefined,
  context: ReadContext,
): ServiceTls | undefined {
  const { report } = context;
  // `tls:` with every line below it commented out reads as null: the same as leaving it out.
  if (value === undefined || value === null) return { mode: 'tls' };
  const section = readSection(value, path, ['ca', 'cert', 'key', 'insecure'], report);
  if (section === undefined) return undefined;

  const insecure = section['insecure'];
  if (insecure !== undefined && typeof insecure !== 'boolean') {
    report(join(path, 'insecure'), `must be true or false, got ${show(insecure)}`);
    return undefined;
  }
  const files = ['ca', 'cert', 'key'].filter((key) => section[key] !== undefined);
  if (insecure === true) {
    if (files.length > 0) {
      const given = files.join(', ');
      report(join(path, 'insecure'), `cannot be combined with ${given}: plaintext uses none`);
      return undefined;
    }
    // Plaintext would carry the agent token and every message readable on the wire.
    if (address !== undefined && !isLoopback(address.host)) {
      report(
        join(path, 'insecure'),
        'plaintext is allowed only to a loopback address (localhost, 127.0.0.0/8, [::1]), ' +
          `not ${address.host}`,
      );
      return undefined;
    }
    return { mode: 'plaintext' };
  }

  const ca = readOptionalFile(section['ca'], join(path, 'ca'), context);
  const cert = readOptionalFile(section['cert'], join(path, 'cert'), context);
  const key = readOptionalFile(section['key'], join(path, 'key'), context);
  if ((section['cert'] === undefined) !== (section['key'] === undefined)) {
    report(path, 'cert and key go together: a client certificate is useless without its key');
    return undefined;
  }
  if (ca === null || cert === null || key === null) return undefined;
  return {
    mode: 'tls',
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined || key === undefined ? {} : { clientCertificate: { cert, key } }),
  };
}

function readAgent(value: unknown, path: string, context: ReadContext): AgentIdentity | undefined {
  const { report } = context;
  const section = readRequiredSection(value, path, ['id', 'token', 'tokenFile'], report);
  if (section === undefined) return undefined;

  const id = readString(section['id'], join(path, 'id'), report, 'the id issued for this site');
  if (id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
    report(join(path, 'id'), `must be 1 to 64 letters, digits, '.', '_' or '-', got "${id}"`);
  }

  let token: string | undefined;
  let tokenFile: string | undefined;
  if (section['token'] !== undefined && section['tokenFile'] !== undefined) {
    report(path, 'give token or tokenFile, not both');
  } else if (section['tokenFile'] !== undefined) {
    const file = readString(section['tokenFile'], join(path, 'tokenFile'), report, 'a path');
    if (file !== undefined) {
      tokenFile = resolve(context.baseDir, file);
      try {
        // Files written by `echo` end with a line break that is no part of the token.
        token = readFileSync(tokenFile, 'utf8').trim();
      } catch (error) {
        report(join(path, 'tokenFile'), `cannot read ${tokenFile} (${errorCode(error)})`);
      }
    }
  } else if (section['token'] === undefined) {
    report(path, 'needs token (e.g. token: ${AGENT_TOKEN}) or tokenFile, for the issued token');
  } else if (typeof section['token'] === 'string') {
    token = section['token'].trim();
  } else {
    // The value is a secret: describe its type, never the value.
    report(join(path, 'token'), `must be a string, got a ${typeof section['token']}`);
  }

  const tokenPath = join(path, tokenFile === undefined ? 'token' : 'tokenFile');
  if (token === '') {
    report(tokenPath, 'the token is empty');
    token = undefined;
  } else if (token !== undefined && /\s/.test(token)) {
    report(tokenPath, 'the token contains whitespace (a token pasted with a line break?)');
    token = undefined;
  }

  if (id === undefined || token === undefined) return undefined;
  return { id, token: new Secret(token), ...(tokenFile === undefined ? {} : { tokenFile }) };
}

const MODEM_KEYS = ['label', 'path', 'usbSerial', 'tcp', 'baudRate', 'simPin', 'maxPerMinute'];

function readModems(value: unknown, path: string, report: Report): ModemConfig[] | undefined {
  if (value === undefined) {
    report(path, 'required: a list of at least one modem');
    return undefined;
  }
  if (!Array.isArray(value)) {
    report(path, `must be a list of modems, got ${show(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    report(path, 'must list at least one modem');
    return undefined;
  }
  const modems = value.map((item: unknown, i) => readModem(item, `${path}[${i}]`, report));
  // Two workers on one serial device would interleave their AT commands. Checked on the raw
  // entries, so a duplicate is reported even beside another problem in the same modem.
  const unique = ['label', 'path', 'usbSerial', 'tcp']
    .map((field) => findDuplicates(value, field, path, report))
    .every(Boolean);
  const valid = modems.filter((m): m is ModemConfig => m !== undefined);
  return unique && valid.length === modems.length ? valid : undefined;
}

function readModem(value: unknown, path: string, report: Report): ModemConfig | undefined {
  const section = readSection(value, path, MODEM_KEYS, report);
  if (section === undefined) return undefined;

  const label = readString(section['label'], join(path, 'label'), report, 'a name for this modem');
  if (label !== undefined && (label.length > 64 || /\p{Cc}/u.test(label))) {
    report(join(path, 'label'), 'must be at most 64 characters without control characters');
  }
  const port = readModemPort(section, path, report);
  const baudRate =
    section['baudRate'] === undefined
      ? DEFAULT_BAUD_RATE
      : readBaudRate(section['baudRate'], join(path, 'baudRate'), report);
  const simPin =
    section['simPin'] === undefined
      ? undefined
      : readSimPin(section['simPin'], join(path, 'simPin'), report);
  const maxPerMinute =
    section['maxPerMinute'] === undefined
      ? DEFAULT_MAX_PER_MINUTE
      : // Past one a second is faster than a GSM modem submits over the air: a typo, not a rate.
        readInteger(section['maxPerMinute'], join(path, 'maxPerMinute'), 1, 60, report);

  if (label === undefined || port === undefined) return undefined;
  if (baudRate === undefined || maxPerMinute === undefined) return undefined;
  if (section['simPin'] !== undefined && simPin === undefined) return undefined;
  return { label, port, baudRate, maxPerMinute, ...(simPin === undefined ? {} : { simPin }) };
}

function readModemPort(
  section: Record<string, unknown>,
  path: string,
  report: Report,
): ModemPort | undefined {
  const given = (['path', 'usbSerial', 'tcp'] as const).filter((key) => section[key] !== undefined);
  if (given.length > 1) {
    report(path, `give one of path, usbSerial or tcp, not ${given.join(' and ')}`);
    return undefined;
  }
  const key = given[0];
  if (key === undefined) {
    report(path, 'needs path (e.g. /dev/ttyUSB0), usbSerial (the USB adapter serial number) or tcp (host:port of ser2net)');
    return undefined;
  }
  const text = readString(section[key], join(path, key), report, 'a device');
  if (text === undefined) return undefined;
  if (/\s/.test(text)) {
    report(join(path, key), `must not contain whitespace, got "${text}"`);
    return undefined;
  }
  if (key === 'tcp') {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
    const port = Number(match?.[2]);
    if (match?.[1] === undefined || port < 1 || port > 65_535) {
      report(join(path, key), `must be host:port, e.g. 192.168.1.20:4001, got "${text}"`);
      return undefined;
    }
    return { kind: 'tcp', host: match[1], port };
  }
  return key === 'path' ? { kind: 'path', path: text } : { kind: 'usb-serial', usbSerial: text };
}

function readBaudRate(value: unknown, path: string, report: Report): number | undefined {
  if (typeof value === 'number' && (BAUD_RATES as readonly number[]).includes(value)) return value;
  report(path, `must be one of ${BAUD_RATES.join(', ')}, got ${show(value)}`);
  return undefined;
}

function readSimPin(value: unknown, path: string, report: Report): Secret | undefined {
  if (typeof value === 'number') {
    // YAML reads an unquoted 0123 as the number 123: the leading zero would be lost.
    report(path, 'must be a quoted string, e.g. simPin: "0123"');
    return undefined;
  }
  // A PIN is 4 to 8 digits (3GPP TS 31.101 §9.9); the value itself is a secret and is not echoed.
  if (typeof value !== 'string' || !/^\d{4,8}$/.test(value)) {
    report(path, 'must be 4 to 8 digits in quotes');
    return undefined;
  }
  return new Secret(value);
}

function readJournal(
  value: unknown,
  path: string,
  context: ReadContext,
): { path: string } | undefined {
  const section = readRequiredSection(value, path, ['path'], context.report);
  if (section === undefined) return undefined;
  const file = readString(section['path'], join(path, 'path'), context.report, 'the journal file');
  return file === undefined ? undefined : { path: resolve(context.baseDir, file) };
}

/** `undefined` when absent, `null` when present but unusable (already reported). */
function readOptionalFile(
  value: unknown,
  path: string,
  context: ReadContext,
): string | undefined | null {
  if (value === undefined) return undefined;
  const file = readString(value, path, context.report, 'a path');
  if (file === undefined) return null;
  const absolute = resolve(context.baseDir, file);
  try {
    accessSync(absolute, constants.R_OK);
  } catch (error) {
    context.report(path, `cannot read ${absolute} (${errorCode(error)})`);
    return null;
  }
  return absolute;
}

function readRequiredSection(
  value: unknown,
  path: string,
  keys: readonly string[],
  report: Report,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) {
    report(path, `required: a mapping with ${keys.join(', ')}`);
    return undefined;
  }
  return readSection(value, path, keys, report);
}

function readSection(
  value: unknown,
  path: string,
  keys: readonly string[],
  report: Report,
): Record<string, unknown> | undefined {
  if (!isRecord(value)) {
    report(path, `must be a mapping with ${keys.join(', ')}, got ${show(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (keys.includes(key)) continue;
    const near = keys.find((known) => isNearMiss(key, known));
    report(
      join(path, key),
      near === undefined
        ? `unknown key (expected one of ${keys.join(', ')})`
        : `unknown key; did you mean "${near}"?`,
    );
  }
  return value;
}

function readString(
  value: unknown,
  path: string,
  report: Report,
  what: string,
): string | undefined {
  if (value === undefined || value === null) {
    report(path, `required: ${what}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    report(path, `must be a string, got ${show(value)}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed === '') {
    report(path, `must not be empty: ${what}`);
    return undefined;
  }
  return trimmed;
}

function readLogLevel(value: unknown, path: string, report: Report): LogLevel | undefined {
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((known) => known === value);
  if (level === undefined) report(path, `must be one of ${LOG_LEVELS.join(', ')}, got ${show(value)}`);
  return level;
}

function readInteger(
  value: unknown,
  path: string,
  min: number,
  max: number,
  report: Report,
): number | undefined {
  if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) {
    return value as number;
  }
  report(path, `must be a whole number from ${min} to ${max}, got ${show(value)}`);
  return undefined;
}

function findDuplicates(
  items: readonly unknown[],
  field: string,
  path: string,
  report: Report,
): boolean {
  const firstIndex = new Map<string, number>();
  let unique = true;
  items.forEach((item, i) => {
    const raw = isRecord(item) ? item[field] : undefined;
    if (typeof raw !== 'string' || raw.trim() === '') return;
    const key = raw.trim();
    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, i);
      return;
    }
    report(`${path}[${i}].${field}`, `"${key}" is already used by ${path}[${first}]`);
    unique = false;
  });
  return unique;
}

/** A key one or two edits from a known one, or the same but for case: almost surely a typo. */
function isNearMiss(key: string, known: string): boolean {
  if (key.toLowerCase() === known.toLowerCase()) return true;
  return editDistance(key.toLowerCase(), known.toLowerCase()) <= 2;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

function errorCode(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : String(error);
}
