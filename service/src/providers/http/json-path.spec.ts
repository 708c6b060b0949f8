import { describe, expect, it } from 'vitest';
import { JsonPathError, parseJsonPath, readJsonPath, readText } from './json-path.js';

describe('json paths', () => {
  const answer = {
    sid: 'SM1',
    message_uuid: ['u-1'],
    messages: [
      { status: '0', 'message-id': 'A1' },
      { status: '0', 'message-id': 'A2' },
    ],
    result: [{ LastError: 0, ID: '95557' }],
  };

  it.each([
    ['sid', ['SM1']],
    ['message_uuid[0]', ['u-1']],
    ['messages[*].message-id', ['A1', 'A2']],
    ['messages[1].status', ['0']],
    ['result[0].LastError', [0]],
    ['missing.deeper', []],
    ['message_uuid[5]', []],
  ])('reads %s', (path, expected) => {
    expect(readJsonPath(answer, parseJsonPath(path))).toEqual(expected);
  });

  it('reads numbers and booleans as text, objects as nothing', () => {
    expect(readText(answer, parseJsonPath('result[0].LastError'))).toBe('0');
    expect(readText(answer, parseJsonPath('result[0]'))).toBeUndefined();
  });

  it('marks paths that fan out', () => {
    expect(parseJsonPath('messages[*].status').fansOut).toBe(true);
    expect(parseJsonPath('messages[0].status').fansOut).toBe(false);
  });

  it.each(['', 'a..b', 'a.', '[x]', 'a[0', 'a b.c]'])('refuses %j', (path) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
  });
});
