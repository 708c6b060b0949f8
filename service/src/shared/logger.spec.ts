import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createLogger', () => {
  it('writes one JSON object per line by default, secrets redacted', () => {
    const out = captured();
    createLogger('info', out.stream).info({ provider: 'carrier', password: 'hunter2' }, 'provider ready');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, service: 'switchboard', provider: 'carrier', password: '[redacted]', msg: 'provider ready' });
  });

  it('writes readable lines for a terminal when asked, with the same redaction', () => {
    const out = captured();
    const logger = createLogger('info', out.stream, 'pretty');
    logger.warn({ provider: 'carrier', credentials: { password: 'hunter2' } }, 'provider unreachable; retrying');
    logger.debug({}, 'not at this level');
    const text = out.text();
    expect(text).toMatch(/WARN.*provider unreachable; retrying/);
    expect(text).toContain('carrier');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('not at this level');
    expect(() => JSON.parse(text.split('\n')[0] ?? '') as unknown).toThrow();
  });
});
