/**
 * `pnpm bench:e2e`: Switchboard end to end as separate processes on this machine: PostgreSQL (or
 * embedded PGlite), the service, the SMSC simulator answering every submit at once and sending
 * its receipt at once, and this process as the load (concurrent gRPC callers with distinct
 * numbers). For each phase it waits until every receipt is stored and prints what it cost.
 *
 *   pnpm bench:e2e [--n 20000] [--concurrency 64] [--rate 2000] [--latency-seconds 10]
 *                  [--databases postgresql,pglite] [--replicas 1] [--backlog 50000]
 *                  [--phases send-code,send-message,verify-code,latency,backlog] [--smoke]
 *
 * A benchmark, not a test: it prints figures and asserts only that nothing was lost or sent twice.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { ProviderKind, RouteStrategy } from '@switchboard/proto/switchboard/v1/admin';
import { closedLoop, openLoop, quantile, type LoadResult } from './load-generator.js';
import { cpuMicros, cpuSplit, freePort, getJson, peakRssBytes, REPO_ROOT, startNode, waitFor, type NodeProcess } from './processes.js';
import { adminApi, callerApi, type CallerApi } from './switchboard-clients.js';

type Database = 'postgresql' | 'pglite';
type Phase = 'send-code' | 'send-message' | 'verify-code' | 'latency' | 'backlog';
const PHASES: readonly Phase[] = ['send-code', 'send-message', 'verify-code', 'latency', 'backlog'];

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    rate: { type: 'string', default: '2000' },
    'latency-seconds': { type: 'string', default: '10' },
    databases: { type: 'string', default: 'postgresql,pglite' },
    replicas: { type: 'string', default: '1' },
    backlog: { type: 'string', default: '50000' },
    phases: { type: 'string', default: PHASES.join(',') },
    'log-level': { type: 'string', default: 'info' },
    smoke: { type: 'boolean', default: false },
  },
});

const smoke = args.smoke;
const options = {
  n: smoke ? 300 : positive('n'),
  concurrency: positive('concurrency'),
  rate: smoke ? 200 : positive('rate'),
  latencySeconds: smoke ? 2 : positive('latency-seconds'),
  databases: list<Database>('databases', ['postgresql', 'pglite']),
  replicas: positive('replicas'),
  backlog: smoke ? 500 : positive('backlog'),
  phases: list<Phase>('phases', PHASES),
  logLevel: args['log-level'],
};

function positive(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${String(args[name])}`);
  return value;
}

function list<T extends string>(name: keyof typeof args, allowed: readonly T[]): T[] {
  const values = String(args[name]).split(',').map((value) => value.trim()).filter((value) => value !== '');
  for (const value of values) if (!allowed.includes(value as T)) throw new Error(`--${name}: ${value} is not one of ${allowed.join(', ')}`);
  return values as T[];
}

const ADMIN_TOKEN = randomBytes(24).toString('hex');
const SMSC_BINDS = 2;

/** What one phase measured. */
interface PhaseFigures {
  readonly database: Database;
  readonly phase: string;
  readonly n: number;
  readonly load: LoadResult;
  /** First request to last receipt stored; null for phases without receipts. */
  readonly endToEndMs: number | null;
  readonly cpuMicrosPerMessage: number;
  readonly peakRssMb: number;
  /** Write transactions (transaction ids assigned) per message; PostgreSQL only. */
  readonly writeTxPerMessage: number | null;
  readonly walBytesPerMessage: number | null;
}

interface Target {
  readonly database: Database;
  /** The SMSC simulator's process (its CPU is printed beside the service's). */
  readonly smscPid: () => number;
  readonly replicas: NodeProcess[];
  readonly grpcAddresses: string[];
  readonly httpPorts: number[];
  readonly smscHttp: string;
  readonly sql: pg.Client | null;
  readonly callers: CallerApi;
}

/** Children to kill if this process is interrupted, so no service outlives its benchmark. */
const children = new Set<NodeProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.child.kill('SIGKILL');
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const figures: PhaseFigures[] = [];
  for (const database of options.databases) figures.push(...(await runDatabase(database)));
  printTable(figures);
}

