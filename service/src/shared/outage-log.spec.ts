import { describe, expect, it } from 'vitest';
import { recordingLogger } from './logger-fixtures.js';
import { OutageLog } from './outage-log.js';

describe('OutageLog', () => {
  it('warns once per reason, repeats at debug, and reports the recovery with how long it was down', () => {
    const logger = recordingLogger();
    let now = 1_000;
    const outage = new OutageLog(logger, { provider: 'carrier' }, () => now);
    const refused = new Error('connect ECONNREFUSED 10.0.0.1:2775');
    for (let n = 0; n < 5; n++) {
      outage.failed(refused, 'provider unreachable; retrying');
      now += 30_000;
    }
    outage.failed(new Error('connect ETIMEDOUT 10.0.0.1:2775'), 'provider unreachable; retrying');
    outage.recovered('provider reachable again');

    expect(logger.at('warn').map((entry) => (entry.obj as { err: Error }).err.message)).toEqual(['connect ECONNREFUSED 10.0.0.1:2775', 'connect ETIMEDOUT 10.0.0.1:2775']);
    expect(logger.at('debug')).toHaveLength(4);
    expect(logger.at('info')).toEqual([{ obj: { provider: 'carrier', failures: 6, downMs: 150_000 }, msg: 'provider reachable again' }]);
  });

  it('says nothing on success without an outage, and starts afresh after a recovery', () => {
    const logger = recordingLogger();
    const outage = new OutageLog(logger, {});
    outage.recovered('reachable again');
    outage.failed(new Error('down'), 'unreachable');
    outage.recovered('reachable again');
    outage.failed(new Error('down'), 'unreachable');
    expect(logger.entries.map((entry) => entry.level)).toEqual(['warn', 'info', 'warn']);
    expect(outage.failures).toBe(1);
  });
});
