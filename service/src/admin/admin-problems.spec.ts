import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { assertId, invalidArgument, protoFieldPath, toProtoProblems } from './admin-problems.js';

describe('protoFieldPath', () => {
  it.each([
    ['match.prefixes[2]', 'match.prefixes[2]'],
    ['match.timeWindow.timeZone', 'match.time_window.time_zone'],
    ['fallback[0].receiptTimeoutSeconds', 'fallback[0].receipt_timeout_seconds'],
    ['isDefault', 'is_default'],
    ['entries[3].priceMicros', 'entries[3].price_micros'],
  ])('spells %s as the proto does: %s', (path, expected) => {
    expect(protoFieldPath(path)).toBe(expected);
  });

  it.each([
    ['weights.SmscA', 'weights.SmscA'],
    ['settings.systemId', 'settings.systemId'],
    ['credentials.apiKey', 'credentials.apiKey'],
    ['templates.myLogin.texts.de-CH', 'templates.myLogin.texts.de-CH'],
    ['emailTemplates.zhHant.html', 'email_templates.zhHant.html'],
  ])('keeps map keys as given: %s', (path, expected) => {
    expect(protoFieldPath(path)).toBe(expected);
  });
});

describe('toProtoProblems', () => {
  it('prefixes the field with the request field and rewrites it', () => {
    expect(toProtoProblems('rule.', [{ field: 'match.timeWindow.start', reason: 'bad' }])).toEqual([{ field: 'rule.match.time_window.start', reason: 'bad' }]);
  });
});

describe('invalidArgument', () => {
  it('names the only problem as it is', () => {
    const error = invalidArgument([{ field: 'provider.name', reason: 'is required' }]);
    expect(error.field).toBe('provider.name');
    expect(error.message).toBe('provider.name: is required');
  });

  it('names the first of several problems and lists all in the message', () => {
    const error = invalidArgument([
      { field: 'app.name', reason: 'is required' },
      { field: 'app.sender_id', reason: 'is too long' },
    ]);
    expect(error.field).toBe('app.name');
    expect(error.message).toContain('all 2 problems');
    expect(error.message).toContain('app.sender_id: is too long');
  });
});

describe('assertId', () => {
  it('accepts a UUID', () => {
    expect(() => { assertId('6f1c2b0e-8a55-4b8e-9a43-0c1d2e3f4a5b', 'id'); }).not.toThrow();
  });

  it.each(['', 'not-a-uuid', "1' or '1'='1"])('refuses %j before it reaches SQL', (value) => {
    expect(() => { assertId(value, 'app_id'); }).toThrow(InvalidArgumentError);
  });
});
