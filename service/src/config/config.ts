import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Every setting of the service process, read once at start from the environment (and an optional
 * JSON file named by `SWITCHBOARD_CONFIG_FILE`; environment variables win). A bad or missing setting
 * stops start-up with one message that lists every problem.
 */
export interface ServiceConfig {
  /** Address the gRPC server listens on. */
  readonly grpc: { readonly host: string; readonly port: number };
  /**
   * The HTTP server: `/metrics` for Prometheus, `/healthz`, and the provider webhooks.
   * `publicBaseUrl` is how providers reach it (delivery-report and call webhooks).
   */
  readonly http: { readonly host: string; readonly port: number; readonly publicBaseUrl: string | undefined };
  /** PostgreSQL URL; absent means embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Folder of the embedded database (`memory://` keeps it in memory, for tests). */
  readonly dataDir: string;
  /** How connections to PostgreSQL are bounded. */
  readonly database: { readonly poolSize: number; readonly connectTimeoutMs: number; readonly statementTimeoutMs: number };
  /**
   * Requests (SendCode, VerifyCode, SendMessage …) waiting for a database transaction; more are
   * answered UNAVAILABLE with a retry hint.
   */
  readonly acceptQueueLimit: number;
  /** Longest a graceful stop waits for work under way before it closes anyway. */
  readonly shutdownTimeoutMs: number;
  /** Key for the HMAC of verification codes (at least 32 bytes). */
  readonly codeHmacKey: Buffer;
  /** Key for AES-256-GCM encryption of message bodies and provider credentials (32 bytes). */
  readonly encryptionKey: Buffer;
  readonly verification: {
    readonly codeTtlSeconds: number;
    readonly maxChecks: number;
    readonly maxSendsPerNumber: number;
    readonly sendWindowSeconds: number;
    readonly resendCooldownSeconds: number;
    readonly maxFailedChecksPerNumber: number;
    readonly checkWindowSeconds: number;
  };
  readonly dispatch: {
    /** How long a replica owns a claimed message before another may take it over. */
    readonly leaseSeconds: number;
    /** How often the sweep looks for queued messages no replica is working on. */
    readonly sweepIntervalMs: number;
    /** How long after acceptance a message may still be sent (retries stop then). */
    readonly messageValiditySeconds: number;
    /** How long a submitted attempt waits for its delivery report before the next step. */
    readonly receiptTimeoutSeconds: number;
    /** Most messages one replica holds in memory; the rest wait in the table for any replica. */
    readonly maxHeld: number;
  };
  readonly agents: {
    /** How often modem agents are told to send heartbeats (AgentService welcome). */
    readonly heartbeatSeconds: number;
    /**
     * How long after a command's send-before time the service still waits for the agent's
     * answer before recording the outcome as unknown (a part started just before may be slow).
     */
    readonly answerGraceSeconds: number;
  };
  readonly routing: {
    /** ISO 4217 currency costs are compared and reported in. */
    readonly currency: string;
    /** Units of the routing currency per unit of each other currency. */
    readonly rates: Readonly<Record<string, number>>;
    readonly breaker: {
      readonly consecutiveFailureThreshold: number;
      readonly receiptWindowSize: number;
      readonly minReceiptSample: number;
      readonly receiptFailureRateThreshold: number;
      readonly coolDownMs: number;
    };
  };
  /** Bearer token for AdminService; unset: AdminService refuses every call. */
  readonly adminToken: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unset: the entry point decides (the service logs JSON, the demo pretty lines on a terminal). */
  readonly logFormat: 'json' | 'pretty' | undefined;
}

/** Thrown when the configuration is unusable; `problems` lists every bad setting. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * A secret of at least `minBytes` (exactly, when `exact`), given as hex or standard/url-safe
 * base64. Text of hex digits only is read as hex; anything else must be well-formed base64, so a
 * typo is refused instead of quietly becoming a different key.
 */
