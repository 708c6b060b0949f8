import { describe, expect, it } from 'vitest';
import { LineSplitter, type OutputFragment } from './line-splitter.js';

const line = (text: string): OutputFragment => ({ kind: 'line', text });
const PROMPT: OutputFragment = { kind: 'prompt' };

function split(...chunks: string[]): OutputFragment[] {
  const splitter = new LineSplitter();
  return chunks.flatMap((chunk) => splitter.push(chunk));
}

describe('LineSplitter', () => {
  it('ends lines at CR LF and drops the empty ones between', () => {
    expect(split('\r\n+CSQ: 17,99\r\n\r\nOK\r\n')).toEqual([line('+CSQ: 17,99'), line('OK')]);
  });

  it('ends lines at a lone LF', () => {
    expect(split('+CSQ: 17,99\nOK\n')).toEqual([line('+CSQ: 17,99'), line('OK')]);
  });

  it('ends an echoed command at its lone CR', () => {
    expect(split('AT+CMGF=0\r\r\nOK\r\n')).toEqual([line('AT+CMGF=0'), line('OK')]);
  });

  it('holds a partial line until its end arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('\r\nO')).toEqual([]);
    expect(splitter.push('K')).toEqual([]);
    expect(splitter.push('\r\n')).toEqual([line('OK')]);
  });

  it('sees the prompt though no line end follows it', () => {
    expect(split('AT+CMGS=23\r\r\n> ')).toEqual([line('AT+CMGS=23'), PROMPT]);
  });

  it('sees a prompt without its space, and one split from its space', () => {
    expect(split('\r\n>')).toEqual([PROMPT]);
    expect(split('\r\n>', ' ', '0011\x1a\r\n')).toEqual([PROMPT, line('0011')]);
  });

  it('reads the PDU echoed after the prompt as a line of its own, Ctrl-Z dropped', () => {
    expect(split('\r\n> 0011000B91\x1a\r\n+CMGS: 4\r\n')).toEqual([PROMPT, line('0011000B91'), line('+CMGS: 4')]);
  });

  it('does not take a ">" inside a line for the prompt', () => {
    expect(split('+CMGL: 1,0,"a>b",23\r\n')).toEqual([line('+CMGL: 1,0,"a>b",23')]);
  });

  it('drops NULs and other control characters of power-up noise', () => {
    expect(split('\x00\x00RDY\r\n')).toEqual([line('RDY')]);
  });
});
