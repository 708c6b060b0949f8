import { describe, expect, it } from 'vitest';
import { decodeReceivedPdu } from './received-pdu.js';
import type { SmsStatusReport } from './status-report-decoder.js';
import { StatusReportMatcher } from './status-report-matcher.js';

// python-gsmmodem's status report (github.com/faucamp/python-gsmmodem, test/test_pdu.py):
// TP-MR 214 (0xD6), recipient +31628870634, TP-ST 00. The status octet is swapped per test.
const REPORT = '0006D60B911326880736F41110117195514011101171957140';

function report(status = '00', reference = 'D6', recipient = '0B911326880736F4'): SmsStatusReport {
  const hex = `0006${reference}${recipient}${REPORT.slice(22)}${status}`;
  const { tpdu } = decodeReceivedPdu(hex);
  if (tpdu.type !== 'sms-status-report') throw new Error('expected a status report');
  return tpdu;
}

describe('StatusReportMatcher', () => {
  it('finds the part by reference and recipient, then forgets it once the report is final', () => {
    const matcher = new StatusReportMatcher<string>();
    matcher.record(214, '+31628870634', 'message-1/part-1');
    expect(matcher.match(report())).toBe('message-1/part-1');
    expect(matcher.outstanding).toBe(0);
    expect(matcher.match(report())).toBeUndefined();
  });

  it('keeps the part after a "still trying" report, for the final one', () => {
    const matcher = new StatusReportMatcher<string>();
    matcher.record(214, '+31628870634', 'message-1/part-1');
    expect(matcher.match(report('20'))).toBe('message-1/part-1');
    expect(matcher.match(report('00'))).toBe('message-1/part-1');
    expect(matcher.outstanding).toBe(0);
  });

  it('tells apart two parts that share a reference by their recipients', () => {
    const matcher = new StatusReportMatcher<string>();
    matcher.record(214, '+4670000000', 'to-sweden');
    matcher.record(214, '+31628870634', 'to-netherlands');
    expect(matcher.match(report())).toBe('to-netherlands');
    expect(matcher.outstanding).toBe(1);
  });

  it('takes the only part awaiting a reference when the SC writes the recipient differently', () => {
    const matcher = new StatusReportMatcher<string>();
    matcher.record(214, '+31628870634', 'only');
    // Recipient in national format: 0628870634, type 0x81.
    expect(matcher.match(report('00', 'D6', '0A816082786043'))).toBe('only');
  });

  it('matches nothing for an unknown reference, or an ambiguous one', () => {
    const matcher = new StatusReportMatcher<string>();
    expect(matcher.match(report())).toBeUndefined();
    matcher.record(214, '+4670000001', 'a');
    matcher.record(214, '+4670000002', 'b');
    expect(matcher.match(report())).toBeUndefined();
    expect(matcher.outstanding).toBe(2);
  });

  it('lets a reused reference to the same recipient replace the older part', () => {
    const matcher = new StatusReportMatcher<string>();
    matcher.record(214, '+31628870634', 'old');
    matcher.record(214, '+31628870634', 'new');
    expect(matcher.outstanding).toBe(1);
    expect(matcher.match(report())).toBe('new');
  });
});
