// AdminService's features over the in-memory store: the rules of a change (validate first, all
// or nothing, audit and announce with it) checked without a database. The SQL store behind the
// same ports is covered by test/e2e/admin.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { MemoryAdminStore } from '../../test/support/memory-admin-store.js';
import { rejection } from '../../test/support/waiting.js';
import { hashApiKey } from '../shared/api-keys.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import type { ProviderDraft, RouteRuleDraft } from './admin-model.js';
import { AdminService } from './admin.service.js';

const ADMIN = 'ops@example.com';
const PASSWORD = 'c4rr13r!';

function setUp(now?: () => Date): { admin: AdminService; store: MemoryAdminStore } {
  const store = new MemoryAdminStore();
  const admin = new AdminService({
    now,
    store,
    routing: {
      current: () => {
        throw new Error('no routing in these tests');
      },
    },
    health: { snapshot: () => [] },
  });
  return { admin, store };
}

function smpp(name: string, overrides: Partial<ProviderDraft> = {}): ProviderDraft {
  return {
    name,
    kind: 'smpp',
    enabled: true,
    channels: ['sms'],
    throughputPerSecond: 50,
    burst: 0,
    maxInFlight: 0,
    settings: { host: '127.0.0.1', port: '2775', systemId: 'switchboard' },
    credentials: { password: PASSWORD },
    ...overrides,
  };
}

function agentProvider(name: string, agent: string): ProviderDraft {
  return { ...smpp(name), kind: 'agent', settings: { agent }, credentials: {} };
}

function rule(name: string, candidates: string[]): RouteRuleDraft {
  return {
    name,
    priority: null,
    enabled: true,
    isDefault: false,
    match: { countries: ['DE'], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: null },
    candidates,
    strategy: 'priority',
    weights: {},
    fallback: [],
  };
}

