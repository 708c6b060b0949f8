import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  BAUD_RATES,
  describeAgentConfig,
  loadAgentConfig,
  parseAgentConfig,
  type AgentEnvironment,
  type ConfigProblem,
} from './config.js';

const TOKEN = 'agt_3f9c2a71';

const minimal = `
service:
  address: switchboard.example.com:50051
agent:
  id: lyon-1
  token: ${TOKEN}
modems:
  - label: orange-1
    path: /dev/ttyUSB0
journal:
  path: /var/lib/modem-agent/agent.journal
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modem-agent-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function parse(yaml: string, env: AgentEnvironment = {}) {
  return parseAgentConfig(yaml, { env, baseDir: dir });
}

/** Parses `yaml`, expecting failure, and returns the problems the error lists. */
function problemsFor(yaml: string, env: AgentEnvironment = {}): readonly ConfigProblem[] {
  try {
    parse(yaml, env);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentConfigError);
    return (error as AgentConfigError).problems;
  }
  throw new Error('expected parseAgentConfig to throw');
}

/** `minimal` with its `agent`, `modems` or other top-level section replaced. */
function withSection(name: string, body: string): string {
  const sections = minimal.split(/\n(?=\S)/);
  const kept = sections.filter((s) => !s.trimStart().startsWith(`${name}:`));
  return [...kept, `${name}:${body}`].join('\n');
}

function withModems(body: string): string {
  return withSection('modems', body);
}

describe('parseAgentConfig with valid input', () => {
  it('parses a minimal file and fills in the defaults', () => {
    const config = parse(minimal);
    expect(config).toMatchObject({
      service: { address: { host: 'switchboard.example.com', port: 50051 }, tls: { mode: 'tls' } },
      agent: { id: 'lyon-1' },
      modems: [
        { label: 'orange-1', port: { kind: 'path', path: '/dev/ttyUSB0' }, baudRate: 115200, maxPerMinute: 6 },
      ],
      journal: { path: '/var/lib/modem-agent/agent.journal' },
      heartbeatSeconds: 15,
    });
    expect(config.agent.token.reveal()).toBe(TOKEN);
    expect(config.modems[0]?.simPin).toBeUndefined();
  });

  it('reads every field of a modem given by USB serial number', () => {
    const config = parse(
      withModems(`
  - label: free-2
    usbSerial: A10KLMNO
    baudRate: 9600
    simPin: "0123"
    maxPerMinute: 3`),
    );
    const modem = config.modems[0];
    expect(modem).toMatchObject({
      label: 'free-2',
      port: { kind: 'usb-serial', usbSerial: 'A10KLMNO' },
      baudRate: 9600,
      maxPerMinute: 3,
    });
    expect(modem?.simPin?.reveal()).toBe('0123');
  });

  it('takes ${NAME} references from the environment', () => {
    const yaml = minimal.replace(TOKEN, '${MODEM_AGENT_TOKEN}').replace('lyon-1', 'site-${SITE}');
    const config = parse(yaml, { MODEM_AGENT_TOKEN: 'from-env', SITE: '7' });
    expect(config.agent.token.reveal()).toBe('from-env');
    expect(config.agent.id).toBe('site-7');
  });

  it('reads $${ as a literal ${', () => {
    const config = parse(minimal.replace(TOKEN, () => '"a$${b}"'));
    expect(config.agent.token.reveal()).toBe('a${b}');
  });

  it('reads the token from tokenFile relative to the base directory, without its line break', () => {
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const config = parse(withSection('agent', '\n  id: lyon-1\n  tokenFile: token'));
    expect(config.agent.token.reveal()).toBe(TOKEN);
    expect(config.agent.tokenFile).toBe(join(dir, 'token'));
  });

  it('resolves the journal path and TLS files against the base directory', () => {
    for (const file of ['ca.pem', 'agent.pem', 'agent.key']) writeFileSync(join(dir, file), 'pem');
    const yaml = withSection(
      'service',
      '\n  address: sb.example.com:443\n  tls:\n    ca: ca.pem\n    cert: agent.pem\n    key: agent.key',
    ).replace('/var/lib/modem-agent/agent.journal', 'journal/agent.journal');
    const config = parse(yaml);
    expect(config.service.tls).toEqual({
      mode: 'tls',
      ca: join(dir, 'ca.pem'),
      clientCertificate: { cert: join(dir, 'agent.pem'), key: join(dir, 'agent.key') },
    });
    expect(config.journal.path).toBe(join(dir, 'journal/agent.journal'));
  });

  it.each(['localhost:50051', '127.0.0.1:50051', '[::1]:50051'])(
    'allows plaintext to the loopback address %s',
    (address) => {
      const yaml = withSection('service', `\n  address: "${address}"\n  tls:\n    insecure: true`);
      expect(parse(yaml).service.tls).toEqual({ mode: 'plaintext' });
    },
  );

  it('accepts heartbeatSeconds within range', () => {
    expect(parse(`${minimal}heartbeatSeconds: 30\n`).heartbeatSeconds).toBe(30);
  });

  it('reads a modem behind ser2net as tcp host:port, and names a malformed one', () => {
    const yaml = (tcp: string) => minimal.replace(/path: [^\n]+/, `tcp: "${tcp}"`);
    expect(parse(yaml('192.168.1.20:4001')).modems[0]?.port).toEqual({ kind: 'tcp', host: '192.168.1.20', port: 4001 });
    expect(problemsFor(yaml('192.168.1.20')).map((p) => p.path)).toEqual(['modems[0].tcp']);
    expect(problemsFor(yaml('modems.local:70000')).map((p) => p.path)).toEqual(['modems[0].tcp']);
  });

  it('logs at info unless told, and refuses a level it does not know', () => {
    expect(parse(minimal).logLevel).toBe('info');
    expect(parse(`${minimal}logLevel: debug\n`).logLevel).toBe('debug');
    expect(problemsFor(`${minimal}logLevel: verbose\n`)).toEqual([{ path: 'logLevel', message: 'must be one of error, warn, info, debug, got "verbose"' }]);
  });
});

describe('parseAgentConfig with invalid input', () => {
  it('lists every problem in the file, each with its path', () => {
    const problems = problemsFor(`
