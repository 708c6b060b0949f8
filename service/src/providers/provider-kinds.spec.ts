import { describe, expect, it } from 'vitest';
import { SMTP_CREDENTIAL_NAMES, SMTP_SETTING_NAMES } from './email/smtp-settings.js';
import type { FieldDescriptor, ProviderKindDescriptor } from './provider-kind.js';
import { PROVIDER_KIND_DESCRIPTORS, providerKind } from './provider-kinds.js';
import { SMPP_SETTING_KEYS } from './smpp/smpp-settings.js';
import { AGENT_SETTING_NAMES } from './agent/agent-settings.js';
import { PROVIDER_KINDS } from '../admin/admin-model.js';
import { silentLogger } from '../shared/logger.js';

/**
 * The descriptors are what the dashboard draws its forms from, and the readers what runs: each
 * field a descriptor offers must be one its reader takes, with the limits, choices and defaults
 * the reader applies. These checks drive every field through the reader.
 */

interface Row {
  readonly settings: Record<string, string>;
  readonly credentials: Record<string, string>;
}

const GENERIC_SPEC = JSON.stringify({
  url: 'https://api.example.com/send',
  body: { format: 'form', template: { to: '{{toDigits}}', msg: '{{text}}' } },
  auth: { kind: 'bearer', token: '{{credentials.apiKey}}' },
  messageIdPath: 'id',
});