describe('AdminService over its ports', () => {
  it('audits and announces a new provider, with credential names but never their values', async () => {
    const { admin, store } = setUp();

    const view = await admin.providers.create(ADMIN, smpp('carrier-a'));

    expect(view.credentialNames).toEqual(['password']);
    expect(store.audits).toEqual([expect.objectContaining({ actor: ADMIN, action: 'provider.create', subject: 'carrier-a', before: null })]);
    expect(JSON.stringify(store.audits)).not.toContain(PASSWORD);
    expect(store.announcements).toEqual(['provider.create carrier-a']);
    expect((await admin.providers.list()).map((provider) => provider.name)).toEqual(['carrier-a']);
  });

  it('keeps stored credentials that an update leaves out or sends empty', async () => {
    const { admin, store } = setUp();
    await admin.providers.create(ADMIN, smpp('carrier-a'));

    await admin.providers.update(ADMIN, smpp('carrier-a', { throughputPerSecond: 80, credentials: { password: '' } }));

    const stored = await store.reads().findProvider('carrier-a');
    expect(stored?.credentials).toEqual({ password: PASSWORD });
    expect(stored?.throughputPerSecond).toBe(80);
    expect(store.audits.at(-1)).toMatchObject({ action: 'provider.update', before: { throughputPerSecond: 50 }, after: { throughputPerSecond: 80 } });
  });

  it('names the bad field before saying an unknown provider does not exist', async () => {
    const { admin, store } = setUp();

    const invalid = await rejection(admin.providers.update(ADMIN, smpp('no such!')), InvalidArgumentError);
    expect(invalid.message).toContain('provider.name');
    await rejection(admin.providers.update(ADMIN, smpp('missing')), NotFoundError);
    expect(store.audits).toEqual([]);
    expect(store.announcements).toEqual([]);
  });

  it('leaves no trace of a refused change: the provider stays, nothing is audited or announced', async () => {
    const { admin, store } = setUp();
    await admin.providers.create(ADMIN, smpp('carrier-a'));
    await admin.routes.create(ADMIN, rule('germany', ['carrier-a']));
    const before = { audits: store.audits.length, announcements: store.announcements.length };

    const refused = await rejection(admin.providers.delete(ADMIN, 'carrier-a'), FailedPreconditionError);

    expect(refused.message).toContain('route rule(s) "germany"');
    expect(await store.reads().findProvider('carrier-a')).not.toBeNull();
    expect({ audits: store.audits.length, announcements: store.announcements.length }).toEqual(before);
  });

  it('refuses to delete a provider the delivery log has attempts at', async () => {
    const { admin, store } = setUp();
    await admin.providers.create(ADMIN, smpp('carrier-a'));
    const stored = await store.reads().findProvider('carrier-a');
    store.markAttempted(stored?.id ?? '');

    const refused = await rejection(admin.providers.delete(ADMIN, 'carrier-a'), FailedPreconditionError);
    expect(refused.message).toContain('disable it instead');
  });

  it('spaces rule priorities and renumbers them on reorder, auditing the old and new order', async () => {
    const { admin, store } = setUp();
    await admin.providers.create(ADMIN, smpp('carrier-a'));
    const first = await admin.routes.create(ADMIN, rule('first', ['carrier-a']));
    const second = await admin.routes.create(ADMIN, rule('second', ['carrier-a']));
    expect([first.priority, second.priority]).toEqual([10, 20]);

    const reordered = await admin.routes.reorder(ADMIN, [second.id, first.id]);

    expect(reordered.map((entry) => [entry.name, entry.priority])).toEqual([['second', 10], ['first', 20]]);
    expect((await admin.routes.list()).map((entry) => entry.name)).toEqual(['second', 'first']);
    expect(store.audits.at(-1)).toMatchObject({ action: 'route_rule.reorder', before: [{ name: 'first' }, { name: 'second' }], after: [{ name: 'second' }, { name: 'first' }] });
    expect(store.announcements.at(-1)).toBe('route_rule.reorder');
  });

  it('refuses a rule naming an unknown provider and stores nothing', async () => {
    const { admin, store } = setUp();

    const error = await rejection(admin.routes.create(ADMIN, rule('germany', ['ghost'])), InvalidArgumentError);

    expect(error.message).toContain('ghost');
    expect(await admin.routes.list()).toEqual([]);
    expect(store.audits).toEqual([]);
  });

  it('shows a new API key once, stores only its hash, and announces its revocation', async () => {
    const { admin, store } = setUp();
    const app = await admin.apps.create(ADMIN, {
      name: 'shop',
      senderId: 'Shop',
      domain: null,
      defaultLocale: 'en',
      allowedCountries: [],
      defaultCodeLength: 6,
      templates: {},
      emailTemplates: {},
    });

    const { apiKey, secret } = await admin.apps.createApiKey(ADMIN, app.id);
    const stored = await store.reads().findApiKey(apiKey.id);
    expect(secret).toMatch(/^sb_/);
    expect(stored?.keyHash).not.toContain(secret);
    expect(JSON.stringify(store.audits)).not.toContain(secret);

    const revoked = await admin.apps.revokeApiKey(ADMIN, apiKey.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(store.announcements).toEqual([`api_key.revoke ${apiKey.id}`]);
  });

  it('stores a price table against its provider and audits the change', async () => {
    const { admin, store } = setUp();
    await admin.providers.create(ADMIN, smpp('carrier-a'));

    const table = await admin.prices.set(ADMIN, { provider: 'carrier-a', currency: 'USD', entries: [{ country: 'DE', prefix: null, priceMicros: 52_000 }] });

    expect(table).toEqual({ provider: 'carrier-a', currency: 'USD', entries: [{ country: 'DE', prefix: null, priceMicros: 52_000 }] });
    expect((await store.reads().findProvider('carrier-a'))?.priceCurrency).toBe('USD');
    expect(store.audits.at(-1)).toMatchObject({ action: 'price_table.set', subject: 'carrier-a' });
    await rejection(admin.prices.set(ADMIN, { provider: 'ghost', currency: 'USD', entries: [] }), NotFoundError);
  });

  describe('modem agents', () => {
    it('shows a new agent token once and stores only its hash', async () => {
      const { admin, store } = setUp();

      const { agent, token } = await admin.agents.create(ADMIN, { id: 'site-lyon-1', description: 'Lyon, rack 2' });

      expect(token).toMatch(/^sbagent_[A-Za-z0-9_-]{43}$/);
      expect(agent).toMatchObject({ id: 'site-lyon-1', description: 'Lyon, rack 2', tokenPrefix: token.slice(0, 12), connected: false, modems: [] });
      expect((await store.reads().findAgent('site-lyon-1'))?.tokenHash).toBe(hashApiKey(token));
      expect(store.audits).toEqual([expect.objectContaining({ actor: ADMIN, action: 'agent.create', subject: 'site-lyon-1', before: null })]);
      expect(JSON.stringify(store.audits)).not.toContain(token);
      expect(JSON.stringify(store.audits)).not.toContain(hashApiKey(token));
    });

    it('never shows a token again once it was issued: list and get carry its prefix only', async () => {
      const { admin } = setUp();
      const { token } = await admin.agents.create(ADMIN, { id: 'site-b', description: '' });
      await admin.agents.create(ADMIN, { id: 'site-a', description: '' });

      const listed = await admin.agents.list();

      expect(listed.map((agent) => agent.id)).toEqual(['site-a', 'site-b']);
      expect(JSON.stringify([listed, await admin.agents.get('site-b')])).not.toContain(token);
      expect(JSON.stringify(listed)).not.toContain(hashApiKey(token));
    });

    it('counts an agent connected while a stream holds it and it was heard from within 45 s', async () => {
      let now = new Date('2026-12-08T10:00:00Z');
      const { admin, store } = setUp(() => now);
      await admin.agents.create(ADMIN, { id: 'site-a', description: '' });
      const modem = { label: 'orange-1', imei: '356938035643809', imsi: '208011234567890', operator: 'Orange F', signalQuality: 21, health: 'ready', detail: '', queued: 2, sentLastMinute: 3, maxPerMinute: 6 } as const;
      store.agentConnected('site-a', { sessionId: 's-1', replica: 'replica-1', agentVersion: '1.2.0', modems: [modem], connectedAt: now, lastSeenAt: now });

      now = new Date(now.getTime() + 44_000);
      expect(await admin.agents.get('site-a')).toMatchObject({ connected: true, replica: 'replica-1', agentVersion: '1.2.0', modems: [modem] });
      now = new Date(now.getTime() + 2_000);
      expect((await admin.agents.get('site-a')).connected).toBe(false);
    });

    it('changes the description and audits before and after', async () => {
      const { admin, store } = setUp();
      await admin.agents.create(ADMIN, { id: 'site-a', description: 'old' });

      const updated = await admin.agents.update(ADMIN, { id: 'site-a', description: 'Lyon, rack 3' });

      expect(updated.description).toBe('Lyon, rack 3');
      expect(store.audits.at(-1)).toMatchObject({ action: 'agent.update', subject: 'site-a', before: { description: 'old' }, after: { description: 'Lyon, rack 3' } });
    });

    it('rotates a token: a new hash and prefix, the old stream ended, the audit without either token', async () => {
      const { admin, store } = setUp();
      const created = await admin.agents.create(ADMIN, { id: 'site-a', description: '' });

      const rotated = await admin.agents.rotateToken(ADMIN, 'site-a');

      expect(rotated.token).not.toBe(created.token);
      expect(rotated.agent.tokenPrefix).toBe(rotated.token.slice(0, 12));
      expect((await store.reads().findAgent('site-a'))?.tokenHash).toBe(hashApiKey(rotated.token));
      expect(store.disconnects).toEqual(['site-a']);
      expect(store.audits.at(-1)).toMatchObject({ action: 'agent.rotate_token', subject: 'site-a', before: { tokenPrefix: created.agent.tokenPrefix }, after: { tokenPrefix: rotated.agent.tokenPrefix } });
      expect(JSON.stringify(store.audits)).not.toContain(rotated.token);
      expect(JSON.stringify(store.audits)).not.toContain(hashApiKey(rotated.token));
    });

    it('refuses to delete an agent a provider names, listing the providers, and leaves its stream alone', async () => {
      const { admin, store } = setUp();
      await admin.agents.create(ADMIN, { id: 'site-a', description: '' });
      await admin.providers.create(ADMIN, agentProvider('lyon-modems', 'site-a'));
      await admin.providers.create(ADMIN, agentProvider('lyon-orange', 'site-a'));

      const refused = await rejection(admin.agents.delete(ADMIN, 'site-a'), FailedPreconditionError);

      expect(refused.message).toContain('provider(s) "lyon-modems", "lyon-orange"');
      expect(await store.reads().findAgent('site-a')).not.toBeNull();
      expect(store.disconnects).toEqual([]);
    });

    it('deletes an agent no provider names, ends its stream and audits what it was', async () => {
      const { admin, store } = setUp();
      await admin.agents.create(ADMIN, { id: 'site-a', description: 'Lyon' });
      await admin.providers.create(ADMIN, agentProvider('lyon-modems', 'site-a'));
      await admin.providers.delete(ADMIN, 'lyon-modems');

      await admin.agents.delete(ADMIN, 'site-a');

      expect(await admin.agents.list()).toEqual([]);
      expect(store.disconnects).toEqual(['site-a']);
      expect(store.audits.at(-1)).toMatchObject({ action: 'agent.delete', subject: 'site-a', before: { description: 'Lyon' }, after: null });
    });

    it('refuses a provider of kind agent naming an agent that is not registered, on create and on update', async () => {
      const { admin, store } = setUp();

      const onCreate = await rejection(admin.providers.create(ADMIN, agentProvider('lyon-modems', 'site-a')), InvalidArgumentError);
      expect(onCreate.field).toBe('provider.settings.agent');
      expect(onCreate.message).toContain('no modem agent "site-a" is registered; create it with CreateAgent first');
      expect(await admin.providers.list()).toEqual([]);

      await admin.agents.create(ADMIN, { id: 'site-a', description: '' });
      await admin.providers.create(ADMIN, agentProvider('lyon-modems', 'site-a'));
      const onUpdate = await rejection(admin.providers.update(ADMIN, agentProvider('lyon-modems', 'site-b')), InvalidArgumentError);
      expect(onUpdate.field).toBe('provider.settings.agent');
      expect((await store.reads().findProvider('lyon-modems'))?.settings).toEqual({ agent: 'site-a' });
    });

    it('names the bad field of an agent and stores nothing', async () => {
      const { admin, store } = setUp();

      const badId = await rejection(admin.agents.create(ADMIN, { id: '-site', description: '' }), InvalidArgumentError);
      expect(badId.field).toBe('agent.id');
      const empty = await rejection(admin.agents.create(ADMIN, { id: '', description: '' }), InvalidArgumentError);
      expect(empty.field).toBe('agent.id');
      const long = await rejection(admin.agents.create(ADMIN, { id: 'site-a', description: 'x'.repeat(201) }), InvalidArgumentError);
      expect(long.field).toBe('agent.description');
      const nul = await rejection(admin.agents.create(ADMIN, { id: 'site-a', description: 'rack\u00002' }), InvalidArgumentError);
      expect(nul.field).toBe('agent.description');
      await admin.agents.create(ADMIN, { id: 'site-a', description: '\u{1F4E1}'.repeat(200) });
      expect((await rejection(admin.agents.get('site a'), InvalidArgumentError)).field).toBe('id');
      expect(store.audits).toHaveLength(1);
    });

    it('answers ALREADY_EXISTS for a taken id and NOT_FOUND for an unknown one', async () => {
      const { admin } = setUp();
      await admin.agents.create(ADMIN, { id: 'site-a', description: '' });

      await rejection(admin.agents.create(ADMIN, { id: 'site-a', description: '' }), AlreadyExistsError);
      await rejection(admin.agents.get('site-b'), NotFoundError);
      await rejection(admin.agents.update(ADMIN, { id: 'site-b', description: '' }), NotFoundError);
      await rejection(admin.agents.rotateToken(ADMIN, 'site-b'), NotFoundError);
      await rejection(admin.agents.delete(ADMIN, 'site-b'), NotFoundError);
    });
  });
});
