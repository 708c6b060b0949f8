import { describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  DEFAULT_JOURNAL_DIR,
  parseAgentConfig,
  type AgentEnvironment,
  type ConfigProblem,
} from './config.js';

const valid = {
  SWITCHBOARD_AGENT_URL: 'switchboard.example.com:50051',
  SWITCHBOARD_AGENT_TOKEN: 'agt_3f9c2a71',
  MODEM_PORTS: '/dev/ttyUSB0,/dev/ttyUSB2',
  JOURNAL_DIR: '/var/lib/modem-agent/journal',
} satisfies AgentEnvironment;

/** Parses `env`, expecting failure, and returns the problems the error lists. */
function problemsFor(env: AgentEnvironment): readonly ConfigProblem[] {
  try {
    parseAgentConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentConfigError);
    return (error as AgentConfigError).problems;
  }
  throw new Error('expected parseAgentConfig to throw');
}

function variablesIn(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => p.variable);
}

describe('parseAgentConfig with valid input', () => {
  it('parses every variable into a typed config', () => {
    expect(parseAgentConfig(valid)).toEqual({
      agentUrl: { host: 'switchboard.example.com', port: 50051 },
      agentToken: 'agt_3f9c2a71',
      modemPorts: ['/dev/ttyUSB0', '/dev/ttyUSB2'],
      journalDir: '/var/lib/modem-agent/journal',
    });
  });

  it('defaults JOURNAL_DIR to ./journal when unset', () => {
    expect(parseAgentConfig({ ...valid, JOURNAL_DIR: undefined }).journalDir).toBe(
      DEFAULT_JOURNAL_DIR,
    );
  });

  it('defaults JOURNAL_DIR to ./journal when blank', () => {
    expect(parseAgentConfig({ ...valid, JOURNAL_DIR: '  ' }).journalDir).toBe('./journal');
  });

  it('accepts an IPv4 address as host', () => {
    const config = parseAgentConfig({ ...valid, SWITCHBOARD_AGENT_URL: '10.0.0.7:443' });
    expect(config.agentUrl).toEqual({ host: '10.0.0.7', port: 443 });
  });

  it('accepts a bracketed IPv6 literal as host', () => {
    const config = parseAgentConfig({ ...valid, SWITCHBOARD_AGENT_URL: '[::1]:50051' });
    expect(config.agentUrl).toEqual({ host: '[::1]', port: 50051 });
  });

  it('accepts a single modem port', () => {
    expect(parseAgentConfig({ ...valid, MODEM_PORTS: '/dev/ttyACM0' }).modemPorts).toEqual([
      '/dev/ttyACM0',
    ]);
  });

  it('trims spaces around values and between ports', () => {
    const config = parseAgentConfig({
      ...valid,
      SWITCHBOARD_AGENT_URL: ' switchboard.example.com:50051\n',
      SWITCHBOARD_AGENT_TOKEN: 'agt_3f9c2a71\n',
      MODEM_PORTS: ' /dev/ttyUSB0 , /dev/ttyUSB2 ',
    });
    expect(config.agentUrl.host).toBe('switchboard.example.com');
    expect(config.agentToken).toBe('agt_3f9c2a71');
    expect(config.modemPorts).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB2']);
  });
});

describe('parseAgentConfig with invalid input', () => {
  it('lists every missing required variable in one error', () => {
    const problems = problemsFor({});
    expect(variablesIn(problems)).toEqual([
      'SWITCHBOARD_AGENT_URL',
      'SWITCHBOARD_AGENT_TOKEN',
      'MODEM_PORTS',
    ]);
    expect(problems.every((p) => p.message.startsWith('required'))).toBe(true);
  });

  it('treats blank required variables as missing', () => {
    const problems = problemsFor({
      SWITCHBOARD_AGENT_URL: ' ',
      SWITCHBOARD_AGENT_TOKEN: '',
      MODEM_PORTS: '\t',
    });
    expect(variablesIn(problems)).toEqual([
      'SWITCHBOARD_AGENT_URL',
      'SWITCHBOARD_AGENT_TOKEN',
      'MODEM_PORTS',
    ]);
  });

  it('names every problem in the error message, one per line', () => {
    const env = { ...valid, SWITCHBOARD_AGENT_URL: 'nohost', MODEM_PORTS: 'a,,b' };
    expect(() => parseAgentConfig(env)).toThrow(
      'invalid modem-agent environment (2 problems):\n' +
        '  - SWITCHBOARD_AGENT_URL: must be host:port, got "nohost"\n' +
        '  - MODEM_PORTS: has an empty entry (a doubled or trailing comma?)',
    );
  });

  it('carries a stable error code', () => {
    expect(() => parseAgentConfig({})).toThrow(
      expect.objectContaining({ name: 'AgentConfigError', code: 'AGENT_CONFIG_INVALID' }),
    );
  });

  it.each([
    ['a URL with a scheme', 'https://switchboard.example.com:50051', /without a scheme/],
    ['a host without a port', 'switchboard.example.com', /must be host:port/],
    ['a port without a host', ':50051', /must be host:port/],
    ['a non-numeric port', 'switchboard.example.com:grpc', /must be host:port/],
    ['port 0', 'switchboard.example.com:0', /between 1 and 65535, got 0/],
    ['a port above 65535', 'switchboard.example.com:65536', /between 1 and 65535, got 65536/],
    ['an unbracketed IPv6 literal', '::1:50051', /must be host:port/],
    ['a path after the port', 'switchboard.example.com:50051/agent', /must be host:port/],
  ])('rejects SWITCHBOARD_AGENT_URL with %s', (_name, url, message) => {
    const problems = problemsFor({ ...valid, SWITCHBOARD_AGENT_URL: url });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('SWITCHBOARD_AGENT_URL');
    expect(problems[0]?.message).toMatch(message);
  });

  it('rejects a token with whitespace inside without repeating the token', () => {
    const problems = problemsFor({ ...valid, SWITCHBOARD_AGENT_TOKEN: 'agt_3f9c\n2a71' });
    expect(variablesIn(problems)).toEqual(['SWITCHBOARD_AGENT_TOKEN']);
    expect(problems[0]?.message).toMatch(/whitespace/);
    expect(problems[0]?.message).not.toContain('agt_3f9c');
  });

  it.each([
    ['a trailing comma', '/dev/ttyUSB0,', /empty entry/],
    ['a doubled comma', '/dev/ttyUSB0,,/dev/ttyUSB1', /empty entry/],
    ['only commas', ',,', /empty entry/],
    ['a port with whitespace inside', '/dev/tty USB0', /"\/dev\/tty USB0" contains whitespace/],
    [
      'a duplicate port',
      '/dev/ttyUSB0,/dev/ttyUSB1,/dev/ttyUSB0',
      /"\/dev\/ttyUSB0" is listed more than once/,
    ],
  ])('rejects MODEM_PORTS with %s', (_name, ports, message) => {
    const problems = problemsFor({ ...valid, MODEM_PORTS: ports });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('MODEM_PORTS');
    expect(problems[0]?.message).toMatch(message);
  });

  it('lists several problems with MODEM_PORTS separately', () => {
    const problems = problemsFor({ ...valid, MODEM_PORTS: '/dev/a,,/dev/a,/dev/b c' });
    expect(problems.map((p) => p.message)).toEqual([
      'has an empty entry (a doubled or trailing comma?)',
      '"/dev/a" is listed more than once',
      '"/dev/b c" contains whitespace',
    ]);
  });
});
