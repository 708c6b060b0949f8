/**
 * SMPP throughput benchmark (not a test): how many submits per second one provider pushes through
 * the SMSC simulator over loopback, and how long each waits for its submit_sm_resp, for a few
 * bind layouts and window sizes. The simulator runs in the same process, so the figures include
 * its cost too: they compare layouts on one machine, they are not a carrier's capacity.
 *
 * Run after a build: `node dist/providers/smpp/smpp.bench.js`.
 */
import { SmscSimulator } from '@switchboard/simulators/smsc';
import type { OutboundSms } from '../channel-provider.js';
import type { BindMode } from './smpp-provider-options.js';
import { SmppProvider } from './smpp.provider.js';

interface Scenario {
  readonly name: string;
  readonly bindMode: BindMode;
  readonly binds: number;
  readonly windowSize: number;
  readonly text: string;
  readonly messages: number;
  /** Submits in flight at once from the caller (the dispatcher's concurrency). */
  readonly concurrency: number;
}

const SHORT = 'Your verification code is 482913. It expires in 10 minutes.';
const LONG = 'Your order 4711 has shipped and will arrive on Tuesday between 10:00 and 12:00. '.repeat(5).slice(0, 400);

const SCENARIOS: readonly Scenario[] = [
  { name: '1 transceiver, window 1', bindMode: 'transceiver', binds: 1, windowSize: 1, text: SHORT, messages: 3000, concurrency: 50 },
  { name: '1 transceiver, window 10', bindMode: 'transceiver', binds: 1, windowSize: 10, text: SHORT, messages: 10_000, concurrency: 50 },
  { name: '2 tx+rx pairs, window 10', bindMode: 'pair', binds: 2, windowSize: 10, text: SHORT, messages: 10_000, concurrency: 50 },
  { name: '2 tx+rx pairs, window 10, 400-char texts (3 parts)', bindMode: 'pair', binds: 2, windowSize: 10, text: LONG, messages: 3000, concurrency: 50 },
];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(scenario: Scenario): Promise<void> {
  const simulator = new SmscSimulator({ smppPort: 0, httpPort: 0, receiptDelayMs: 0 });
  const { smppPort } = await simulator.start();
  let receipts = 0;
  const provider = new SmppProvider({
    name: 'bench',
    host: '127.0.0.1',
    port: smppPort,
    systemId: 'switchboard',
    password: 'secret',
    sourceAddr: 'Bench',
    bindMode: scenario.bindMode,
    binds: scenario.binds,
    windowSize: scenario.windowSize,
    receiptSink: () => {
      receipts += 1;
      return Promise.resolve();
    },
  });
  await provider.start();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= scenario.messages) return;
      const message: OutboundSms = { messageId: `m${i}`, attemptId: `a${i}`, to: `+49151${String(10_000_000 + i)}`, from: '', text: scenario.text };
      const t0 = performance.now();
      await provider.submit(message);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const parts = simulator.stats().submitsAccepted;
  const deadline = Date.now() + 10_000;
  while (receipts < parts && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await provider.stop();
  await simulator.stop();
  latencies.sort((a, b) => a - b);
  console.log(
    `${scenario.name.padEnd(52)} ${String(scenario.messages).padStart(6)} msgs  ${(scenario.messages / seconds).toFixed(0).padStart(6)} msg/s  ` +
      `${(parts / seconds).toFixed(0).padStart(6)} submit_sm/s  submit p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms  ` +
      `receipts ${receipts}/${parts}`,
  );
}

console.log(`SMPP provider → SMSC simulator over loopback (both in this process), Node ${process.version}`);
for (const scenario of SCENARIOS) await run(scenario);
