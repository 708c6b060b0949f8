import { describe, expect, it } from 'vitest';
import { agentTokenPrefix, generateAgentToken, generateApiKey, hashApiKey } from './api-keys.js';

describe('API keys and agent tokens', () => {
  it('issues agent tokens of 256 random bits behind a prefix scanners can look for', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateAgentToken()));

    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^sbagent_[A-Za-z0-9_-]{43}$/);
  });

  it('keeps the first 12 characters of an agent token in the clear, 4 of them from the secret', () => {
    const token = generateAgentToken();
    expect(agentTokenPrefix(token)).toBe(token.slice(0, 12));
    expect(agentTokenPrefix(token)).toMatch(/^sbagent_.{4}$/);
  });

  it('hashes keys and tokens alike, as the stores look them up', () => {
    expect(hashApiKey('sbagent_x')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('sbagent_x')).toBe(hashApiKey('sbagent_x'));
    expect(generateApiKey()).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
  });
});
