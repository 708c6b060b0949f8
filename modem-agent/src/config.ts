// The agent's settings come only from its environment, parsed once at start. Every problem is
// collected before failing, so an operator fixes a field site's setup in one round trip.

/** Where the agent keeps its journal when `JOURNAL_DIR` is unset or blank. */
export const DEFAULT_JOURNAL_DIR = './journal';

/** The settings a running agent needs, already validated. */
export interface AgentConfig {
  /** Switchboard's AgentService endpoint; the agent always dials out to it. */
  readonly agentUrl: AgentEndpoint;
  /** Secret the agent presents to AgentService. Never log it. */
  readonly agentToken: string;
  /** Serial devices with a GSM modem behind them, in the order given, without duplicates. */
  readonly modemPorts: readonly string[];
  /** Directory for the local journal of commands and results awaiting acknowledgement. */
  readonly journalDir: string;
}

/** A gRPC target as `host:port`; `host` keeps an IPv6 literal's brackets (`[::1]`). */
export interface AgentEndpoint {
  readonly host: string;
  readonly port: number;
}

/** One bad environment variable and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** Thrown by {@link parseAgentConfig}; lists every problem found, not only the first. */
export class AgentConfigError extends Error {
  readonly code = 'AGENT_CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    const list = problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n');
    super(`invalid modem-agent environment (${count}):\n${list}`);
    this.name = 'AgentConfigError';
    this.problems = problems;
  }
}

/** The environment as the agent sees it: `process.env` or a plain object in tests. */
export type AgentEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * Parses the agent's environment into an {@link AgentConfig}.
 *
 * @throws {AgentConfigError} listing every invalid or missing variable.
 */
export function parseAgentConfig(env: AgentEnvironment): AgentConfig {
  const problems: ConfigProblem[] = [];
  const report = (variable: string) => (message: string) => {
    problems.push({ variable, message });
  };

  const agentUrl = parseEndpoint(env['SWITCHBOARD_AGENT_URL'], report('SWITCHBOARD_AGENT_URL'));
  const agentToken = parseToken(env['SWITCHBOARD_AGENT_TOKEN'], report('SWITCHBOARD_AGENT_TOKEN'));
  const modemPorts = parseModemPorts(env['MODEM_PORTS'], report('MODEM_PORTS'));
  const journalDir = blankToUndefined(env['JOURNAL_DIR']) ?? DEFAULT_JOURNAL_DIR;

  if (agentUrl === undefined || agentToken === undefined || modemPorts === undefined) {
    throw new AgentConfigError(problems);
  }
  return { agentUrl, agentToken, modemPorts, journalDir };
}

type Report = (message: string) => void;

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

// A hostname or IPv4 address, or a bracketed IPv6 literal, then a port.
const ENDPOINT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function parseEndpoint(raw: string | undefined, report: Report): AgentEndpoint | undefined {
  const value = blankToUndefined(raw);
  if (value === undefined) {
    report("required: host:port of Switchboard's AgentService, e.g. switchboard.example.com:50051");
    return undefined;
  }
  if (value.includes('://')) {
    report(`must be host:port without a scheme, got "${value}"`);
    return undefined;
  }
  const match = ENDPOINT.exec(value);
  const [, host, portText] = match ?? [];
  if (host === undefined || portText === undefined) {
    report(`must be host:port, got "${value}"`);
    return undefined;
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) {
    report(`port must be between 1 and 65535, got ${port}`);
    return undefined;
  }
  return { host, port };
}

function parseToken(raw: string | undefined, report: Report): string | undefined {
  const value = blankToUndefined(raw);
  if (value === undefined) {
    report('required: the agent token issued for this site');
    return undefined;
  }
  // The value is a secret: describe the problem without repeating it.
  if (/\s/.test(value)) {
    report('must not contain whitespace (a token pasted with a line break?)');
    return undefined;
  }
  return value;
}

function parseModemPorts(raw: string | undefined, report: Report): readonly string[] | undefined {
  const value = blankToUndefined(raw);
  if (value === undefined) {
    report('required: comma-separated serial device paths, e.g. /dev/ttyUSB0,/dev/ttyUSB2');
    return undefined;
  }
  const ports = value.split(',').map((port) => port.trim());
  const problems: string[] = [];
  if (ports.includes('')) {
    problems.push('has an empty entry (a doubled or trailing comma?)');
  }
  const seen = new Set<string>();
  for (const port of ports.filter((p) => p !== '')) {
    if (/\s/.test(port)) problems.push(`"${port}" contains whitespace`);
    // Two workers on one serial device would interleave their AT commands.
    if (seen.has(port)) problems.push(`"${port}" is listed more than once`);
    seen.add(port);
  }
  for (const message of problems) report(message);
  return problems.length === 0 ? ports : undefined;
}
