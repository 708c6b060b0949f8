import { describe, expect, it } from 'vitest';
import { classifyFailure } from './error-classification.js';
import { parseFinalResultCode } from './final-result-code.js';

function classify(line: string) {
  const result = parseFinalResultCode(line);
  if (result === undefined || result.kind === 'ok') throw new Error(`${line} is not a failure`);
  return classifyFailure(result);
}

describe('classifyFailure: +CMS ERROR (27.005 §3.2.5)', () => {
  it.each([
    [1, 'permanent', 'unassigned (unallocated) number'],
    [21, 'permanent', 'short message transfer rejected'],
    [38, 'retryable', 'network out of order'],
    [41, 'retryable', 'temporary failure'],
    [42, 'retryable', 'congestion'],
    [47, 'retryable', 'resources unavailable, unspecified'],
    [195, 'permanent', 'invalid SME address'],
    [304, 'permanent', 'invalid PDU mode parameter'],
    [305, 'permanent', 'invalid text mode parameter'],
    [310, 'modem-fault', '(U)SIM not inserted'],
    [322, 'modem-fault', 'memory full'],
    [330, 'retryable', 'SMSC address unknown'],
    [331, 'retryable', 'no network service'],
    [332, 'retryable', 'network timeout'],
    [500, 'retryable', 'unknown error'],
  ])('classifies %i as %s (%s)', (code, disposition, reason) => {
    expect(classify(`+CMS ERROR: ${code}`)).toEqual({ disposition, reason: `+CMS ERROR ${code}: ${reason}` });
  });

  it.each([
    [0x85, 'permanent'],
    [0xd7, 'modem-fault'],
    [0xe0, 'retryable'],
    [600, 'retryable'],
  ])('classifies unlisted code %i by its range as %s', (code, disposition) => {
    expect(classify(`+CMS ERROR: ${code}`).disposition).toBe(disposition);
  });

  it('classifies the text form by the standard wording, whatever the case and punctuation', () => {
    expect(classify('+CMS ERROR: Invalid PDU mode parameter')).toEqual({
      disposition: 'permanent',
      reason: '+CMS ERROR: Invalid PDU mode parameter',
    });
    expect(classify('+CMS ERROR: SIM not inserted').disposition).toBe('modem-fault');
  });

  it('takes a wording it does not know as retryable, keeping the text', () => {
    expect(classify('+CMS ERROR: something odd happened')).toEqual({
      disposition: 'retryable',
      reason: '+CMS ERROR: something odd happened',
    });
  });
});

describe('classifyFailure: +CME ERROR (27.007 §9.2)', () => {
  it.each([
    [10, 'modem-fault', 'SIM not inserted'],
    [11, 'modem-fault', 'SIM PIN required'],
    [12, 'modem-fault', 'SIM PUK required'],
    [13, 'modem-fault', 'SIM failure'],
    [14, 'retryable', 'SIM busy'],
    [16, 'modem-fault', 'incorrect password'],
    [21, 'permanent', 'invalid index'],
    [30, 'retryable', 'no network service'],
    [100, 'retryable', 'unknown'],
  ])('classifies %i as %s (%s)', (code, disposition, reason) => {
    expect(classify(`+CME ERROR: ${code}`)).toEqual({ disposition, reason: `+CME ERROR ${code}: ${reason}` });
  });

  it('classifies "SIM PIN required" in text form as a modem fault', () => {
    expect(classify('+CME ERROR: SIM PIN required').disposition).toBe('modem-fault');
  });

  it('does not mistake +CME 21 (invalid index) for +CMS 21 (transfer rejected)', () => {
    expect(classify('+CME ERROR: 21').reason).toBe('+CME ERROR 21: invalid index');
  });
});

describe('classifyFailure: other failures', () => {
  it('takes a bare ERROR as retryable', () => {
    expect(classify('ERROR').disposition).toBe('retryable');
  });

  it.each(['NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE'])('takes %s as retryable', (line) => {
    expect(classify(line)).toEqual({ disposition: 'retryable', reason: line });
  });

  it('takes a command the modem does not support as a modem fault', () => {
    expect(classify('COMMAND NOT SUPPORT').disposition).toBe('modem-fault');
  });
});
