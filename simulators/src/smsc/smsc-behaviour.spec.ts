import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, behaviourToJson, parseBehaviourPatch } from './smsc-behaviour.js';

describe('parseBehaviourPatch', () => {
  it.each([
    [{}, {}],
    [{ receipts: 'failed' }, { receipts: 'failed' }],
    [{ receiptDelayMs: 0, answerEnquireLink: false }, { receiptDelayMs: 0, answerEnquireLink: false }],
    [{ answerSubmits: false }, { answerSubmits: false }],
    [{ failSubmits: null }, { failSubmits: null }],
    [{ failSubmits: { commandStatus: 'ESME_RTHROTTLED', count: 2 } }, { failSubmits: { commandStatus: 0x58, count: 2 } }],
    [{ failSubmits: { commandStatus: 11 } }, { failSubmits: { commandStatus: 11, count: null } }],
    [{ failSubmits: { commandStatus: '0x14', count: null } }, { failSubmits: { commandStatus: 0x14, count: null } }],
    [{ failBinds: { commandStatus: 'ESME_RBINDFAIL', count: 3 } }, { failBinds: { commandStatus: 0x0d, count: 3 } }],
    [{ failBinds: null }, { failBinds: null }],
    [{ receipts: 'expired' }, { receipts: 'expired' }],
    [{ nextReceipts: ['expired', 'drop'] }, { nextReceipts: ['expired', 'drop'] }],
    [{ receiptsByDestination: { '+49 151 12345678': 'rejected' } }, { receiptsByDestination: { '4915112345678': 'rejected' } }],
    [
      { receiptStyle: 'tlv', receiptIdFormat: 'hex', messageIdFormat: 'decimal', receiptDateSeconds: true },
      { receiptStyle: 'tlv', receiptIdFormat: 'hex', messageIdFormat: 'decimal', receiptDateSeconds: true },
    ],
    [{ intermediateReceiptState: 'ACCEPTD' }, { intermediateReceiptState: 'ACCEPTD' }],
    [{ maxTps: 5, window: 2, submitLatencyMs: 50 }, { maxTps: 5, window: 2, submitLatencyMs: 50 }],
    [{ maxTps: null, window: null }, { maxTps: null, window: null }],
    [{ submitErrorRate: 0.25, submitErrorStatus: 'ESME_RSUBMITFAIL' }, { submitErrorRate: 0.25, submitErrorStatus: 0x45 }],
    [{ dropSubmitResponses: { count: 2 } }, { dropSubmitResponses: { count: 2, rate: 1 } }],
    [{ dropSubmitResponses: { rate: 0.1 } }, { dropSubmitResponses: { count: null, rate: 0.1 } }],
    [{ dropSubmitResponses: null, lateSubmitResponseMs: 300 }, { dropSubmitResponses: null, lateSubmitResponseMs: 300 }],
    [{ disconnectAfterSubmits: { count: 3 } }, { disconnectAfterSubmits: { count: 3, repeat: false } }],
    [{ disconnectAfterSubmits: { count: 3, repeat: true } }, { disconnectAfterSubmits: { count: 3, repeat: true } }],
    [{ disconnectEveryMs: 1000, maxBindsPerSystemId: 2, seed: 42 }, { disconnectEveryMs: 1000, maxBindsPerSystemId: 2, seed: 42 }],
  ])('accepts %j', (body, patch) => {
    expect(parseBehaviourPatch(body)).toEqual({ ok: true, patch });
  });

  it.each([
    [null, 'body'],
    ['delivered', 'body'],
    [{ receipts: 'sometimes' }, 'receipts'],
    [{ receiptDelayMs: -1 }, 'receiptDelayMs'],
    [{ receiptDelayMs: '20' }, 'receiptDelayMs'],
    [{ answerEnquireLink: 'no' }, 'answerEnquireLink'],
    [{ colour: 'blue' }, 'colour'],
    [{ failSubmits: { commandStatus: 'ESME_NOPE' } }, 'failSubmits.commandStatus'],
    [{ failSubmits: { commandStatus: 0 } }, 'failSubmits.commandStatus'],
    [{ failSubmits: { commandStatus: 'ESME_RTHROTTLED', count: 0 } }, 'failSubmits.count'],
    [{ failSubmits: { commandStatus: 'ESME_RTHROTTLED', times: 2 } }, 'failSubmits.times'],
    [{ failSubmits: 'always' }, 'failSubmits'],
    [{ failBinds: { commandStatus: 0 } }, 'failBinds.commandStatus'],
    [{ receiptsByDestination: { '+4915112345678': 'lost' } }, 'receiptsByDestination.+4915112345678'],
    [{ receiptsByDestination: { nobody: 'failed' } }, 'receiptsByDestination.nobody'],
    [{ receiptStyle: 'xml' }, 'receiptStyle'],
    [{ nextReceipts: ['delivered', 'late'] }, 'nextReceipts.1'],
    [{ receiptIdFormat: 'octal' }, 'receiptIdFormat'],
    [{ messageIdFormat: 'uuid' }, 'messageIdFormat'],
    [{ maxTps: 0 }, 'maxTps'],
    [{ window: 1.5 }, 'window'],
    [{ submitLatencyMs: -1 }, 'submitLatencyMs'],
    [{ submitErrorRate: 1.5 }, 'submitErrorRate'],
    [{ submitErrorStatus: 'ESME_ROK' }, 'submitErrorStatus'],
    [{ dropSubmitResponses: { rate: 2 } }, 'dropSubmitResponses.rate'],
    [{ dropSubmitResponses: { count: 0 } }, 'dropSubmitResponses.count'],
    [{ lateSubmitResponseMs: 'soon' }, 'lateSubmitResponseMs'],
    [{ disconnectAfterSubmits: { repeat: true } }, 'disconnectAfterSubmits.count'],
    [{ disconnectEveryMs: 1 }, 'disconnectEveryMs'],
    [{ maxBindsPerSystemId: 0 }, 'maxBindsPerSystemId'],
    [{ seed: -1 }, 'seed'],
  ])('refuses %j naming %s', (body, field) => {
    expect(parseBehaviourPatch(body)).toMatchObject({ ok: false, field });
  });
});

describe('behaviourToJson', () => {
  it('names known command statuses so GET output can be PUT back', () => {
    const json = behaviourToJson({
      ...DEFAULT_BEHAVIOUR,
      failSubmits: { commandStatus: 0x58, count: 1 },
      failBinds: { commandStatus: 0x08, count: null },
      submitErrorStatus: 0x45,
    });

    expect(json.failSubmits).toEqual({ commandStatus: 'ESME_RTHROTTLED', count: 1 });
    expect(json.failBinds).toEqual({ commandStatus: 'ESME_RSYSERR', count: null });
    expect(json.submitErrorStatus).toBe('ESME_RSUBMITFAIL');
    expect(parseBehaviourPatch(JSON.parse(JSON.stringify(json)))).toMatchObject({
      ok: true,
      patch: { ...DEFAULT_BEHAVIOUR, failSubmits: { commandStatus: 0x58, count: 1 }, failBinds: { commandStatus: 0x08, count: null }, submitErrorStatus: 0x45 },
    });
  });
});
