import { describe, expect, it } from 'vitest';
import { STATUS, encodeStatusReport } from './sms-status-report.js';

describe('encodeStatusReport', () => {
  it('writes the +CDS status report of amro.blogspot.com ("receiving an SMS status report message", 2007) byte for byte', () => {
    const report = encodeStatusReport({
      messageReference: 0,
      recipient: '+20121875612',
      submittedAt: new Date('2007-09-12T15:10:12+02:00'),
      dischargedAt: new Date('2007-09-12T15:10:17+02:00'),
      status: STATUS.delivered,
      zoneQuarterHours: 8,
      serviceCentre: null,
    });

    expect(report.hex).toBe('06000B910221815716F2709021510121807090215101718000');
    expect(report.tpduLength).toBe(25);
  });

  it('puts the SMSC address in front when asked, keeps it out of the length and writes a failed TP-ST', () => {
    const report = encodeStatusReport({
      messageReference: 255,
      recipient: '+4915112345678',
      submittedAt: new Date('2026-01-02T03:04:05Z'),
      dischargedAt: new Date('2026-01-02T03:04:35Z'),
      status: STATUS.remoteProcedureError,
      zoneQuarterHours: -20,
      serviceCentre: '+491710760000',
    });

    // Local time 2026-01-01 22:04:05 at −05:00: 20 quarter hours, tens digit 2 in the low
    // semi-octet with the sign bit 0x08 beside it, so 0x0A (23.040 §9.2.3.11).
    expect(report.hex).toBe('0791947101670000' + '06FF' + '0D91945111325476F8' + '6210102240500A' + '6210102240530A' + '41');
    expect(report.tpduLength).toBe(2 + 9 + 7 + 7 + 1);
  });
});