/** A row the kind accepts, per variant (HTTP: per preset), that each check then changes one field of. */
const VALID: Readonly<Record<string, Readonly<Record<string, Row>>>> = {
  smpp: { '': { settings: { host: 'smsc.example.net', port: '2775', systemId: 'switchboard', tls: 'true' }, credentials: { password: 'secret' } } },
  email: { '': { settings: { host: 'smtp.example.com', from: 'verify@example.com' }, credentials: {} } },
  agent: { '': { settings: { agent: 'site-lyon-1', modems: 'orange-1, sfr-2' }, credentials: {} } },
  http: {
    twilio: { settings: { preset: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', from: '+15005550006' }, credentials: { authToken: 't' } },
    plivo: { settings: { preset: 'plivo', authId: 'MAXXXXXXXXXXXXXXXXXX', from: '+15005550006' }, credentials: { authToken: 't' } },
    vonage: { settings: { preset: 'vonage', apiKey: 'abcd1234', from: 'Switchboard' }, credentials: { apiSecret: 's', signatureSecret: 'sig' } },
    auron: { settings: { preset: 'auron', baseUrl: 'https://auron.example.com' }, credentials: { webhookSecret: 'a-secret-of-16-chars' } },
    generic: { settings: { preset: 'generic', spec: GENERIC_SPEC }, credentials: { apiKey: 'k' } },
  },
  voice: {
    twilio: { settings: { preset: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', from: '+15005550006' }, credentials: { authToken: 't' } },
    plivo: { settings: { preset: 'plivo', authId: 'MAXXXXXXXXXXXXXXXXXX', from: '+15005550006' }, credentials: { authToken: 't' } },
  },
};

function kind(name: string): ProviderKindDescriptor {
  const descriptor = providerKind(name);
  if (descriptor === undefined) throw new Error(`no descriptor for ${name}`);
  return descriptor;
}

/** The fields of `descriptor` that apply to variant `variant`, with the row to test them on. */
function cases(descriptor: ProviderKindDescriptor): { variant: string; row: Row; field: FieldDescriptor }[] {
  return Object.entries(VALID[descriptor.kind] ?? {}).flatMap(([variant, row]) =>
    descriptor.fields
      .filter((field) => field.key !== 'preset' && (field.shownWhen === undefined || field.shownWhen.values.includes(variant)))
      .map((field) => ({ variant, row, field })),
  );
}

function withValue(row: Row, field: FieldDescriptor, value: string | undefined): Row {
  const without = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).filter(([key]) => key !== field.key));
  const place = value === undefined ? without(row[field.location]) : { ...row[field.location], [field.key]: value };
  const rest = without(field.location === 'settings' ? row.credentials : row.settings);
  return field.location === 'settings' ? { settings: place, credentials: rest } : { settings: rest, credentials: place };
}

const problemsOf = (descriptor: ProviderKindDescriptor, row: Row) => descriptor.validate(row.settings, row.credentials);
const fieldsOf = (descriptor: ProviderKindDescriptor, row: Row) => problemsOf(descriptor, row).map((problem) => problem.field);
const runnable = PROVIDER_KIND_DESCRIPTORS.filter((descriptor) => descriptor.available);

describe('provider kind descriptors', () => {
  it('describe exactly the kinds the admin model knows, each once', () => {
    expect(PROVIDER_KIND_DESCRIPTORS.map((descriptor) => descriptor.kind).sort()).toEqual([...PROVIDER_KINDS].sort());
  });

  it.each(runnable.map((descriptor) => [descriptor.kind, descriptor] as const))('%s: every field has a label, help, a group and a unique key', (_kind, descriptor) => {
    for (const field of descriptor.fields) {
      expect(field.label, field.key).not.toBe('');
      expect(field.help, field.key).not.toBe('');
      expect(field.group, field.key).not.toBe('');
      if (field.type === 'choice') expect(field.choices?.length, field.key).toBeGreaterThan(0);
    }
    const variants = (field: FieldDescriptor) => field.shownWhen?.values ?? ['*'];
    const keys = descriptor.fields.flatMap((field) => variants(field).map((variant) => `${variant}:${field.key}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('offers for SMPP exactly the settings its reader takes, and the password as the one credential', () => {
    const fields = kind('smpp').fields;
    expect(fields.filter((field) => field.location === 'settings').map((field) => field.key).sort()).toEqual([...SMPP_SETTING_KEYS].sort());
    expect(fields.filter((field) => field.location === 'credentials').map((field) => field.key)).toEqual(['password']);
  });

  it('offers for e-mail exactly the settings and credentials its reader takes', () => {
    const keys = kind('email').fields.map((field) => field.key).sort();
    expect(keys).toEqual([...new Set([...SMTP_SETTING_NAMES, ...SMTP_CREDENTIAL_NAMES])].sort());
  });

  it.each(Object.entries(VALID).flatMap(([name, variants]) => Object.entries(variants).map(([variant, row]) => [name, variant, row] as const)))(
    '%s %s: the baseline row is valid',
    (name, _variant, row) => {
      expect(problemsOf(kind(name), row)).toEqual([]);
    },
  );

  describe.each(runnable.map((descriptor) => [descriptor.kind, descriptor] as const))('%s fields, each through the reader', (_kind, descriptor) => {
    const all = cases(descriptor);

    it.each(all.filter((c) => c.field.required).map((c) => [c.variant, c.field.key, c] as const))('%s %s: required, and named when missing', (_variant, _key, c) => {
      expect(fieldsOf(descriptor, withValue(c.row, c.field, undefined))).toContain(`${c.field.location}.${c.field.key}`);
    });

    it.each(all.filter((c) => c.field.defaultValue !== undefined).map((c) => [c.variant, c.field.key, c] as const))('%s %s: its default is accepted', (_variant, _key, c) => {
      expect(problemsOf(descriptor, withValue(c.row, c.field, c.field.defaultValue))).toEqual([]);
    });

    it.each(all.filter((c) => c.field.type === 'choice').map((c) => [c.variant, c.field.key, c] as const))('%s %s: every choice accepted, others refused', (_variant, _key, c) => {
      for (const choice of c.field.choices ?? []) expect(problemsOf(descriptor, withValue(c.row, c.field, choice)), choice).toEqual([]);
      expect(fieldsOf(descriptor, withValue(c.row, c.field, 'no-such-choice'))).toContain(`${c.field.location}.${c.field.key}`);
    });

    it.each(all.filter((c) => c.field.type === 'integer').map((c) => [c.variant, c.field.key, c] as const))('%s %s: outside its range refused', (_variant, _key, c) => {
      const named = `${c.field.location}.${c.field.key}`;
      if (c.field.min !== undefined) expect(fieldsOf(descriptor, withValue(c.row, c.field, String(c.field.min - 1)))).toContain(named);
      if (c.field.max !== undefined) expect(fieldsOf(descriptor, withValue(c.row, c.field, String(c.field.max + 1)))).toContain(named);
      expect(fieldsOf(descriptor, withValue(c.row, c.field, 'twelve'))).toContain(named);
    });

    it.each(all.filter((c) => c.field.type === 'boolean').map((c) => [c.variant, c.field.key, c] as const))('%s %s: only true or false', (_variant, _key, c) => {
      expect(fieldsOf(descriptor, withValue(c.row, c.field, 'maybe'))).toContain(`${c.field.location}.${c.field.key}`);
    });
  });

  it('offers for agents exactly the settings their reader takes, and refuses any credential', () => {
    expect(kind('agent').fields.map((field) => field.key).sort()).toEqual([...AGENT_SETTING_NAMES].sort());
    expect(fieldsOf(kind('agent'), { settings: { agent: 'site-1' }, credentials: { token: 'x' } })).toEqual(['credentials.token']);
  });

  it('reads agent modems as a list or as text, and names a bad or repeated label', () => {
    expect(fieldsOf(kind('agent'), { settings: { agent: 'site-1', modems: 'orange-1, orange 1' }, credentials: {} })).toEqual(['settings.modems']);
    expect(fieldsOf(kind('agent'), { settings: { agent: 'site-1', modems: 'a,b,a' }, credentials: {} })).toEqual(['settings.modems']);
    expect(fieldsOf(kind('agent'), { settings: { agent: 'site 1' }, credentials: {} })).toEqual(['settings.agent']);
    expect(fieldsOf(kind('agent'), { settings: { agent: 'site-1', modem: 'a' }, credentials: {} })).toEqual(['settings.modem']);
  });

  it('builds what it validated: an SMPP row becomes a provider with no HTTP endpoints', () => {
    const row = VALID.smpp?.[''] as Row;
    const built = kind('smpp').build(
      { name: 'carrier', ...row },
      {
        receipts: () => Promise.resolve(),
        lateAcceptances: () => Promise.resolve(),
        inbound: () => Promise.resolve(),
        metrics: { throttled: () => undefined, protocolError: () => undefined },
        logger: silentLogger,
        publicBaseUrl: 'https://switchboard.example.com',
        answerTokenKey: Buffer.alloc(32),
      },
    );
    expect(built.provider.name).toBe('carrier');
    expect(built.endpoints).toEqual({});
  });
});
