import { CircuitState, ProviderKind, RouteStrategy, type Provider, type RouteRule } from '@switchboard/proto/switchboard/v1/admin';
import { ModemHealth } from '@switchboard/proto/switchboard/v1/agent';
import { Channel, MessageKind } from '@switchboard/proto/switchboard/v1/channel';
import { AttemptStatus, MessageStatus } from '@switchboard/proto/switchboard/v1/messaging';
import { describe, expect, it } from 'vitest';
import type { AgentView, MessageView, ProviderView } from '../admin/admin-model.js';
import { InvalidArgumentError } from '../shared/errors.js';
import {
  agentFromProto,
  agentToProto,
  appFromProto,
  appToProto,
  auditRecordToProto,
  messageQueryFromProto,
  messageToProto,
  providerFromProto,
  providerHealthToProto,
  providerToProto,
  routeRuleFromProto,
  routeRuleToProto,
  simulatedRouteToProto,
  simulateRouteFromProto,
} from './admin.mappers.js';

const wireProvider: Provider = {
  name: 'smsc-a',
  kind: ProviderKind.PROVIDER_KIND_SMPP,
  enabled: true,
  channels: [Channel.CHANNEL_SMS, Channel.CHANNEL_AUTO],
  throughputPerSecond: 10,
  burst: 0,
  maxInFlight: 0,
  settings: { host: 'h' },
  credentials: { password: 'p' },
};

const wireRule: RouteRule = {
  id: 'r1',
  name: 'de',
  priority: 0,
  enabled: true,
  isDefault: false,
  match: { countries: ['DE'], prefixes: [], apps: [], channels: [Channel.CHANNEL_SMS], kinds: [MessageKind.MESSAGE_KIND_OTP], timeWindow: { days: [1, 2], start: '08:00', end: '20:00', timeZone: 'Europe/Berlin' } },
  candidates: ['a', 'b'],
  strategy: RouteStrategy.ROUTE_STRATEGY_UNSPECIFIED,
  weights: {},
  fallback: [{ provider: '', channel: Channel.CHANNEL_UNSPECIFIED, receiptTimeoutSeconds: 30 }],
};

describe('providerFromProto', () => {
  it('maps kinds and channels to domain text, keeping unknown channels visible for validation', () => {
    const draft = providerFromProto(wireProvider);
    expect(draft.kind).toBe('smpp');
    expect(draft.channels).toEqual(['sms', 'auto']);
  });

  it('maps an unset kind to text validation refuses', () => {
    expect(providerFromProto({ ...wireProvider, kind: ProviderKind.PROVIDER_KIND_UNSPECIFIED }).kind).toBe('unspecified');
  });

  it('refuses a request without a provider, naming the field', () => {
    expect(() => providerFromProto(undefined)).toThrow(InvalidArgumentError);
  });
});

describe('providerToProto', () => {
  it('returns credential names with empty values, never secrets', () => {
    const view: ProviderView = { ...providerFromProto(wireProvider), channels: ['sms'], credentialNames: ['password'], createdAt: new Date(0), updatedAt: new Date(0) };
    expect(providerToProto(view).credentials).toEqual({ password: '' });
  });
});

describe('routeRuleFromProto', () => {
  it('reads proto3 defaults: priority 0 is unset, strategy unset is lowest cost, empty fallback provider is next cheapest on SMS', () => {
    const { id, draft } = routeRuleFromProto(wireRule);
    expect(id).toBe('r1');
    expect(draft.priority).toBeNull();
    expect(draft.strategy).toBe('lowest_cost');
    expect(draft.fallback).toEqual([{ provider: null, channel: 'sms', receiptTimeoutSeconds: 30 }]);
    expect(draft.match.timeWindow).toEqual({ days: [1, 2], start: '08:00', end: '20:00', timeZone: 'Europe/Berlin' });
  });

  it('round-trips a rule through the domain', () => {
    const { draft } = routeRuleFromProto({ ...wireRule, priority: 20, strategy: RouteStrategy.ROUTE_STRATEGY_WEIGHTED, weights: { a: 1, b: 2 }, fallback: [{ provider: 'b', channel: Channel.CHANNEL_VOICE, receiptTimeoutSeconds: 60 }] });
    const back = routeRuleToProto({ ...draft, id: 'r1', priority: 20 });
    expect(back).toEqual({ ...wireRule, priority: 20, strategy: RouteStrategy.ROUTE_STRATEGY_WEIGHTED, weights: { a: 1, b: 2 }, fallback: [{ provider: 'b', channel: Channel.CHANNEL_VOICE, receiptTimeoutSeconds: 60 }] });
  });

  it('passes an unset match channel on as text for validation to name', () => {
    const { draft } = routeRuleFromProto({ ...wireRule, match: { countries: [], prefixes: [], apps: [], channels: [Channel.CHANNEL_UNSPECIFIED], kinds: [], timeWindow: undefined } });
    expect(draft.match.channels).toEqual(['unspecified']);
  });
});