service:
  address: https://switchboard.example.com
agent:
  id: lyon-1
modems:
  - label: a
    path: /dev/ttyUSB0
    baudRate: 11520
  - label: a
    path: /dev/ttyUSB0
    maxPerMinute: 0
heartbeatSeconds: 1
`);
    expect(problems.map((p) => p.path)).toEqual([
      'service.address',
      'agent',
      'modems[0].baudRate',
      'modems[1].maxPerMinute',
      'modems[1].label',
      'modems[1].path',
      'journal',
      'heartbeatSeconds',
    ]);
  });

  it('names each problem in the error message, one per line', () => {
    const yaml = withModems('\n  - label: a\n    path: /dev/ttyUSB0\n    baudRate: 11520');
    expect(() => parse(yaml)).toThrow(
      'invalid modem-agent config (text) (1 problem):\n' +
        `  - modems[0].baudRate: must be one of ${BAUD_RATES.join(', ')}, got 11520`,
    );
  });

  it('carries a stable error code', () => {
    expect(() => parse('')).toThrow(
      expect.objectContaining({ name: 'AgentConfigError', code: 'AGENT_CONFIG_INVALID' }),
    );
  });

  it('rejects an empty file', () => {
    expect(problemsFor('')).toEqual([
      { path: '', message: 'the file is empty: expected service, agent, modems and journal' },
    ]);
  });

  it('reports YAML syntax errors with their line and column', () => {
    const problems = problemsFor('service:\n  address: [unclosed\n');
    expect(problems[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(problems[0]?.message).toMatch(/^YAML: /);
  });

  it('rejects a key given twice rather than keeping the last one', () => {
    const problems = problemsFor(`${minimal}heartbeatSeconds: 10\nheartbeatSeconds: 20\n`);
    expect(problems[0]?.message).toMatch(/unique/);
  });

  it('rejects unknown keys at any depth, suggesting the key meant', () => {
    const problems = problemsFor(
      minimal.replace('    path: /dev/ttyUSB0', '    path: /dev/ttyUSB0\n    maxPerMinte: 2') +
        'heartbeat: 10\n',
    );
    expect(problems).toEqual([
      {
        path: 'heartbeat',
        message: 'unknown key (expected one of service, agent, modems, journal, heartbeatSeconds, logLevel)',
      },
      { path: 'modems[0].maxPerMinte', message: 'unknown key; did you mean "maxPerMinute"?' },
    ]);
  });

  it.each([
    ['a URL with a scheme', 'https://switchboard.example.com:50051', /without a scheme/],
    ['a host without a port', 'switchboard.example.com', /must be host:port/],
    ['a port without a host', '":50051"', /must be host:port/],
    ['port 0', 'switchboard.example.com:0', /between 1 and 65535, got 0/],
    ['a port above 65535', 'switchboard.example.com:65536', /between 1 and 65535, got 65536/],
    ['an unbracketed IPv6 literal', '"::1:50051"', /must be host:port/],
    ['a path after the port', 'switchboard.example.com:50051/agent', /must be host:port/],
  ])('rejects service.address with %s', (_name, address, message) => {
    const problems = problemsFor(withSection('service', `\n  address: ${address}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('service.address');
    expect(problems[0]?.message).toMatch(message);
  });

  it('refuses plaintext to an address off the machine', () => {
    const problems = problemsFor(withSection('service', '\n  address: sb.example.com:80\n  tls:\n    insecure: true'));
    expect(problems).toEqual([
      {
        path: 'service.tls.insecure',
        message:
          'plaintext is allowed only to a loopback address (localhost, 127.0.0.0/8, [::1]), not sb.example.com',
      },
    ]);
  });

  it('refuses insecure together with certificates, and a cert without its key', () => {
    writeFileSync(join(dir, 'agent.pem'), 'pem');
    const insecure = problemsFor(
      withSection('service', '\n  address: localhost:1\n  tls:\n    insecure: true\n    ca: ca.pem'),
    );
    const certOnly = problemsFor(withSection('service', '\n  address: sb:1\n  tls:\n    cert: agent.pem'));
    expect(insecure.map((p) => p.path)).toEqual(['service.tls.insecure']);
    expect(certOnly).toEqual([
      { path: 'service.tls', message: 'cert and key go together: a client certificate is useless without its key' },
    ]);
  });

  it('names a TLS file that cannot be read', () => {
    const problems = problemsFor(withSection('service', '\n  address: sb:1\n  tls:\n    ca: missing.pem'));
    expect(problems).toEqual([
      { path: 'service.tls.ca', message: `cannot read ${join(dir, 'missing.pem')} (ENOENT)` },
    ]);
  });

  it('reports an unset environment variable once, by name', () => {
    const problems = problemsFor(minimal.replace(TOKEN, '${MODEM_AGENT_TOKEN}'));
    expect(problems).toEqual([
      { path: 'agent.token', message: 'environment variable MODEM_AGENT_TOKEN is not set' },
    ]);
  });

  it('needs exactly one of token and tokenFile', () => {
    expect(problemsFor(withSection('agent', '\n  id: a'))).toEqual([
      { path: 'agent', message: 'needs token (e.g. token: ${AGENT_TOKEN}) or tokenFile, for the issued token' },
    ]);
    expect(problemsFor(withSection('agent', '\n  id: a\n  token: t\n  tokenFile: f'))).toEqual([
      { path: 'agent', message: 'give token or tokenFile, not both' },
    ]);
  });

  it('names a tokenFile that cannot be read', () => {
    const problems = problemsFor(withSection('agent', '\n  id: a\n  tokenFile: nope'));
    expect(problems).toEqual([
      { path: 'agent.tokenFile', message: `cannot read ${join(dir, 'nope')} (ENOENT)` },
    ]);
  });

  it('rejects a token with whitespace inside without repeating the token', () => {
    writeFileSync(join(dir, 'token'), 'agt_3f9c\n2a71\n');
    const problems = problemsFor(withSection('agent', '\n  id: a\n  tokenFile: token'));
    expect(problems.map((p) => p.path)).toEqual(['agent.tokenFile']);
    expect(problems[0]?.message).toMatch(/whitespace/);
    expect(problems[0]?.message).not.toContain('agt_3f9c');
  });

  it('rejects an agent id that is not a plain identifier', () => {
    const problems = problemsFor(minimal.replace('id: lyon-1', 'id: "lyon 1"'));
    expect(problems).toEqual([
      { path: 'agent.id', message: `must be 1 to 64 letters, digits, '.', '_' or '-', got "lyon 1"` },
    ]);
  });

  it('needs at least one modem', () => {
    expect(problemsFor(withModems(' []'))).toEqual([
      { path: 'modems', message: 'must list at least one modem' },
    ]);
    expect(problemsFor(withModems(' /dev/ttyUSB0'))).toEqual([
      { path: 'modems', message: 'must be a list of modems, got "/dev/ttyUSB0"' },
    ]);
  });

  it('needs exactly one of path, usbSerial and tcp on each modem', () => {
    const problems = problemsFor(
      withModems('\n  - label: a\n  - label: b\n    path: /dev/ttyUSB0\n    usbSerial: X1'),
    );
    expect(problems).toEqual([
      { path: 'modems[0]', message: 'needs path (e.g. /dev/ttyUSB0), usbSerial (the USB adapter serial number) or tcp (host:port of ser2net)' },
      { path: 'modems[1]', message: 'give one of path, usbSerial or tcp, not path and usbSerial' },
    ]);
  });

  it('rejects a label, a device path or a USB serial used twice', () => {
    const problems = problemsFor(
      withModems(`
  - label: a
    path: /dev/ttyUSB0
  - label: a
    path: /dev/ttyUSB0
  - label: c
    usbSerial: X1
  - label: d
    usbSerial: X1`),
    );
    expect(problems).toEqual([
      { path: 'modems[1].label', message: '"a" is already used by modems[0]' },
      { path: 'modems[1].path', message: '"/dev/ttyUSB0" is already used by modems[0]' },
      { path: 'modems[3].usbSerial', message: '"X1" is already used by modems[2]' },
    ]);
  });

  it('asks for a quoted SIM PIN rather than losing a leading zero, and never echoes it', () => {
    const unquoted = problemsFor(withModems('\n  - label: a\n    path: /dev/x\n    simPin: 0123'));
    const tooShort = problemsFor(withModems('\n  - label: a\n    path: /dev/x\n    simPin: "987"'));
    expect(unquoted).toEqual([
      { path: 'modems[0].simPin', message: 'must be a quoted string, e.g. simPin: "0123"' },
    ]);
    expect(tooShort).toEqual([{ path: 'modems[0].simPin', message: 'must be 4 to 8 digits in quotes' }]);
  });

  it.each([
    ['maxPerMinute', '61', 'must be a whole number from 1 to 60, got 61'],
    ['maxPerMinute', '1.5', 'must be a whole number from 1 to 60, got 1.5'],
    ['baudRate', '"115200"', `must be one of ${BAUD_RATES.join(', ')}, got "115200"`],
  ])('rejects modems[0].%s: %s', (key, value, message) => {
    const problems = problemsFor(withModems(`\n  - label: a\n    path: /dev/x\n    ${key}: ${value}`));
    expect(problems).toEqual([{ path: `modems[0].${key}`, message }]);
  });
});