function secretKey(minBytes: number, exact: boolean) {
  const size = exact ? `exactly ${minBytes} bytes` : `at least ${minBytes} bytes`;
  return z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') }).transform((value, ctx) => {
    const isHex = /^[0-9a-fA-F]+$/.test(value);
    if (isHex && value.length % 2 !== 0) {
      ctx.addIssue({ code: 'custom', message: 'hex key has an odd number of digits (a character missing?)' });
      return z.NEVER;
    }
    if (!isHex && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `must be ${size} as hex or base64 (found characters that are neither)` });
      return z.NEVER;
    }
    const bytes = isHex ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
    if (bytes.length < minBytes || (exact && bytes.length !== minBytes)) {
      ctx.addIssue({ code: 'custom', message: `must be ${size}, as hex (${minBytes * 2} characters) or base64; got ${bytes.length} bytes` });
      return z.NEVER;
    }
    return bytes;
  });
}
const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  GRPC_PORT: port.default(50051),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8080),
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((url) => !/[?#]/.test(url), 'must not have a query or fragment')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.max(120_000).default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.min(100).max(600_000).default(15_000),
  ACCEPT_QUEUE_LIMIT: positiveInt.max(1_000_000).default(5000),
  SHUTDOWN_TIMEOUT_SECONDS: positiveInt.max(600).default(20),
  DISPATCH_MAX_HELD: positiveInt.min(10).max(1_000_000).default(10_000),
  CODE_HMAC_KEY: secretKey(32, false),
  ENCRYPTION_KEY: secretKey(32, true),
  CODE_TTL_SECONDS: positiveInt.max(86_400).default(600),
  MAX_CHECKS: positiveInt.max(20).default(5),
  MAX_SENDS_PER_NUMBER: positiveInt.max(1000).default(5),
  SEND_WINDOW_SECONDS: positiveInt.default(600),
  // 0 turns the cooldown off; the send limit above still holds.
  RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  MAX_FAILED_CHECKS_PER_NUMBER: positiveInt.max(1000).default(10),
  CHECK_WINDOW_SECONDS: positiveInt.default(3600),
  // Renewed every third of it during a submit; long enough that a busy event loop cannot miss a renewal.
  DISPATCH_LEASE_SECONDS: positiveInt.min(30, 'must be at least 30 (a lease renewed every third of it must survive a busy event loop)').default(60),
  DISPATCH_SWEEP_INTERVAL_MS: positiveInt.default(2000),
  MESSAGE_VALIDITY_SECONDS: positiveInt.max(86_400).default(600),
  RECEIPT_TIMEOUT_SECONDS: positiveInt.max(86_400).default(120),
  AGENT_HEARTBEAT_SECONDS: positiveInt.min(5, 'must be at least 5').max(300).default(15),
  AGENT_ANSWER_GRACE_SECONDS: positiveInt.max(3600).default(90),
  ROUTING_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR').default('EUR'),
  EXCHANGE_RATES: z
    .string()
    .regex(/^([A-Z]{3}=\d+(\.\d+)?)(,[A-Z]{3}=\d+(\.\d+)?)*$/, 'must look like USD=0.92,GBP=1.17 (units of ROUTING_CURRENCY per unit)')
    .optional(),
  BREAKER_CONSECUTIVE_FAILURES: positiveInt.max(1000).default(5),
  BREAKER_RECEIPT_WINDOW: positiveInt.max(10_000).default(50),
  BREAKER_MIN_RECEIPTS: positiveInt.max(10_000).default(20),
  BREAKER_RECEIPT_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  BREAKER_COOL_DOWN_SECONDS: positiveInt.max(3600).default(30),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: one JSON object per line, for log shippers; pretty: coloured lines for a terminal. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

/** The environment variables the service reads, for docs and for `--help`. */
export const configVariables = Object.keys(schema.shape);

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`SWITCHBOARD_CONFIG_FILE: cannot read ${path}: ${(error as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`SWITCHBOARD_CONFIG_FILE: ${path} must hold a JSON object of settings`]);
  }
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    // null and "" mean unset, as an empty environment variable does.
    if (value === null || value === '') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') settings[key] = String(value);
    else problems.push(`${key} (in ${path}): must be a string, number or boolean`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** Parses the settings; throws `ConfigError` listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const file = env.SWITCHBOARD_CONFIG_FILE ? readConfigFile(env.SWITCHBOARD_CONFIG_FILE) : {};
  // Empty variables count as unset, so `FOO=` in a .env file does not fail validation oddly.
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse({ ...file, ...fromEnv });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const c = result.data;
  return {
    grpc: { host: c.GRPC_HOST, port: c.GRPC_PORT },
    http: { host: c.HTTP_HOST, port: c.HTTP_PORT, publicBaseUrl: c.PUBLIC_BASE_URL },
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    database: { poolSize: c.DATABASE_POOL_SIZE, connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS, statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS },
    acceptQueueLimit: c.ACCEPT_QUEUE_LIMIT,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    codeHmacKey: c.CODE_HMAC_KEY,
    encryptionKey: c.ENCRYPTION_KEY,
    verification: {
      codeTtlSeconds: c.CODE_TTL_SECONDS,
      maxChecks: c.MAX_CHECKS,
      maxSendsPerNumber: c.MAX_SENDS_PER_NUMBER,
      sendWindowSeconds: c.SEND_WINDOW_SECONDS,
      resendCooldownSeconds: c.RESEND_COOLDOWN_SECONDS,
      maxFailedChecksPerNumber: c.MAX_FAILED_CHECKS_PER_NUMBER,
      checkWindowSeconds: c.CHECK_WINDOW_SECONDS,
    },
    dispatch: {
      leaseSeconds: c.DISPATCH_LEASE_SECONDS,
      sweepIntervalMs: c.DISPATCH_SWEEP_INTERVAL_MS,
      messageValiditySeconds: c.MESSAGE_VALIDITY_SECONDS,
      receiptTimeoutSeconds: c.RECEIPT_TIMEOUT_SECONDS,
      maxHeld: c.DISPATCH_MAX_HELD,
    },
    agents: { heartbeatSeconds: c.AGENT_HEARTBEAT_SECONDS, answerGraceSeconds: c.AGENT_ANSWER_GRACE_SECONDS },
    routing: {
      currency: c.ROUTING_CURRENCY,
      rates: Object.fromEntries((c.EXCHANGE_RATES ?? '').split(',').filter(Boolean).map((pair) => {
        const [currency = '', rate = '0'] = pair.split('=');
        return [currency, Number(rate)];
      })),
      breaker: {
        consecutiveFailureThreshold: c.BREAKER_CONSECUTIVE_FAILURES,
        receiptWindowSize: c.BREAKER_RECEIPT_WINDOW,
        minReceiptSample: c.BREAKER_MIN_RECEIPTS,
        receiptFailureRateThreshold: c.BREAKER_RECEIPT_FAILURE_RATE,
        coolDownMs: c.BREAKER_COOL_DOWN_SECONDS * 1000,
      },
    },
    adminToken: c.ADMIN_TOKEN,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
  };
}

/** For entry points: the parsed config, or every problem printed and the process ended (exit 2). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}