describe('appFromProto', () => {
  it('fills proto3 defaults: no domain, locale en, 6 digits', () => {
    const { draft } = appFromProto({ id: '', name: 'a', senderId: 'A', domain: '', defaultLocale: '', allowedCountries: [], defaultCodeLength: 0, templates: { login: { texts: { en: '{code}' } } }, emailTemplates: {} });
    expect(draft).toMatchObject({ domain: null, defaultLocale: 'en', defaultCodeLength: 6, templates: { login: { en: '{code}' } }, emailTemplates: {} });
  });

  it('carries e-mail templates both ways unchanged', () => {
    const emailTemplates = { fr: { subject: 'Code {brand}', text: 'Code : {code}', html: '<p>{code}</p>' } };
    const { draft } = appFromProto({ id: '', name: 'a', senderId: 'A', domain: '', defaultLocale: 'fr', allowedCountries: [], defaultCodeLength: 6, templates: {}, emailTemplates });
    expect(draft.emailTemplates).toEqual(emailTemplates);
    expect(appToProto({ ...draft, id: 'x', createdAt: new Date() }).emailTemplates).toEqual(emailTemplates);
  });
});

describe('simulateRouteFromProto', () => {
  it('reads unset channel as SMS, unset kind as OTP and 0 parts as 1', () => {
    expect(simulateRouteFromProto({ to: '+49', app: '', channel: Channel.CHANNEL_UNSPECIFIED, kind: MessageKind.MESSAGE_KIND_UNSPECIFIED, parts: 0 })).toEqual({ to: '+49', app: '', channel: 'sms', kind: 'otp', parts: 1 });
  });

  it('reads AUTO as SMS, as routing does today', () => {
    expect(simulateRouteFromProto({ to: '+49', app: '', channel: Channel.CHANNEL_AUTO, kind: MessageKind.MESSAGE_KIND_TRANSACTIONAL, parts: 2 }).channel).toBe('sms');
  });
});

describe('simulatedRouteToProto', () => {
  it('maps costs to money and says which channel a fallback skip was on', () => {
    const response = simulatedRouteToProto(
      {
        rule: 'de',
        country: 'DE',
        steps: [{ provider: 'a', channel: 'sms', expectedCostMicros: 72_500, currency: 'EUR', receiptTimeoutSeconds: 60 }, { provider: 'b', channel: 'sms', expectedCostMicros: null, currency: 'EUR', receiptTimeoutSeconds: 60 }],
        skipped: [{ provider: 'c', channel: 'sms', reason: 'disabled' }, { provider: 'v', channel: 'voice', reason: 'circuit open' }],
      },
      'sms',
    );
    expect(response.steps.map((step) => step.expectedCost)).toEqual([{ currency: 'EUR', micros: 72_500 }, undefined]);
    expect(response.skipped).toEqual([{ provider: 'c', reason: 'disabled' }, { provider: 'v', reason: 'circuit open (voice)' }]);
  });
});

describe('messageQueryFromProto', () => {
  const request = { to: '', status: MessageStatus.MESSAGE_STATUS_UNSPECIFIED, provider: '', app: '', pageSize: 0, pageToken: '' };

  it('reads an unset status as no filter', () => {
    expect(messageQueryFromProto(request).status).toBeNull();
  });

  it('maps a status filter', () => {
    expect(messageQueryFromProto({ ...request, status: MessageStatus.MESSAGE_STATUS_DELIVERED }).status).toBe('delivered');
  });

  it('refuses an unknown status', () => {
    expect(() => messageQueryFromProto({ ...request, status: MessageStatus.UNRECOGNIZED })).toThrow(InvalidArgumentError);
  });
});

