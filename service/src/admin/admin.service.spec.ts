// AdminService's features over the in-memory store: the rules of a change (validate first, all
// or nothing, audit and announce with it) checked without a database. The SQL store behind the
// same ports is covered by test/e2e/admin.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { MemoryAdminStore } from '../../test/support/memory-admin-store.js';
import { rejection } from '../../test/support/waiting.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import type { ProviderDraft, RouteRuleDraft } from './admin-model.js';
import { AdminService } from './admin.service.js';

const ADMIN = 'ops@example.com';
const PASSWORD = 'c4rr13r!';

function setUp(): { admin: AdminService; store: MemoryAdminStore } {
  const store = new MemoryAdminStore();
  const admin = new AdminService({
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
});
