import { describe, expect, it } from 'vitest';
import { behaviourToJson, parseBehaviourPatch } from './smsc-behaviour.js';

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
  ])('refuses %j naming %s', (body, field) => {
    expect(parseBehaviourPatch(body)).toMatchObject({ ok: false, field });
  });
});

describe('behaviourToJson', () => {
  it('names known command statuses so GET output can be PUT back', () => {
    const json = behaviourToJson({
      failSubmits: { commandStatus: 0x58, count: 1 },
      failBinds: { commandStatus: 0x08, count: null },
      receipts: 'drop',
      receiptDelayMs: 5,
      answerEnquireLink: true,
      answerSubmits: true,
    });

    expect(json.failSubmits).toEqual({ commandStatus: 'ESME_RTHROTTLED', count: 1 });
    expect(json.failBinds).toEqual({ commandStatus: 'ESME_RSYSERR', count: null });
    expect(parseBehaviourPatch(JSON.parse(JSON.stringify(json)))).toMatchObject({
      ok: true,
      patch: { failSubmits: { commandStatus: 0x58, count: 1 }, failBinds: { commandStatus: 0x08, count: null } },
    });
  });
});
