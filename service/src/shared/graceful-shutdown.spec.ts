import { describe, expect, it } from 'vitest';
import { stopOnSignals, type SignalTarget } from './graceful-shutdown.js';
import { recordingLogger } from './logger-fixtures.js';

/** A process stand-in: signals are raised by hand, exits are recorded (and resolve `exited`). */
function fakeProcess() {
  const handlers = new Map<string, () => void>();
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const nextExit = () => new Promise<number>((resolve) => { exited = resolve; });
  const target: SignalTarget = {
    on: (signal, handler) => handlers.set(signal, handler),
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  };
  return { target, exits, nextExit, raise: (signal: 'SIGINT' | 'SIGTERM') => handlers.get(signal)?.() };
}

describe('stopOnSignals', () => {
  it('stops on SIGTERM and exits 0 once the stop resolves', async () => {
    const proc = fakeProcess();
    const logger = recordingLogger();
    let stopped = 0;
    stopOnSignals({ stop: () => { stopped += 1; return Promise.resolve(); }, logger, deadlineMs: 10_000, target: proc.target });

    const exit = proc.nextExit();
    proc.raise('SIGTERM');
    expect(await exit).toBe(0);
    expect(stopped).toBe(1);
    expect(logger.at('info')).toEqual([{ obj: { signal: 'SIGTERM' }, msg: 'shutting down' }]);
  });

  it('exits 1 and logs why when the stop fails', async () => {
    const proc = fakeProcess();
    const logger = recordingLogger();
    const failure = new Error('database gone');
    stopOnSignals({ stop: () => Promise.reject(failure), logger, deadlineMs: 10_000, target: proc.target });

    const exit = proc.nextExit();
    proc.raise('SIGINT');
    expect(await exit).toBe(1);
    expect(logger.at('error')).toEqual([{ obj: { err: failure }, msg: 'shutdown failed' }]);
  });

  it('exits 1 at once on a second signal, without stopping twice', async () => {
    const proc = fakeProcess();
    const logger = recordingLogger();
    let stopped = 0;
    stopOnSignals({ stop: () => { stopped += 1; return new Promise(() => undefined); }, logger, deadlineMs: 10_000, target: proc.target });

    proc.raise('SIGINT');
    const exit = proc.nextExit();
    proc.raise('SIGINT');
    expect(await exit).toBe(1);
    expect(stopped).toBe(1);
    expect(logger.at('warn')).toEqual([{ obj: { signal: 'SIGINT' }, msg: 'second signal: exiting now' }]);
  });

  it('exits 1 when the stop hangs past the deadline', async () => {
    const proc = fakeProcess();
    const logger = recordingLogger();
    stopOnSignals({ stop: () => new Promise(() => undefined), logger, deadlineMs: 20, target: proc.target });

    const exit = proc.nextExit();
    proc.raise('SIGTERM');
    expect(await exit).toBe(1);
    expect(logger.at('error')).toEqual([{ obj: { timeoutMs: 20 }, msg: 'shutdown did not finish in time; exiting' }]);
  });
});