describe('messageToProto', () => {
  it('maps a message with its attempts, leaving unset costs unset', () => {
    const created = new Date('2026-03-01T12:00:00Z');
    const message: MessageView = {
      id: 'm1', to: '+4915123456789', country: 'DE', kind: 'otp', channel: 'sms', status: 'delivered', app: 'shop', verificationId: null, routeRule: 'de', lastError: null, createdAt: created, updatedAt: created,
      attempts: [{ id: 'a1', step: 0, provider: 'smsc-a', channel: 'sms', status: 'expired', providerMessageId: null, parts: null, expectedCostMicros: 1, actualCostMicros: null, currency: 'EUR', errorCode: null, errorMessage: null, createdAt: created, submittedAt: null, completedAt: null }],
    };
    const wire = messageToProto(message);
    expect(wire).toMatchObject({ kind: MessageKind.MESSAGE_KIND_OTP, status: MessageStatus.MESSAGE_STATUS_DELIVERED, verificationId: '', routeRule: 'de' });
    expect(wire.attempts[0]).toMatchObject({ status: AttemptStatus.ATTEMPT_STATUS_EXPIRED, expectedCost: { currency: 'EUR', micros: 1 }, actualCost: undefined, submittedAt: undefined });
  });
});

describe('providerHealthToProto and auditRecordToProto', () => {
  it('maps the circuit state and leaves retry_at unset while closed', () => {
    expect(providerHealthToProto({ provider: 'a', circuit: 'half_open', consecutiveFailures: 1, receiptFailureRate: 0.1, inFlight: 2, connection: 'bound', retryAt: null, binds: [], lastError: '' })).toMatchObject({ circuit: CircuitState.CIRCUIT_STATE_HALF_OPEN, retryAt: undefined, binds: [], lastError: '' });
  });

  it('writes an empty before_json for a creation', () => {
    const record = auditRecordToProto({ id: 'x', actor: 'admin-token', action: 'app.create', subject: 's', before: null, after: { name: 'shop' }, createdAt: new Date(0) });
    expect(record).toMatchObject({ beforeJson: '', afterJson: '{"name":"shop"}' });
  });
});

describe('agentFromProto and agentToProto', () => {
  const registered: AgentView = {
    id: 'site-lyon-1',
    description: 'Lyon',
    tokenPrefix: 'sbagent_AbCd',
    createdAt: new Date('2026-12-01T00:00:00Z'),
    tokenIssuedAt: new Date('2026-12-02T00:00:00Z'),
    connected: false,
    replica: null,
    agentVersion: '',
    connectedAt: null,
    lastSeenAt: null,
    disconnectedAt: null,
    modems: [],
  };

  it('reads only the id and description an admin writes', () => {
    expect(agentFromProto({ ...agentToProto(registered), tokenPrefix: 'x', connected: true })).toEqual({ id: 'site-lyon-1', description: 'Lyon' });
    expect(() => agentFromProto(undefined)).toThrow(InvalidArgumentError);
  });

  it('leaves the times an agent has not reached unset and the replica empty', () => {
    expect(agentToProto(registered)).toEqual({
      id: 'site-lyon-1',
      description: 'Lyon',
      tokenPrefix: 'sbagent_AbCd',
      createdAt: registered.createdAt,
      tokenIssuedAt: registered.tokenIssuedAt,
      connected: false,
      replica: '',
      agentVersion: '',
      connectedAt: undefined,
      lastSeenAt: undefined,
      disconnectedAt: undefined,
      modems: [],
    });
  });

  it('maps each modem with its health as agent.proto spells it; an unknown health is unspecified', () => {
    const seen = new Date('2026-12-08T10:00:00Z');
    const modem = { label: 'orange-1', imei: '356938035643809', imsi: '208011234567890', operator: 'Orange F', signalQuality: 21, detail: '', queued: 2, sentLastMinute: 3, maxPerMinute: 6 };
    const wire = agentToProto({
      ...registered,
      connected: true,
      replica: 'replica-a',
      agentVersion: '1.2.0',
      connectedAt: seen,
      lastSeenAt: seen,
      modems: [
        { ...modem, health: 'ready' },
        { ...modem, label: 'sfr-1', health: 'quarantined' },
        { ...modem, label: 'old', health: 'unknown' },
      ],
    });
    expect(wire).toMatchObject({ connected: true, replica: 'replica-a', agentVersion: '1.2.0', connectedAt: seen, lastSeenAt: seen, disconnectedAt: undefined });
    expect(wire.modems[0]).toEqual({ ...modem, health: ModemHealth.MODEM_HEALTH_READY });
    expect(wire.modems.map((entry) => entry.health)).toEqual([ModemHealth.MODEM_HEALTH_READY, ModemHealth.MODEM_HEALTH_QUARANTINED, ModemHealth.MODEM_HEALTH_UNSPECIFIED]);
  });
});
