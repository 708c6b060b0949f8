import { describe, expect, it } from 'vitest';
import { decodeLines, encodeLine } from './journal.frame.js';

const records = [{ n: 1 }, { n: 2, text: 'ünïcødé ✓\nline' }, { n: 3 }];

function file(values: readonly object[]): Buffer {
  return Buffer.concat(values.map((value) => encodeLine(value)));
}

describe('encodeLine', () => {
  it('writes one line: the CRC-32 in hex, a space, the JSON', () => {
    const line = encodeLine({ n: 1 }).toString('utf8');
    expect(line).toMatch(/^[0-9a-f]{8} \{"n":1\}\n$/);
  });

  it('keeps a line break inside a value escaped, so a record is exactly one line', () => {
    expect(encodeLine({ text: 'a\nb' }).toString('utf8').split('\n')).toHaveLength(2);
  });
});

describe('decodeLines', () => {
  it('reads back every value with its offset and line number', () => {
    const bytes = file(records);
    const decoded = decodeLines(bytes);
    expect(decoded.lines.map((l) => l.value)).toEqual(records);
    expect(decoded.lines.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(decoded.lines[1]?.offset).toBe(encodeLine(records[0] ?? {}).length);
    expect(decoded).toMatchObject({ validLength: bytes.length, discardedTailBytes: 0 });
  });

  it('discards a last line cut at any byte, keeping the lines before it', () => {
    const bytes = file(records);
    const lastStart = file(records.slice(0, 2)).length;
    for (let cut = lastStart; cut < bytes.length; cut++) {
      const decoded = decodeLines(bytes.subarray(0, cut));
      expect(decoded.lines.map((l) => l.value)).toEqual(records.slice(0, 2));
      expect(decoded).toMatchObject({ validLength: lastStart, discardedTailBytes: cut - lastStart });
      expect(decoded.damage).toBeUndefined();
    }
  });

  it('discards a tail of zeros, as a power cut can leave after the file grew', () => {
    const good = file(records);
    const decoded = decodeLines(Buffer.concat([good, Buffer.alloc(4096)]));
    expect(decoded.lines).toHaveLength(3);
    expect(decoded).toMatchObject({ validLength: good.length, discardedTailBytes: 4096 });
  });

  it('discards a complete last line whose checksum fails: it cannot be told from a torn write', () => {
    const bytes = file(records);
    bytes[bytes.length - 3] = 0x39; // inside the last JSON value
    const decoded = decodeLines(bytes);
    expect(decoded.lines).toHaveLength(2);
    expect(decoded.damage).toBeUndefined();
  });

  it('reports a damaged line followed by a valid one, with its offset and line', () => {
    const bytes = file(records);
    const secondStart = encodeLine(records[0] ?? {}).length;
    bytes[secondStart + 12] = (bytes[secondStart + 12] ?? 0) ^ 0x01;
    const decoded = decodeLines(bytes);
    expect(decoded.damage).toEqual({ offset: secondStart, line: 2, reason: 'checksum mismatch' });
    expect(decoded.lines.map((l) => l.value)).toEqual(records.slice(0, 1));
  });

  it('reports a line that is no frame at all, before a valid one, as damage', () => {
    const bytes = Buffer.concat([file(records.slice(0, 1)), Buffer.from('hello\n'), file(records.slice(1))]);
    expect(decodeLines(bytes).damage).toMatchObject({ line: 2, reason: 'not a frame' });
  });
});
