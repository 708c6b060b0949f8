import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configVariables, loadConfig } from './config.js';

const hmacHex = 'a1'.repeat(32);
const encryptionHex = 'b2'.repeat(32);

/** The smallest environment the service starts with. */
const minimalEnv: NodeJS.ProcessEnv = { CODE_HMAC_KEY: hmacHex, ENCRYPTION_KEY: encryptionHex };

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  describe('with a minimal valid environment', () => {
    it('decodes the hex keys to their bytes', () => {
      const config = loadConfig(minimalEnv);
      expect(config.codeHmacKey).toEqual(Buffer.from(hmacHex, 'hex'));
      expect(config.encryptionKey).toEqual(Buffer.from(encryptionHex, 'hex'));
    });

    it('listens on 127.0.0.1:50051 by default', () => {
      expect(loadConfig(minimalEnv).grpc).toEqual({ host: '127.0.0.1', port: 50051 });
    });

    it('uses embedded PGlite in ./data when no database URL is set', () => {
      const config = loadConfig(minimalEnv);
      expect(config.databaseUrl).toBeUndefined();
      expect(config.dataDir).toBe('./data');
    });

    it('uses the default verification and dispatch limits', () => {
      const config = loadConfig(minimalEnv);
      expect(config.verification).toEqual({ codeTtlSeconds: 600, maxChecks: 5, maxSendsPerNumber: 5, sendWindowSeconds: 600, resendCooldownSeconds: 30, maxFailedChecksPerNumber: 10, checkWindowSeconds: 3600 });
      expect(config.dispatch).toEqual({ leaseSeconds: 60, sweepIntervalMs: 2000, messageValiditySeconds: 600, receiptTimeoutSeconds: 120, maxHeld: 10_000 });
      expect(config.database).toEqual({ poolSize: 10, connectTimeoutMs: 5000, statementTimeoutMs: 15_000 });
      expect(config.acceptQueueLimit).toBe(5000);
      expect(config.shutdownTimeoutMs).toBe(20_000);
      expect(config.logLevel).toBe('info');
      expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, publicBaseUrl: undefined });
    });
  });

  it.each([
    ['ftp://example.com', 'must be an http:// or https:// URL'],
    ['not a url', 'must be an http:// or https:// URL'],
    ['https://example.com/hooks?x=1', 'must not have a query or fragment'],
  ])('refuses PUBLIC_BASE_URL %j', (value, problem) => {
    expect(() => loadConfig({ ...minimalEnv, PUBLIC_BASE_URL: value })).toThrow(`PUBLIC_BASE_URL: ${problem}`);
  });

  it('reads every setting from the environment, coercing numbers', () => {
    const config = loadConfig({
      ...minimalEnv,
      GRPC_HOST: '0.0.0.0',
      GRPC_PORT: '6000',
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: '9100',
      PUBLIC_BASE_URL: 'https://sms.example.com/switchboard/',
      DATABASE_URL: 'postgresql://sb:pw@db:5432/switchboard',
      DATA_DIR: 'memory://',
      CODE_TTL_SECONDS: '300',
      MAX_CHECKS: '3',
      MAX_SENDS_PER_NUMBER: '10',
      SEND_WINDOW_SECONDS: '3600',
      RESEND_COOLDOWN_SECONDS: '0',
      DISPATCH_LEASE_SECONDS: '45',
      RECEIPT_TIMEOUT_SECONDS: '90',
      DISPATCH_SWEEP_INTERVAL_MS: '500',
      MESSAGE_VALIDITY_SECONDS: '120',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      grpc: { host: '0.0.0.0', port: 6000 },
      http: { host: '0.0.0.0', port: 9100, publicBaseUrl: 'https://sms.example.com/switchboard' },
      databaseUrl: 'postgresql://sb:pw@db:5432/switchboard',
      dataDir: 'memory://',
      verification: { codeTtlSeconds: 300, maxChecks: 3, maxSendsPerNumber: 10, sendWindowSeconds: 3600, resendCooldownSeconds: 0 },
      dispatch: { leaseSeconds: 45, sweepIntervalMs: 500, messageValiditySeconds: 120, receiptTimeoutSeconds: 90 },
      logLevel: 'debug',
    });
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ ...minimalEnv, GRPC_PORT: '', DATABASE_URL: '' });
    expect(config.grpc.port).toBe(50051);
    expect(config.databaseUrl).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ ...minimalEnv, PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('lists the variables it reads', () => {
    expect(configVariables).toEqual(expect.arrayContaining(['CODE_HMAC_KEY', 'ENCRYPTION_KEY', 'DATABASE_URL', 'GRPC_PORT', 'LOG_LEVEL']));
  });

  describe('keys', () => {
    it('accepts a key given as base64 of 32 bytes', () => {
      const bytes = Buffer.alloc(32, 0xc3);
      expect(loadConfig({ ...minimalEnv, CODE_HMAC_KEY: bytes.toString('base64') }).codeHmacKey).toEqual(bytes);
    });

    it('reads 64 hex characters as hex, not as base64', () => {
      expect(loadConfig(minimalEnv).codeHmacKey).toHaveLength(32);
    });

    it('accepts upper-case hex', () => {
      expect(loadConfig({ ...minimalEnv, CODE_HMAC_KEY: hmacHex.toUpperCase() }).codeHmacKey).toEqual(Buffer.from(hmacHex, 'hex'));
    });

    it('keeps a longer HMAC key whole', () => {
      expect(loadConfig({ ...minimalEnv, CODE_HMAC_KEY: 'ab'.repeat(48) }).codeHmacKey).toHaveLength(48);
    });

    it('refuses an encryption key longer than 32 bytes instead of cutting it', () => {
      const long = Buffer.alloc(48, 0x11);
      expect(configErrorOf({ ...minimalEnv, ENCRYPTION_KEY: long.toString('base64') }).problems).toEqual([
        'ENCRYPTION_KEY: must be exactly 32 bytes, as hex (64 characters) or base64; got 48 bytes',
      ]);
    });

    it('refuses a key with characters that are neither hex nor base64', () => {
      const typo = `${'ab'.repeat(31)}a!`;
      expect(configErrorOf({ ...minimalEnv, CODE_HMAC_KEY: typo }).problems).toEqual([
        'CODE_HMAC_KEY: must be at least 32 bytes as hex or base64 (found characters that are neither)',
      ]);
    });

    it.each([16, 31])('rejects a hex key of %i bytes instead of reading it as base64', (bytes) => {
      expect(configErrorOf({ ...minimalEnv, CODE_HMAC_KEY: 'ab'.repeat(bytes) }).problems).toEqual([
        `CODE_HMAC_KEY: must be at least 32 bytes, as hex (64 characters) or base64; got ${bytes} bytes`,
      ]);
    });

    it('rejects a base64 key shorter than 32 bytes', () => {
      const problems = configErrorOf({ ...minimalEnv, ENCRYPTION_KEY: Buffer.alloc(31).toString('base64') }).problems;
      expect(problems).toEqual([expect.stringMatching(/^ENCRYPTION_KEY: must be exactly 32 bytes/)]);
    });

    it('requires both keys, saying so', () => {
      const problems = configErrorOf({}).problems;
      expect(problems).toEqual(expect.arrayContaining(['CODE_HMAC_KEY: is required', 'ENCRYPTION_KEY: is required']));
      expect(problems).toHaveLength(2);
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^CODE_HMAC_KEY: /), expect.stringMatching(/^ENCRYPTION_KEY: /)]));
    });
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://localhost/sb', 'postgresql://u:p@localhost:5432/sb'])('accepts %s', (url) => {
      expect(loadConfig({ ...minimalEnv, DATABASE_URL: url }).databaseUrl).toBe(url);
    });

    it.each(['mysql://localhost/sb', 'localhost:5432/sb', 'http://postgres://x'])('rejects %s', (url) => {
      expect(configErrorOf({ ...minimalEnv, DATABASE_URL: url }).problems).toEqual([
        'DATABASE_URL: must start with postgres:// or postgresql://',
      ]);
    });
  });

  it('reports every bad variable at once in one ConfigError', () => {
    const error = configErrorOf({
      CODE_HMAC_KEY: 'short',
      GRPC_PORT: '70000',
      DATABASE_URL: 'mysql://localhost/sb',
      MAX_CHECKS: '0',
      CODE_TTL_SECONDS: 'ten minutes',
      LOG_LEVEL: 'verbose',
      RESEND_COOLDOWN_SECONDS: '-5',
    });
    const variables = error.problems.map((problem) => problem.split(':')[0]);
    expect(variables.sort()).toEqual(
      ['CODE_HMAC_KEY', 'CODE_TTL_SECONDS', 'DATABASE_URL', 'ENCRYPTION_KEY', 'GRPC_PORT', 'LOG_LEVEL', 'MAX_CHECKS', 'RESEND_COOLDOWN_SECONDS'].sort(),
    );
  });

  it('puts every problem in the error message, one per line', () => {
    const error = configErrorOf({ ...minimalEnv, GRPC_PORT: '-1', MAX_CHECKS: '21' });
    expect(error.name).toBe('ConfigError');
    expect(error.message.split('\n')).toEqual(['Invalid configuration:', expect.stringMatching(/^ {2}- GRPC_PORT: /), expect.stringMatching(/^ {2}- MAX_CHECKS: /)]);
  });

  it('refuses a hex key with an odd number of digits instead of reading it as base64', () => {
    expect(configErrorOf({ ...minimalEnv, CODE_HMAC_KEY: 'a'.repeat(63) }).problems).toEqual([
      'CODE_HMAC_KEY: hex key has an odd number of digits (a character missing?)',
    ]);
  });

  it('names each bad database, queue and shutdown bound', () => {
    const problems = configErrorOf({
      ...minimalEnv,
      DATABASE_POOL_SIZE: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: '10',
      ACCEPT_QUEUE_LIMIT: 'lots',
      SHUTDOWN_TIMEOUT_SECONDS: '9999',
      DISPATCH_MAX_HELD: '5',
    }).problems.map((problem) => problem.split(':')[0]);
    expect(problems.sort()).toEqual(['ACCEPT_QUEUE_LIMIT', 'DATABASE_POOL_SIZE', 'DATABASE_STATEMENT_TIMEOUT_MS', 'DISPATCH_MAX_HELD', 'SHUTDOWN_TIMEOUT_SECONDS']);
  });

  it('caps the message validity at one day', () => {
    expect(configErrorOf({ ...minimalEnv, MESSAGE_VALIDITY_SECONDS: '86401' }).problems).toEqual([expect.stringMatching(/^MESSAGE_VALIDITY_SECONDS: /)]);
  });

  it('rejects a fractional number', () => {
    expect(configErrorOf({ ...minimalEnv, DISPATCH_LEASE_SECONDS: '1.5' }).problems).toEqual([expect.stringMatching(/^DISPATCH_LEASE_SECONDS: /)]);
  });

  describe('SWITCHBOARD_CONFIG_FILE', () => {
    let dir = '';

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    function writeJson(name: string, content: unknown): string {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(content));
      return path;
    }

    it('reads settings from the JSON file, numbers included', () => {
      const file = writeJson('config.json', { ...minimalEnv, GRPC_PORT: 7000, LOG_LEVEL: 'warn' });
      const config = loadConfig({ SWITCHBOARD_CONFIG_FILE: file });
      expect(config.grpc.port).toBe(7000);
      expect(config.logLevel).toBe('warn');
      expect(config.codeHmacKey).toEqual(Buffer.from(hmacHex, 'hex'));
    });

    it('lets environment variables win over the file', () => {
      const file = writeJson('config.json', { GRPC_PORT: 7000, GRPC_HOST: '10.0.0.1' });
      const config = loadConfig({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file, GRPC_PORT: '8000' });
      expect(config.grpc).toEqual({ host: '10.0.0.1', port: 8000 });
    });

    it('keeps a file setting when the variable of the same name is empty', () => {
      const file = writeJson('config.json', { GRPC_PORT: 7000 });
      expect(loadConfig({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file, GRPC_PORT: '' }).grpc.port).toBe(7000);
    });

    it('validates file settings like environment variables', () => {
      const file = writeJson('config.json', { DATABASE_URL: 'mysql://x' });
      expect(configErrorOf({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file }).problems).toEqual([
        'DATABASE_URL: must start with postgres:// or postgresql://',
      ]);
    });

    it('fails with a ConfigError naming the file when it cannot be read', () => {
      const missing = join(dir, 'missing.json');
      const problems = configErrorOf({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: missing }).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`SWITCHBOARD_CONFIG_FILE: cannot read ${missing}`);
    });

    it('fails with a ConfigError when the file is not JSON', () => {
      const path = join(dir, 'broken.json');
      writeFileSync(path, 'GRPC_PORT=7000');
      expect(configErrorOf({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: path }).problems[0]).toMatch(/^SWITCHBOARD_CONFIG_FILE: cannot read /);
    });

    it('treats null and empty values in the file as unset', () => {
      const file = writeJson('config.json', { DATABASE_URL: null, GRPC_PORT: '' });
      const config = loadConfig({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file });
      expect(config.databaseUrl).toBeUndefined();
      expect(config.grpc.port).toBe(50051);
    });

    it('names a setting whose value in the file is an object or a list', () => {
      const file = writeJson('config.json', { GRPC_PORT: { port: 1 }, LOG_LEVEL: ['info'] });
      expect(configErrorOf({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file }).problems).toEqual([
        `GRPC_PORT (in ${file}): must be a string, number or boolean`,
        `LOG_LEVEL (in ${file}): must be a string, number or boolean`,
      ]);
    });

    it.each([[['GRPC_PORT', 7000]], [42], [null]])('fails when the file holds %j instead of an object', (content) => {
      const file = writeJson('config.json', content);
      expect(configErrorOf({ ...minimalEnv, SWITCHBOARD_CONFIG_FILE: file }).problems).toEqual([
        `SWITCHBOARD_CONFIG_FILE: ${file} must hold a JSON object of settings`,
      ]);
    });
  });
});