async function runDatabase(database: Database): Promise<PhaseFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-bench-${database}-`));
  const cleanups: (() => Promise<unknown>)[] = [];
  let failed = false;
  console.log(`\n== ${database}: logs in ${dir}`);
  try {
    const smscPort = await freePort();
    const smscHttpPort = await freePort();
    const smscEnv = { SMSC_SIM_PORT: String(smscPort), SMSC_SIM_HTTP_PORT: String(smscHttpPort), SMSC_SIM_RECEIPT_DELAY_MS: '0', SMSC_SIM_SYSTEM_ID: 'bench', SMSC_SIM_PASSWORD: 'secret' };
    // The simulators' package exports its standalone entry point; spawned by its path, as built.
    const smscScript = fileURLToPath(import.meta.resolve('@switchboard/simulators/smsc/main'));
    let smsc = startNode(smscScript, smscEnv, join(dir, 'smsc.log'));
    children.add(smsc);
    cleanups.push(() => smsc.stop());
    const smscHttp = `http://127.0.0.1:${smscHttpPort}`;
    await waitFor(async () => (await getJson(`${smscHttp}/stats`)) !== undefined, 'the SMSC simulator');

    let sql: pg.Client | null = null;
    let databaseUrl: string | undefined;
    if (database === 'postgresql') {
      const server = process.env.TEST_DATABASE_URL ?? execFileSync('bash', [join(REPO_ROOT, 'test/scripts/ensure-postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
      const name = `switchboard_bench_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`create database ${name}`);
      cleanups.push(async () => {
        await sql?.end();
        // BENCH_KEEP_DB: leave the database for a look at its plans and statistics.
        if (process.env.BENCH_KEEP_DB === undefined) await admin.query(`drop database if exists ${name} with (force)`);
        else console.log(`database kept: ${name}`);
        await admin.end();
      });
      const url = new URL(server);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      sql = new pg.Client({ connectionString: databaseUrl });
      await sql.connect();
    }
    if (database === 'pglite' && options.replicas > 1) console.log('PGlite is one process: running one replica');
    const replicaCount = database === 'pglite' ? 1 : options.replicas;

    const serviceEnv = {
      CODE_HMAC_KEY: randomBytes(32).toString('hex'),
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN,
      LOG_LEVEL: options.logLevel,
      GRPC_HOST: '127.0.0.1',
      HTTP_HOST: '127.0.0.1',
      RESEND_COOLDOWN_SECONDS: '0',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: join(dir, 'data') }),
    };
    const replicas: NodeProcess[] = [];
    const grpcAddresses: string[] = [];
    const httpPorts: number[] = [];
    const startReplica = async (index: number) => {
      const grpcPort = await freePort();
      const httpPort = await freePort();
      // BENCH_CPU_PROFILE=<folder>: each replica writes a V8 CPU profile there when it stops.
      // BENCH_NODE_ARGS: more flags for the service's node (e.g. --perf-basic-prof for `perf record`).
      const profile = [
        ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []),
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ];
      const replica = startNode(join(REPO_ROOT, 'service/dist/main.js'), { ...serviceEnv, GRPC_PORT: String(grpcPort), HTTP_PORT: String(httpPort) }, join(dir, `service-${index}.log`), profile);
      replicas.push(replica);
      children.add(replica);
      cleanups.push(() => replica.stop());
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.ok, () => false)), `replica ${index} to serve`);
      grpcAddresses.push(`127.0.0.1:${grpcPort}`);
      httpPorts.push(httpPort);
    };
    await startReplica(0);
    const apiKey = await seed(grpcAddresses[0] ?? '', smscPort);
    for (let index = 1; index < replicaCount; index++) await startReplica(index);
    await waitFor(async () => ((await smscStats(smscHttp)).binds ?? 0) >= replicaCount * SMSC_BINDS, 'every replica to bind to the SMSC');

    const callers = callerApi(grpcAddresses, apiKey, 4 * grpcAddresses.length);
    cleanups.push(() => {
      callers.close();
      return Promise.resolve();
    });
    const target: Target = { database, smscPid: () => smsc.pid, replicas, grpcAddresses, httpPorts, smscHttp, sql, callers };
    const results: PhaseFigures[] = [];
    let number = 0;
    const nextNumbers = (count: number) => {
      const first = number;
      number += count;
      return (index: number) => `+49151${String(10_000_000 + first + index)}`;
    };

    // A warm-up so JIT and connection pools are in their steady state.
    const warmUp = smoke ? 100 : 3000;
    const warm = nextNumbers(warmUp);
    const warmed = await closedLoop(warmUp, options.concurrency, (i) =>
      i % 2 === 0
        ? callers.sendMessage({ to: warm(i), text: 'warm-up', idempotencyKey: '' })
        : callers.sendCode({ to: warm(i), channel: Channel.CHANNEL_SMS, locale: 'en', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }),
    );
    if (warmed.ok !== warmUp) throw new Error(`warm-up: ${warmUp - warmed.ok} calls failed: ${[...warmed.errors].map(([name, count]) => `${count}× ${name}`).join('; ')}`);
    await waitForReceipts(target, warmUp, 0);

    const sentCodes: { verificationId: string; to: string }[] = [];
    for (const phase of options.phases) {
      if (phase === 'send-code') {
        const to = nextNumbers(options.n);
        results.push(
          await measure(target, 'SendCode', options.n, true, () =>
            closedLoop(options.n, options.concurrency, async (i) => {
              const response = await callers.sendCode({ to: to(i), channel: Channel.CHANNEL_SMS, locale: 'en', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' });
              sentCodes.push({ verificationId: response.verification?.id ?? '', to: to(i) });
            }),
          ),
        );
      } else if (phase === 'send-message') {
        const to = nextNumbers(options.n);
        results.push(await measure(target, 'SendMessage', options.n, true, () => closedLoop(options.n, options.concurrency, (i) => callers.sendMessage({ to: to(i), text: `Your parcel ${i} is on its way.`, idempotencyKey: '' }))));
      } else if (phase === 'verify-code') {
        if (sentCodes.length === 0) throw new Error('verify-code needs the send-code phase before it');
        const codes = await codesAtSmsc(smscHttp);
        const checks = sentCodes.map(({ verificationId, to }) => ({ verificationId, code: codes.get(to) ?? '' }));
        const missing = checks.filter((check) => check.code === '').length;
        if (missing > 0) throw new Error(`${missing} codes did not reach the SMSC`);
        const wrong = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');
        let approved = 0;
        results.push(
          await measure(target, 'VerifyCode wrong', checks.length, false, () =>
            closedLoop(checks.length, options.concurrency, async (i) => {
              const check = checks[i];
              if (!check) return;
              await callers.verifyCode({ target: { $case: 'verificationId', value: check.verificationId }, code: wrong(check.code) });
            }),
          ),
        );
        results.push(
          await measure(target, 'VerifyCode right', checks.length, false, () =>
            closedLoop(checks.length, options.concurrency, async (i) => {
              const check = checks[i];
              if (!check) return;
              const result = await callers.verifyCode({ target: { $case: 'verificationId', value: check.verificationId }, code: check.code });
              if (result.approved) approved += 1;
            }),
          ),
        );
        if (approved !== checks.length) throw new Error(`${checks.length - approved} right codes were not approved`);
      } else if (phase === 'latency') {
        const total = options.rate * options.latencySeconds;
        const to = nextNumbers(total);
        results.push(
          await measure(target, `SendCode at ${options.rate}/s`, total, true, () =>
            openLoop(total, options.rate, (i) => callers.sendCode({ to: to(i), channel: Channel.CHANNEL_SMS, locale: 'en', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' })),
          ),
        );
      } else {
        // The carrier is down while a backlog is accepted; it comes back and the backlog drains.
        await smsc.stop();
        const to = nextNumbers(options.backlog);
        const accepted = await closedLoop(options.backlog, options.concurrency, (i) => callers.sendMessage({ to: to(i), text: `Backlog ${i}`, idempotencyKey: '' }));
        console.log(`backlog: ${accepted.ok} accepted in ${(accepted.elapsedMs / 1000).toFixed(1)} s while the SMSC was down`);
        smsc = startNode(smscScript, smscEnv, join(dir, 'smsc.log'));
        children.add(smsc);
        cleanups.push(() => smsc.stop());
        await waitFor(async () => (await getJson(`${smscHttp}/stats`)) !== undefined, 'the SMSC simulator to come back');
        results.push(await measure(target, `backlog of ${options.backlog}`, options.backlog, true, () => Promise.resolve({ ...accepted, startedAt: performance.now() }), true));
      }
    }
    await checkNothingLostOrDoubled(target, number);
    return results;
  } catch (error) {
    // The logs are what explains a failed run: they stay.
    failed = true;
    throw error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => { console.error('cleanup failed:', error); });
    if (process.env.BENCH_KEEP_LOGS === undefined && !failed) rmSync(dir, { recursive: true, force: true });
    if (failed) console.error(`logs kept in ${dir}`);
  }
}

/** App, API key, the SMPP provider and the route, created through AdminService as an admin would. */
async function seed(address: string, smscPort: number): Promise<string> {
  const admin = adminApi(address, ADMIN_TOKEN);
  try {
    const { app } = await admin.call<{ app: { id: string } }>('createApp', { app: { name: 'bench', senderId: 'Bench', domain: 'bench.example.com', defaultLocale: 'en', allowedCountries: [], defaultCodeLength: 6, templates: {}, emailTemplates: {} } });
    const { secret } = await admin.call<{ secret: string }>('createApiKey', { appId: app.id });
    await admin.call('createProvider', {
      provider: {
        name: 'smsc',
        kind: ProviderKind.PROVIDER_KIND_SMPP,
        enabled: true,
        channels: [Channel.CHANNEL_SMS],
        settings: { host: '127.0.0.1', port: String(smscPort), systemId: 'bench', binds: String(SMSC_BINDS), windowSize: '100', reconnectMinMs: '200', reconnectMaxMs: '1000' },
        credentials: { password: 'secret' },
        throughputPerSecond: 0,
        burst: 0,
        maxInFlight: 0,
      },
    });
    await admin.call('setPriceTable', { priceTable: { provider: 'smsc', currency: 'EUR', entries: [{ country: 'DE', prefix: '', priceMicros: 50_000 }] } });
    await admin.call('createRouteRule', { rule: { name: 'default', priority: 100, enabled: true, isDefault: true, candidates: ['smsc'], strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, weights: {}, fallback: [] } });
    return secret;
  } finally {
    admin.close();
  }
}

interface SmscStats {
  binds?: number;
  receiptsRejected?: number;
  receiptsRedelivered?: number;
  receiptsAcknowledged?: number;
  receiptsSent?: number;
  messagesCompleted?: number;
  duplicateParts?: number;
  submitsAccepted?: number;
}

async function smscStats(url: string): Promise<SmscStats> {
  return (await getJson<SmscStats>(`${url}/stats`)) ?? {};
}

/**
 * Receipts the service acknowledged (it answers deliver_sm only once the receipt is stored). Fails
 * early, saying what it saw, when nothing moves for a minute or the SMSC stops answering.
 */
async function waitForReceipts(target: Target, count: number, before: number, timeoutMs = 600_000): Promise<number> {
  let acknowledged = before;
  let progressAt = Date.now();
  let unreachable = 0;
  await waitFor(async () => {
    const stats = await getJson<SmscStats>(`${target.smscHttp}/stats`);
    if (stats === undefined) {
      unreachable += 1;
      if (unreachable > 50) throw new Error(`the SMSC simulator stopped answering with ${acknowledged - before} of ${count} receipts stored (see smsc.log)`);
      return false;
    }
    unreachable = 0;
    const now = stats.receiptsAcknowledged ?? acknowledged;
    if (now !== acknowledged) progressAt = Date.now();
    acknowledged = now;
    if (Date.now() - progressAt > 60_000) {
      const undelivered = target.sql ? await undeliveredMessages(target.sql) : '';
      throw new Error(`no receipt stored for 60 s: ${acknowledged - before} of ${count} so far; SMSC ${JSON.stringify(stats)}${undelivered} (see service-*.log)`);
    }
    return acknowledged - before >= count;
  }, `${count} receipts to be stored`, timeoutMs, 20);
  return performance.now();
}

/** What the messages that are not delivered look like, for the error a stalled run ends with. */
async function undeliveredMessages(sql: pg.Client): Promise<string> {
  const { rows } = await sql.query<{ id: string; status: string; lease_owner: string | null; lease_until: Date | null; not_before: Date; last_error: string | null; attempts: unknown }>(
    `select m.id, m.status, m.lease_owner, m.lease_until, m.not_before, m.last_error,
            (select json_agg(json_build_object('status', a.status, 'created', a.created_at, 'submitted', a.submitted_at, 'id', a.provider_message_id, 'error', a.error_message) order by a.created_at)
               from attempt a where a.message_id = m.id) as attempts
       from message m where m.status <> 'delivered' order by m.created_at limit 20`,
  );
  return rows.length === 0 ? '; every stored message is delivered' : `; undelivered (first ${rows.length}):\n${rows.map((row) => `  ${JSON.stringify(row)}`).join('\n')}\n`;
}

async function measure(target: Target, phase: string, n: number, withReceipts: boolean, run: () => Promise<LoadResult>, restarted = false): Promise<PhaseFigures> {
  const statsBefore = await smscStats(target.smscHttp);
  const acknowledgedBefore = restarted ? 0 : (statsBefore.receiptsAcknowledged ?? 0);
  const cpuBefore = target.replicas.map((replica) => cpuMicros(replica.pid));
  const splitBefore = target.replicas.map((replica) => cpuSplit(replica.pid));
  const others = (await otherProcesses()).map((pid) => ({ pid, cpu: safeCpu(pid) }));
  const smscPid = target.smscPid();
  const smscBefore = safeCpu(smscPid);
  const loadBefore = process.cpuUsage();
  const database = target.sql ? await databaseCounters(target.sql) : null;
  const load = await run();
  if (load.ok !== n) {
    const errors = [...load.errors].map(([name, count]) => `${count}× ${name}`).join('; ');
    throw new Error(`${phase}: ${n - load.ok} of ${n} calls failed: ${errors}`);
  }
  const doneAt = withReceipts ? await waitForReceipts(target, n, acknowledgedBefore) : performance.now();
  const cpu = target.replicas.reduce((sum, replica, i) => sum + cpuMicros(replica.pid) - (cpuBefore[i] ?? 0), 0);
  const system = target.replicas.reduce((sum, replica, i) => sum + cpuSplit(replica.pid).system - (splitBefore[i]?.system ?? 0), 0);
  const otherCpu = others.reduce((sum, other) => sum + Math.max(0, safeCpu(other.pid) - other.cpu), 0);
  const statsAfter = await smscStats(target.smscHttp);
  const refused = (statsAfter.receiptsRejected ?? 0) - (restarted ? 0 : (statsBefore.receiptsRejected ?? 0));
  if (refused > 0) console.log(`  ${phase}: ${refused} receipts refused by the service (ESME_RTHROTTLED: too many being stored) and sent again by the SMSC`);
  const loadCpu = process.cpuUsage(loadBefore);
  const smscCpu = smscPid === target.smscPid() ? safeCpu(smscPid) - smscBefore : Number.NaN;
  console.log(
    `  ${phase}: CPU per message: service ${(cpu / n).toFixed(0)} µs (${((100 * system) / Math.max(1, cpu)).toFixed(0)}% system), ` +
      `PostgreSQL ${target.sql ? (otherCpu / n).toFixed(0) : '–'} µs, SMSC simulator ${(smscCpu / n).toFixed(0)} µs, load generator ${((loadCpu.user + loadCpu.system) / n).toFixed(0)} µs`,
  );
  const databaseAfter = target.sql ? await databaseCounters(target.sql) : null;
  const figures: PhaseFigures = {
    database: target.database,
    phase,
    n,
    load,
    endToEndMs: withReceipts ? doneAt - load.startedAt : null,
    cpuMicrosPerMessage: cpu / n,
    peakRssMb: Math.max(...target.replicas.map((replica) => peakRssBytes(replica.pid))) / 2 ** 20,
    writeTxPerMessage: database && databaseAfter ? (databaseAfter.nextXid - database.nextXid) / n : null,
    walBytesPerMessage: database && databaseAfter ? (databaseAfter.walBytes - database.walBytes) / n : null,
  };
  console.log(formatRow(figures));
  return figures;
}

/** PostgreSQL's server processes (by their title), to tell what the database costs per message. */
async function otherProcesses(): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('postgres')) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function safeCpu(pid: number): number {
  try {
    return cpuMicros(pid);
  } catch {
    return 0;
  }
}

async function databaseCounters(sql: pg.Client): Promise<{ nextXid: number; walBytes: number }> {
  // The next transaction id to be assigned counts write transactions exactly (read-only ones get none).
  const result = await sql.query<{ xid: string; wal: string }>(`select pg_snapshot_xmax(pg_current_snapshot())::text as xid, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as wal`);
  const row = result.rows[0];
  return { nextXid: Number(row?.xid ?? 0), walBytes: Number(row?.wal ?? 0) };
}

/** Codes by number, read from the SMS texts at the SMSC (the origin-bound last line `@domain #code`). */
async function codesAtSmsc(url: string): Promise<Map<string, string>> {
  const inbox = (await getJson<{ to: string; text: string }[]>(`${url}/inbox`)) ?? [];
  const codes = new Map<string, string>();
  for (const message of inbox) {
    const code = /#(\d{4,10})$/.exec(message.text)?.[1];
    if (code) codes.set(message.to, code);
  }
  return codes;
}

/** Every number got exactly one message, and every message one stored receipt. */
async function checkNothingLostOrDoubled(target: Target, numbers: number): Promise<void> {
  const stats = await smscStats(target.smscHttp);
  const problems: string[] = [];
  if ((stats.duplicateParts ?? 0) > 0) problems.push(`${stats.duplicateParts} parts reached the SMSC twice`);
  if (target.sql) {
    const sql = target.sql;
    // A receipt that overtook its submit's commit is kept and matched a moment later: let it settle.
    let byStatus: Record<string, number> = {};
    await waitFor(async () => {
      const { rows } = await sql.query<{ status: string; n: string }>(`select status, count(*)::text as n from message group by status`);
      byStatus = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
      return (byStatus.delivered ?? 0) >= numbers;
    }, 'every message to be delivered', 30_000, 200).catch(() => undefined);
    const { rows: perNumber } = await target.sql.query<{ n: string }>(`select count(*)::text as n from (select "to" from attempt a join message m on m.id = a.message_id group by "to" having count(*) > 1) d`);
    if ((byStatus.delivered ?? 0) !== numbers) problems.push(`${byStatus.delivered ?? 0} of ${numbers} messages delivered (${JSON.stringify(byStatus)})`);
    if (Number(perNumber[0]?.n ?? 0) > 0) problems.push(`${perNumber[0]?.n} numbers had more than one attempt`);
  }
  if (problems.length > 0) throw new Error(`lost or doubled: ${problems.join('; ')}`);
  console.log(`checked: ${numbers} numbers, each sent once${target.sql ? ' and delivered' : ''}; ${stats.duplicateParts ?? 0} duplicate parts at the SMSC`);
}

function formatRow(f: PhaseFigures): string {
  const seconds = f.load.elapsedMs / 1000;
  const cells = [
    f.database,
    f.phase,
    String(f.n),
    (f.load.ok / seconds).toFixed(0),
    quantile(f.load.latenciesMs, 0.5).toFixed(1),
    quantile(f.load.latenciesMs, 0.99).toFixed(1),
    f.endToEndMs === null ? '–' : (f.n / (f.endToEndMs / 1000)).toFixed(0),
    f.cpuMicrosPerMessage.toFixed(0),
    f.writeTxPerMessage === null ? '–' : f.writeTxPerMessage.toFixed(2),
    f.walBytesPerMessage === null ? '–' : f.walBytesPerMessage.toFixed(0),
    f.peakRssMb.toFixed(0),
  ];
  return `| ${cells.join(' | ')} |`;
}

function printTable(figures: readonly PhaseFigures[]): void {
  console.log('\n| database | phase | n | answered/s | answer p50 ms | answer p99 ms | end-to-end msg/s | service CPU µs/msg | write tx/msg | WAL bytes/msg | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const f of figures) console.log(formatRow(f));
  console.log('\nend-to-end: first request to last receipt stored. CPU: every replica, user + system, over the whole phase.');
}

await main();
// Everything it started is stopped by now; a stray handle (one kept a full run alive for 40
// minutes after it printed its table) must not keep a finished run from exiting.
process.exit(0);