describe('secrets in a parsed config', () => {
  it('never print: not in inspect, JSON or the summary', () => {
    const config = parse(withModems('\n  - label: a\n    path: /dev/x\n    simPin: "4711"'));
    const printed = [inspect(config, { depth: 10 }), JSON.stringify(config), ...describeAgentConfig(config)];
    for (const text of printed) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('4711');
    }
    expect(String(config.agent.token)).toBe('[redacted]');
  });
});

describe('describeAgentConfig', () => {
  it('summarises every setting an operator checks', () => {
    const config = parse(
      withModems('\n  - label: a\n    path: /dev/ttyUSB0\n    simPin: "4711"\n  - label: b\n    usbSerial: X1'),
    );
    expect(describeAgentConfig(config)).toEqual([
      'service:   switchboard.example.com:50051 (TLS, CA from the system, no client certificate)',
      'agent:     lyon-1 (token set in the config)',
      'modems:    2',
      '  - a: /dev/ttyUSB0, 115200 baud, 6 SMS/min, SIM PIN set',
      '  - b: USB serial X1, 115200 baud, 6 SMS/min, no SIM PIN',
      'journal:   /var/lib/modem-agent/agent.journal',
      'heartbeat: every 15 s',
      'log level: info',
    ]);
  });
});

describe('loadAgentConfig', () => {
  it('resolves relative paths against the file, not the working directory', () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, minimal.replace('/var/lib/modem-agent/agent.journal', 'journal/a.journal'));
    expect(loadAgentConfig(file, {}).journal.path).toBe(join(dir, 'journal/a.journal'));
  });

  it('names a file that cannot be read', () => {
    const file = join(dir, 'missing.yaml');
    expect(() => loadAgentConfig(file, {})).toThrow(
      `invalid modem-agent config ${file} (1 problem):\n  - cannot read the file (ENOENT)`,
    );
  });

  it('accepts the example shipped with the package', () => {
    const example = join(import.meta.dirname, '..', 'agent.example.yaml');
    const config = loadAgentConfig(example, { MODEM_AGENT_TOKEN: TOKEN });
    expect(config.modems.map((m) => m.label)).toEqual(['orange-1', 'free-2', 'depot-3']);
  });
});
