import { randomBytes, randomUUID } from 'node:crypto';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AdminServiceClient,
  AdminServiceService,
  CircuitState,
  FieldLocation,
  FieldType,
  ProviderKind,
  RouteStrategy,
  type ListProviderKindsRequest,
  type ListProviderKindsResponse,
  type ProviderKindDescription,
  type Agent,
  type CreateAgentRequest,
  type CreateAgentResponse,
  type DeleteAgentRequest,
  type DeleteAgentResponse,
  type GetAgentRequest,
  type GetAgentResponse,
  type ListAgentsRequest,
  type ListAgentsResponse,
  type RotateAgentTokenRequest,
  type RotateAgentTokenResponse,
  type UpdateAgentRequest,
  type UpdateAgentResponse,
  type AdminServiceGetMessageRequest,
  type AdminServiceGetMessageResponse,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
  type CreateAppRequest,
  type CreateAppResponse,
  type CreateProviderRequest,
  type CreateProviderResponse,
  type CreateRouteRuleRequest,
  type CreateRouteRuleResponse,
  type DeleteProviderRequest,
  type DeleteProviderResponse,
  type DeleteRouteRuleRequest,
  type DeleteRouteRuleResponse,
  type ExportPriceTableRequest,
  type ExportPriceTableResponse,
  type GetPriceTableRequest,
  type GetPriceTableResponse,
  type GetProviderHealthRequest,
  type GetProviderHealthResponse,
  type ImportPriceTableRequest,
  type ImportPriceTableResponse,
  type ListApiKeysRequest,
  type ListApiKeysResponse,
  type ListAppsRequest,
  type ListAppsResponse,
  type ListAuditRecordsRequest,
  type ListAuditRecordsResponse,
  type ListMessagesRequest,
  type ListMessagesResponse,
  type ListProvidersRequest,
  type ListProvidersResponse,
  type ListRouteRulesRequest,
  type ListRouteRulesResponse,
  type Provider,
  type ReorderRouteRulesRequest,
  type ReorderRouteRulesResponse,
  type RevokeApiKeyRequest,
  type RevokeApiKeyResponse,
  type RouteRule,
  type SetPriceTableRequest,
  type SetPriceTableResponse,
  type SimulateRouteRequest,
  type SimulateRouteResponse,
  type UpdateAppRequest,
  type UpdateAppResponse,
  type UpdateProviderRequest,
  type UpdateProviderResponse,
  type UpdateRouteRuleRequest,
  type UpdateRouteRuleResponse,
} from '@switchboard/proto/switchboard/v1/admin';
import { ModemHealth } from '@switchboard/proto/switchboard/v1/agent';
import { Channel, MessageKind } from '@switchboard/proto/switchboard/v1/channel';
import { AttemptStatus, MessageStatus } from '@switchboard/proto/switchboard/v1/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderHealthSnapshot } from '../../src/admin/admin-model.js';
import { AdminService } from '../../src/admin/admin.service.js';
import { SqlAdminStore } from '../../src/persistence/admin-store.js';
import { credentialsContext } from '../../src/persistence/provider-credentials.js';
import { adminServiceHandlers } from '../../src/grpc/admin.handlers.js';
import { startGrpcServer, type GrpcServerHandle } from '../../src/grpc/server.js';
import { hashApiKey } from '../../src/shared/api-keys.js';
import { AGENT_CHANNEL } from '../../src/persistence/agent-link.store.js';
import { listenForNotifications } from '../../src/persistence/config-changes.js';
import { AgentSchema, ApiKeySchema, AppSchema, AttemptSchema, MessageSchema, ProviderSchema } from '../../src/persistence/entities.js';
import { openDatabase, type Database } from '../../src/persistence/orm.js';
import { loadRoutingSnapshot } from '../../src/persistence/routing-config.repository.js';
import { compileRoutingTable, type RoutingTable } from '../../src/routing/router.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';
import { silentLogger } from '../../src/shared/logger.js';
import { rejection, waitFor } from '../support/waiting.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const SECRET_PASSWORD = 'pw-s3cr3';

/** Metadata carrying an admin token the way the dashboard sends it. */
function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;


/** The field an INVALID_ARGUMENT names. */
function errorField(error: ServiceError): string | undefined {
  const [field] = error.metadata.get('error-field');
  return typeof field === 'string' ? field : undefined;
}

/** An SMPP provider as an admin would send it. */
function smppProvider(name: string, overrides: Partial<Provider> = {}): Provider {
  return {
    name,
    kind: ProviderKind.PROVIDER_KIND_SMPP,
    enabled: true,
    channels: [Channel.CHANNEL_SMS],
    throughputPerSecond: 50,
    burst: 10,
    maxInFlight: 100,
    settings: { host: '127.0.0.1', port: '2775', systemId: 'switchboard' },
    credentials: { password: SECRET_PASSWORD },
    ...overrides,
  };
}

/** An HTTP provider: no required settings, handy where only routing matters. */
function httpProvider(name: string, overrides: Partial<Provider> = {}): Provider {
  // A complete Twilio preset pointed at a port nothing listens on: valid, and never reaches anyone.
  const settings = { preset: 'twilio', accountSid: `AC${'0'.repeat(31)}1`, from: '+15005550006', baseUrl: 'http://127.0.0.1:9' };
  return { ...smppProvider(name), kind: ProviderKind.PROVIDER_KIND_HTTP, settings, credentials: { authToken: 'test-token' }, ...overrides };
}

/** An agent as an admin registers it: only `id` and `description` are read. */
function agentMessage(id: string, description = ''): Agent {
  return { id, description, tokenPrefix: '', connected: false, replica: '', agentVersion: '', modems: [] };
}

/** A provider of kind agent naming `agent`. */
function agentProvider(name: string, agent: string): Provider {
  return { ...smppProvider(name), kind: ProviderKind.PROVIDER_KIND_AGENT, settings: { agent }, credentials: {} };
}

/** A route rule as an admin would send it. */
function rule(name: string, candidates: string[], overrides: Partial<RouteRule> = {}): RouteRule {
  return {
    id: '',
    name,
    priority: 0,
    enabled: true,
    isDefault: false,
    match: { countries: [], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: undefined },
    candidates,
    strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST,
    weights: {},
    fallback: [],
    ...overrides,
  };
}

describe.each(databaseTargets())('AdminService over gRPC on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let server: GrpcServerHandle;
  let client: AdminServiceClient;
  let box: SecretBox;
  let table: RoutingTable | undefined;
  let health: ProviderHealthSnapshot[] = [];

  /** Rebuilds the routing table from the database, as the config listener does in the service. */
  async function reloadRouting(): Promise<void> {
    table = compileRoutingTable(await loadRoutingSnapshot(database.em, { routingCurrency: 'EUR', rates: { USD: 0.9 }, defaultReceiptTimeoutSeconds: 60 }));
  }

  function rpc<Req, Res>(invoke: (request: Req, metadata: Metadata, callback: Callback<Res>) => unknown) {
    return (request: Req, metadata: Metadata = bearer(ADMIN_TOKEN)): Promise<Res> =>
      new Promise((resolve, reject) => {
        invoke(request, metadata, (error, response) => {
          if (error) reject(error);
          else resolve(response);
        });
      });
  }

  const api = {
    listProviders: rpc<ListProvidersRequest, ListProvidersResponse>((q, m, c) => client.listProviders(q, m, c)),
    listProviderKinds: rpc<ListProviderKindsRequest, ListProviderKindsResponse>((q, m, c) => client.listProviderKinds(q, m, c)),
    createProvider: rpc<CreateProviderRequest, CreateProviderResponse>((q, m, c) => client.createProvider(q, m, c)),
    updateProvider: rpc<UpdateProviderRequest, UpdateProviderResponse>((q, m, c) => client.updateProvider(q, m, c)),
    deleteProvider: rpc<DeleteProviderRequest, DeleteProviderResponse>((q, m, c) => client.deleteProvider(q, m, c)),
    getPriceTable: rpc<GetPriceTableRequest, GetPriceTableResponse>((q, m, c) => client.getPriceTable(q, m, c)),
    setPriceTable: rpc<SetPriceTableRequest, SetPriceTableResponse>((q, m, c) => client.setPriceTable(q, m, c)),
    importPriceTable: rpc<ImportPriceTableRequest, ImportPriceTableResponse>((q, m, c) => client.importPriceTable(q, m, c)),
    exportPriceTable: rpc<ExportPriceTableRequest, ExportPriceTableResponse>((q, m, c) => client.exportPriceTable(q, m, c)),
    listRouteRules: rpc<ListRouteRulesRequest, ListRouteRulesResponse>((q, m, c) => client.listRouteRules(q, m, c)),
    createRouteRule: rpc<CreateRouteRuleRequest, CreateRouteRuleResponse>((q, m, c) => client.createRouteRule(q, m, c)),
    updateRouteRule: rpc<UpdateRouteRuleRequest, UpdateRouteRuleResponse>((q, m, c) => client.updateRouteRule(q, m, c)),
    deleteRouteRule: rpc<DeleteRouteRuleRequest, DeleteRouteRuleResponse>((q, m, c) => client.deleteRouteRule(q, m, c)),
    reorderRouteRules: rpc<ReorderRouteRulesRequest, ReorderRouteRulesResponse>((q, m, c) => client.reorderRouteRules(q, m, c)),
    listApps: rpc<ListAppsRequest, ListAppsResponse>((q, m, c) => client.listApps(q, m, c)),
    createApp: rpc<CreateAppRequest, CreateAppResponse>((q, m, c) => client.createApp(q, m, c)),
    updateApp: rpc<UpdateAppRequest, UpdateAppResponse>((q, m, c) => client.updateApp(q, m, c)),
    createApiKey: rpc<CreateApiKeyRequest, CreateApiKeyResponse>((q, m, c) => client.createApiKey(q, m, c)),
    listApiKeys: rpc<ListApiKeysRequest, ListApiKeysResponse>((q, m, c) => client.listApiKeys(q, m, c)),
    revokeApiKey: rpc<RevokeApiKeyRequest, RevokeApiKeyResponse>((q, m, c) => client.revokeApiKey(q, m, c)),
    simulateRoute: rpc<SimulateRouteRequest, SimulateRouteResponse>((q, m, c) => client.simulateRoute(q, m, c)),
    listMessages: rpc<ListMessagesRequest, ListMessagesResponse>((q, m, c) => client.listMessages(q, m, c)),
    getMessage: rpc<AdminServiceGetMessageRequest, AdminServiceGetMessageResponse>((q, m, c) => client.getMessage(q, m, c)),
    getProviderHealth: rpc<GetProviderHealthRequest, GetProviderHealthResponse>((q, m, c) => client.getProviderHealth(q, m, c)),
    listAuditRecords: rpc<ListAuditRecordsRequest, ListAuditRecordsResponse>((q, m, c) => client.listAuditRecords(q, m, c)),
    createAgent: rpc<CreateAgentRequest, CreateAgentResponse>((q, m, c) => client.createAgent(q, m, c)),
    listAgents: rpc<ListAgentsRequest, ListAgentsResponse>((q, m, c) => client.listAgents(q, m, c)),
    getAgent: rpc<GetAgentRequest, GetAgentResponse>((q, m, c) => client.getAgent(q, m, c)),
    updateAgent: rpc<UpdateAgentRequest, UpdateAgentResponse>((q, m, c) => client.updateAgent(q, m, c)),
    rotateAgentToken: rpc<RotateAgentTokenRequest, RotateAgentTokenResponse>((q, m, c) => client.rotateAgentToken(q, m, c)),
    deleteAgent: rpc<DeleteAgentRequest, DeleteAgentResponse>((q, m, c) => client.deleteAgent(q, m, c)),
  };

  const listMessages = (request: Partial<ListMessagesRequest>) =>
    api.listMessages({ to: '', status: MessageStatus.MESSAGE_STATUS_UNSPECIFIED, provider: '', app: '', pageSize: 0, pageToken: '', ...request });

  /** Every audit record, newest first. */
  async function auditLog() {
    return (await api.listAuditRecords({ pageSize: 500, pageToken: '' })).records;
  }

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    box = new SecretBox(randomBytes(32));
    const admin = new AdminService({
      store: new SqlAdminStore({ em: database.em, box }),
      routing: {
        current: () => {
          if (table === undefined) throw new Error('reloadRouting() first');
          return table;
        },
      },
      health: { snapshot: () => health },
    });
    const logger = silentLogger;
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      services: [{ name: 'switchboard.v1.AdminService', definition: AdminServiceService, implementation: adminServiceHandlers({ admin, adminToken: ADMIN_TOKEN, logger }) }],
    });
    client = new AdminServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.stop(1_000);
    await database.close();
    await drop?.();
  });

  describe('authentication', () => {
    it('refuses a call without the admin token as UNAUTHENTICATED', async () => {
      const error = await rejection(api.listProviders({}, new Metadata()));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });

    it('refuses a call with a wrong admin token as UNAUTHENTICATED', async () => {
      const error = await rejection(api.listProviders({}, bearer(`${ADMIN_TOKEN}x`)));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });

    it('refuses a change with a wrong token before touching anything', async () => {
      await rejection(api.createProvider({ provider: smppProvider('sneaky') }, bearer('nope')));
      const { providers } = await api.listProviders({});
      expect(providers.map((p) => p.name)).not.toContain('sneaky');
    });
  });

  describe('provider kinds', () => {
    /** What a form filled in with only the required fields sends: each field's default, or a sample of its type. */
    function requiredOnly(kind: ProviderKindDescription, name: string): Provider {
      const samples: Partial<Record<FieldType, string>> = { [FieldType.FIELD_TYPE_EMAIL]: 'verify@example.com', [FieldType.FIELD_TYPE_BOOLEAN]: 'false' };
      const sample = (type: FieldType, min: number | undefined) => (type === FieldType.FIELD_TYPE_INTEGER ? String(min ?? 1) : (samples[type] ?? 'sample'));
      const settings: Record<string, string> = {};
      const secrets: Record<string, string> = {};
      for (const field of kind.fields.filter((candidate) => candidate.required && candidate.shownWhen === undefined)) {
        const value = field.defaultValue ?? field.choices[0] ?? sample(field.type, field.min);
        (field.location === FieldLocation.FIELD_LOCATION_CREDENTIALS ? secrets : settings)[field.key] = value;
      }
      return { ...smppProvider(name), kind: kind.kind, channels: kind.channels, settings, credentials: secrets };
    }

    it('lists every kind with its fields, secrets marked as credentials', async () => {
      const { kinds } = await api.listProviderKinds({});
      expect(kinds.map((kind) => kind.kind)).toEqual(
        expect.arrayContaining([ProviderKind.PROVIDER_KIND_SMPP, ProviderKind.PROVIDER_KIND_HTTP, ProviderKind.PROVIDER_KIND_VOICE, ProviderKind.PROVIDER_KIND_EMAIL, ProviderKind.PROVIDER_KIND_AGENT]),
      );
      const smpp = kinds.find((kind) => kind.kind === ProviderKind.PROVIDER_KIND_SMPP);
      expect(smpp?.channels).toEqual([Channel.CHANNEL_SMS]);
      expect(smpp?.fields.filter((field) => field.required).map((field) => field.key)).toEqual(['host', 'port', 'systemId', 'password']);
      const port = smpp?.fields.find((field) => field.key === 'port');
      expect([port?.type, port?.min, port?.max]).toEqual([FieldType.FIELD_TYPE_INTEGER, 1, 65_535]);
      expect(smpp?.fields.find((field) => field.key === 'password')?.location).toBe(FieldLocation.FIELD_LOCATION_CREDENTIALS);
      const http = kinds.find((kind) => kind.kind === ProviderKind.PROVIDER_KIND_HTTP);
      const authToken = http?.fields.find((field) => field.key === 'authToken' && field.shownWhen?.values.includes('twilio'));
      expect(authToken?.location).toBe(FieldLocation.FIELD_LOCATION_CREDENTIALS);
      expect(http?.fields.find((field) => field.key === 'preset')?.choices).toEqual(['twilio', 'plivo', 'vonage', 'auron', 'generic']);
      const agent = kinds.find((kind) => kind.kind === ProviderKind.PROVIDER_KIND_AGENT);
      expect(agent?.available).toBe(true);
      expect(agent?.fields.filter((field) => field.required).map((field) => field.key)).toEqual(['agent']);
    });

    it('describes SMPP, e-mail and agents well enough that a form of only the required fields saves', async () => {
      const { kinds } = await api.listProviderKinds({});
      // An agent provider must name a registered agent: the form's sample id is one.
      await api.createAgent({ agent: agentMessage('sample') });
      for (const kind of kinds.filter((candidate) => [ProviderKind.PROVIDER_KIND_SMPP, ProviderKind.PROVIDER_KIND_EMAIL, ProviderKind.PROVIDER_KIND_AGENT].includes(candidate.kind))) {
        const name = `form-${ProviderKind[kind.kind].toLowerCase().replaceAll('_', '-')}`;
        const { provider } = await api.createProvider({ provider: requiredOnly(kind, name) });
        expect(provider?.name).toBe(name);
        await api.deleteProvider({ name });
      }
      await api.deleteAgent({ id: 'sample' });
    });

    it('needs the admin token like every other call', async () => {
      const error = await rejection(api.listProviderKinds({}, bearer('nope')));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });
  });

  describe('providers', () => {
    it('creates an SMPP provider and returns its credentials by name only', async () => {
      const { provider } = await api.createProvider({ provider: smppProvider('smsc-a') });
      expect(provider?.credentials).toEqual({ password: '' });
      expect(provider?.settings).toEqual({ host: '127.0.0.1', port: '2775', systemId: 'switchboard' });
      const { providers } = await api.listProviders({});
      const listed = providers.find((p) => p.name === 'smsc-a');
      expect(listed?.credentials).toEqual({ password: '' });
      expect(JSON.stringify(providers)).not.toContain(SECRET_PASSWORD);
    });

    it('stores the credentials sealed for that provider only', async () => {
      const row = await database.em.fork().findOneOrFail(ProviderSchema, { name: 'smsc-a' });
      expect(row.credentialsCiphertext).not.toContain(SECRET_PASSWORD);
      expect(JSON.parse(box.open(row.credentialsCiphertext ?? '', credentialsContext(row.id)))).toEqual({ password: SECRET_PASSWORD });
    });

    it('names the first bad field and lists every problem', async () => {
      const bad = smppProvider('bad name!', { channels: [], settings: { host: '', port: '99999', systemId: 'x' }, credentials: {} });
      const error = await rejection(api.createProvider({ provider: bad }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('provider.name');
      for (const field of ['provider.channels', 'provider.settings.host', 'provider.settings.port', 'provider.credentials.password']) {
        expect(error.details).toContain(field);
      }
    });

    it('refuses negative limits, naming the field as the proto spells it', async () => {
      const error = await rejection(api.createProvider({ provider: smppProvider('negative', { maxInFlight: -1 }) }));
      expect(errorField(error)).toBe('provider.max_in_flight');
    });

    it('answers ALREADY_EXISTS for a taken name', async () => {
      const error = await rejection(api.createProvider({ provider: smppProvider('smsc-a') }));
      expect(error.code).toBe(status.ALREADY_EXISTS);
    });

    it('keeps credentials the update leaves out', async () => {
      const { provider } = await api.updateProvider({ provider: smppProvider('smsc-a', { credentials: {}, maxInFlight: 5, settings: { host: '10.0.0.2', port: '2776', systemId: 'switchboard' } }) });
      expect(provider?.maxInFlight).toBe(5);
      expect(provider?.credentials).toEqual({ password: '' });
      const row = await database.em.fork().findOneOrFail(ProviderSchema, { name: 'smsc-a' });
      expect(JSON.parse(box.open(row.credentialsCiphertext ?? '', credentialsContext(row.id)))).toEqual({ password: SECRET_PASSWORD });
    });

    it('answers NOT_FOUND when updating a provider that does not exist', async () => {
      const error = await rejection(api.updateProvider({ provider: smppProvider('ghost') }));
      expect(error.code).toBe(status.NOT_FOUND);
    });

    it('audits the update with before and after, credentials by name only', async () => {
      const record = (await auditLog()).find((r) => r.action === 'provider.update' && r.subject === 'smsc-a');
      expect(record?.actor).toBe('admin-token');
      const before = JSON.parse(record?.beforeJson ?? '{}') as { maxInFlight: number; credentials: string[] };
      const after = JSON.parse(record?.afterJson ?? '{}') as { maxInFlight: number; credentials: string[] };
      expect(before.maxInFlight).toBe(100);
      expect(after.maxInFlight).toBe(5);
      expect(after.credentials).toEqual(['password']);
      const everything = JSON.stringify(await auditLog());
      expect(everything).not.toContain(SECRET_PASSWORD);
    });

    it('refuses to delete a provider a route rule names, and deletes it once none does', async () => {
      await api.createProvider({ provider: httpProvider('doomed') });
      const { rule: created } = await api.createRouteRule({ rule: rule('uses-doomed', ['smsc-a'], { fallback: [{ provider: 'doomed', channel: Channel.CHANNEL_SMS, receiptTimeoutSeconds: 30 }] }) });
      const refused = await rejection(api.deleteProvider({ name: 'doomed' }));
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.details).toContain('uses-doomed');

      await api.deleteRouteRule({ id: created?.id ?? '' });
      await api.deleteProvider({ name: 'doomed' });
      expect((await api.listProviders({})).providers.map((p) => p.name)).not.toContain('doomed');
      const record = (await auditLog()).find((r) => r.action === 'provider.delete' && r.subject === 'doomed');
      expect(record?.afterJson).toBe('');
      expect(record?.beforeJson).toContain('"doomed"');
    });
  });

  describe('price tables', () => {
    beforeAll(async () => {
      await api.createProvider({ provider: httpProvider('priced') });
    });

    it('stores a table and reads it back in micros', async () => {
      const entries = [
        { country: 'DE', prefix: '', priceMicros: 72_500 },
        { country: '', prefix: '49151', priceMicros: 65_000 },
      ];
      await api.setPriceTable({ priceTable: { provider: 'priced', currency: 'EUR', entries } });
      const { priceTable } = await api.getPriceTable({ provider: 'priced' });
      expect(priceTable).toEqual({ provider: 'priced', currency: 'EUR', entries });
    });

    it('names the bad entry of a table and changes nothing', async () => {
      const error = await rejection(
        api.setPriceTable({
          priceTable: {
            provider: 'priced',
            currency: 'EUR',
            entries: [
              { country: 'FR', prefix: '', priceMicros: 1 },
              { country: 'XX', prefix: '', priceMicros: 2 },
              { country: '', prefix: '33', priceMicros: -5 },
            ],
          },
        }),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('price_table.entries[1].country');
      expect(error.details).toContain('price_table.entries[2].price_micros');
      expect((await api.getPriceTable({ provider: 'priced' })).priceTable?.entries).toHaveLength(2);
    });

    it('refuses a currency that is not ISO 4217', async () => {
      const error = await rejection(api.setPriceTable({ priceTable: { provider: 'priced', currency: 'EUROS', entries: [] } }));
      expect(errorField(error)).toBe('price_table.currency');
    });

    it('names the lines of a broken CSV', async () => {
      const csv = 'country,prefix,price\nDE,,0.07\nFR,,cheap\nZZ,,0.01\n';
      const error = await rejection(api.importPriceTable({ provider: 'priced', currency: 'EUR', csv }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('csv');
      expect(error.details).toContain('line 3, column price');
      expect(error.details).toContain('line 4, column country');
    });

    it('names the currency of an import that is not ISO 4217', async () => {
      const error = await rejection(api.importPriceTable({ provider: 'priced', currency: 'EURO', csv: 'country,prefix,price\nDE,,0.07\n' }));
      expect(errorField(error)).toBe('currency');
    });

    it('imports a CSV and exports the same table', async () => {
      const csv = 'country,prefix,price\nAT,,0.081\nDE,,0.0725\n,4915,0.06\n,49151,0.065\n';
      const imported = await api.importPriceTable({ provider: 'priced', currency: 'USD', csv });
      expect(imported.entries).toBe(4);
      const exported = await api.exportPriceTable({ provider: 'priced' });
      expect(exported).toEqual({ currency: 'USD', csv });
      const { priceTable } = await api.getPriceTable({ provider: 'priced' });
      expect(priceTable?.entries).toContainEqual({ country: 'DE', prefix: '', priceMicros: 72_500 });

      await api.importPriceTable({ provider: 'priced', currency: exported.currency, csv: exported.csv });
      expect((await api.getPriceTable({ provider: 'priced' })).priceTable).toEqual(priceTable);
    });

    it('audits an import with the table before and after', async () => {
      const record = (await auditLog()).find((r) => r.action === 'price_table.import' && r.subject === 'priced');
      expect(JSON.parse(record?.afterJson ?? '{}')).toMatchObject({ currency: 'USD', entryCount: 4 });
    });

    it('answers NOT_FOUND for the table of an unknown provider', async () => {
      expect((await rejection(api.getPriceTable({ provider: 'ghost' }))).code).toBe(status.NOT_FOUND);
    });
  });

  describe('route rules', () => {
    beforeAll(async () => {
      await api.createProvider({ provider: httpProvider('route-a') });
      await api.createProvider({ provider: httpProvider('route-b') });
    });

    it('puts a new rule last unless it names a priority', async () => {
      const before = (await api.listRouteRules({})).rules;
      const last = Math.max(0, ...before.map((r) => r.priority));
      const { rule: appended } = await api.createRouteRule({ rule: rule('appended', ['route-a']) });
      expect(appended?.priority).toBe(last + 10);
      const { rule: placed } = await api.createRouteRule({ rule: rule('placed', ['route-b'], { priority: 5 }) });
      expect(placed?.priority).toBe(5);
      const names = (await api.listRouteRules({})).rules.map((r) => r.name);
      expect(names.indexOf('placed')).toBeLessThan(names.indexOf('appended'));
    });

    it('names the bad field of a rule as the proto spells it', async () => {
      const bad = rule('bad-rule', ['route-a', 'nobody'], {
        match: { countries: ['DE'], prefixes: ['49', '4x9'], apps: [], channels: [], kinds: [], timeWindow: { days: [1], start: '25:00', end: '06:00', timeZone: 'Europe/Berlin' } },
      });
      const error = await rejection(api.createRouteRule({ rule: bad }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('rule.match.prefixes[1]');
      expect(error.details).toContain('rule.match.time_window.start');
      expect(error.details).toContain('rule.candidates[1]');
    });

    it('refuses a taken name with ALREADY_EXISTS', async () => {
      expect((await rejection(api.createRouteRule({ rule: rule('appended', ['route-a']) }))).code).toBe(status.ALREADY_EXISTS);
    });

    it('allows only one default rule', async () => {
      await api.createRouteRule({ rule: rule('catch-all', ['route-a'], { isDefault: true }) });
      const error = await rejection(api.createRouteRule({ rule: rule('second-default', ['route-b'], { isDefault: true }) }));
      expect(errorField(error)).toBe('rule.is_default');
    });

    it('replaces a rule and audits before and after', async () => {
      const existing = (await api.listRouteRules({})).rules.find((r) => r.name === 'appended');
      const { rule: updated } = await api.updateRouteRule({
        rule: { ...rule('appended', ['route-a', 'route-b'], { strategy: RouteStrategy.ROUTE_STRATEGY_WEIGHTED, weights: { 'route-a': 3, 'route-b': 1 } }), id: existing?.id ?? '' },
      });
      expect(updated?.priority).toBe(existing?.priority);
      expect(updated?.weights).toEqual({ 'route-a': 3, 'route-b': 1 });
      const record = (await auditLog()).find((r) => r.action === 'route_rule.update' && r.subject === existing?.id);
      expect(JSON.parse(record?.beforeJson ?? '{}')).toMatchObject({ candidates: ['route-a'], strategy: 'lowest_cost' });
      expect(JSON.parse(record?.afterJson ?? '{}')).toMatchObject({ candidates: ['route-a', 'route-b'], strategy: 'weighted' });
    });

    it('reorders every rule to priorities 10, 20, …', async () => {
      const ids = (await api.listRouteRules({})).rules.map((r) => r.id).reverse();
      const { rules } = await api.reorderRouteRules({ ids });
      expect(rules.map((r) => r.id)).toEqual(ids);
      expect(rules.map((r) => r.priority)).toEqual(ids.map((_, index) => (index + 1) * 10));
      expect((await api.listRouteRules({})).rules.map((r) => r.id)).toEqual(ids);
    });

    it('changes nothing when a reorder leaves a rule out', async () => {
      const before = (await api.listRouteRules({})).rules;
      const error = await rejection(api.reorderRouteRules({ ids: before.slice(1).map((r) => r.id).reverse() }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('ids');
      expect((await api.listRouteRules({})).rules).toEqual(before);
    });

    it('changes nothing when a reorder names a rule twice', async () => {
      const before = (await api.listRouteRules({})).rules;
      const ids = before.map((r) => r.id);
      const error = await rejection(api.reorderRouteRules({ ids: [...ids.slice(0, -1), ids[0] ?? ''] }));
      expect(errorField(error)).toBe('ids');
      expect((await api.listRouteRules({})).rules).toEqual(before);
    });

    it('deletes a rule and audits what it was', async () => {
      const target = (await api.listRouteRules({})).rules.find((r) => r.name === 'placed');
      await api.deleteRouteRule({ id: target?.id ?? '' });
      expect((await api.listRouteRules({})).rules.map((r) => r.name)).not.toContain('placed');
      const record = (await auditLog()).find((r) => r.action === 'route_rule.delete');
      expect(JSON.parse(record?.beforeJson ?? '{}')).toMatchObject({ name: 'placed' });
    });

    it('answers INVALID_ARGUMENT for a malformed rule id', async () => {
      const error = await rejection(api.deleteRouteRule({ id: 'not-a-uuid' }));
      expect(errorField(error)).toBe('id');
    });
  });

  describe('apps and API keys', () => {
    const app = {
      id: '',
      name: 'shop',
      senderId: 'Shop',
      domain: 'shop.example.com',
      defaultLocale: 'de-CH',
      allowedCountries: ['DE', 'CH'],
      defaultCodeLength: 6,
      templates: { login: { texts: { en: 'Your {brand} code: {code}', de: 'Ihr {brand} Code: {code}, gültig {minutes} Min.' } } },
      emailTemplates: { de: { subject: 'Ihr {brand} Code', text: 'Ihr Code: {code}', html: '<p>Ihr Code: <b>{code}</b></p>' } },
    };

    it('creates an app and lists it', async () => {
      const created = await api.createApp({ app });
      expect(created.app).toMatchObject({ ...app, id: expect.any(String) as string });
      expect((await api.listApps({})).apps.map((a) => a.name)).toContain('shop');
    });

    it('names every bad field of an app', async () => {
      const bad = {
        ...app,
        name: 'shop-2',
        senderId: 'Way too long sender',
        templates: { login: { texts: { en: 'Your code is {pin}' } } },
        emailTemplates: { de: { subject: 'Code', text: 'no code', html: '<p>{code}</p>' } },
        defaultCodeLength: 12,
      };
      const error = await rejection(api.createApp({ app: bad }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('app.sender_id');
      expect(error.details).toContain('app.default_code_length');
      expect(error.details).toContain('app.templates.login.texts.en');
      expect(error.details).toContain('{pin}');
      expect(error.details).toContain('app.email_templates.de.text: must contain {code}');
    });

    it('answers a locale key outside ASCII with INVALID_ARGUMENT, the field percent-encoded', async () => {
      const template = { subject: 'Code', text: '{code}', html: '<p>{code}</p>' };
      const error = await rejection(api.createApp({ app: { ...app, name: 'shop-3', emailTemplates: { 'deé': template } } }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('app.email_templates.de%C3%A9');
      expect(error.details).toContain('"deé" is not a BCP 47 language tag');
    });

    it('updates an app by id', async () => {
      const id = (await api.listApps({})).apps.find((a) => a.name === 'shop')?.id ?? '';
      const { app: updated } = await api.updateApp({ app: { ...app, id, senderId: '+4930123456', allowedCountries: [] } });
      expect(updated?.senderId).toBe('+4930123456');
      expect(updated?.allowedCountries).toEqual([]);
    });

    it('shows a new API key once, stores only its hash, and revokes it', async () => {
      const appId = (await api.listApps({})).apps.find((a) => a.name === 'shop')?.id ?? '';
      const { apiKey, secret } = await api.createApiKey({ appId });
      expect(secret).toMatch(/^sb_/);
      expect(secret.startsWith(apiKey?.prefix ?? '?')).toBe(true);
      const row = await database.em.fork().findOneOrFail(ApiKeySchema, { id: apiKey?.id ?? '' });
      expect(row.keyHash).toBe(hashApiKey(secret));

      const listed = (await api.listApiKeys({ appId })).apiKeys;
      expect(listed).toEqual([{ id: apiKey?.id, appId, prefix: apiKey?.prefix, createdAt: apiKey?.createdAt, revokedAt: undefined }]);
      expect(JSON.stringify(listed)).not.toContain(secret);

      const revoked = await api.revokeApiKey({ id: apiKey?.id ?? '' });
      expect(revoked.apiKey?.revokedAt).toBeInstanceOf(Date);
      const reread = await database.em.fork().findOneOrFail(ApiKeySchema, { id: apiKey?.id ?? '' });
      expect(reread.revokedAt).toBeInstanceOf(Date);
      expect(JSON.stringify(await auditLog())).not.toContain(secret);
    });

    it('answers NOT_FOUND for the keys of an unknown app', async () => {
      expect((await rejection(api.createApiKey({ appId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    });
  });

  describe('modem agents', () => {
    it('registers an agent and shows its token once, storing only its hash', async () => {
      const { agent, token } = await api.createAgent({ agent: agentMessage('site-lyon-1', 'Lyon, rack 2') });

      expect(token).toMatch(/^sbagent_[A-Za-z0-9_-]{43}$/);
      expect(agent).toMatchObject({ id: 'site-lyon-1', description: 'Lyon, rack 2', tokenPrefix: token.slice(0, 12), connected: false, replica: '', modems: [] });
      expect(agent?.createdAt).toBeInstanceOf(Date);
      expect(agent?.connectedAt).toBeUndefined();
      const row = await database.em.fork().findOneOrFail(AgentSchema, { id: 'site-lyon-1' });
      expect([row.tokenHash, row.tokenPrefix]).toEqual([hashApiKey(token), token.slice(0, 12)]);

      const listed = await api.listAgents({});
      expect(listed.agents.map((entry) => entry.id)).toContain('site-lyon-1');
      expect(JSON.stringify([listed, await api.getAgent({ id: 'site-lyon-1' }), await auditLog()])).not.toContain(token);
      expect(JSON.stringify(await auditLog())).not.toContain(row.tokenHash);
    });

    it('shows what the agent link stored of a connected agent: replica, version, modems', async () => {
      await api.createAgent({ agent: agentMessage('site-live') });
      const modem = { label: 'orange-1', imei: '356938035643809', imsi: '208011234567890', operator: 'Orange F', signalQuality: 21, health: 'sim-problem', detail: 'SIM PIN required', queued: 2, sentLastMinute: 3, maxPerMinute: 6 };
      const now = new Date();
      await database.em.fork().nativeUpdate(AgentSchema, { id: 'site-live' }, { sessionId: 'session-1', replica: 'replica-a', agentVersion: '1.2.0', modems: [modem], connectedAt: now, lastSeenAt: now });

      const { agent } = await api.getAgent({ id: 'site-live' });

      expect(agent).toMatchObject({ connected: true, replica: 'replica-a', agentVersion: '1.2.0' });
      expect(agent?.modems).toEqual([{ ...modem, health: ModemHealth.MODEM_HEALTH_SIM_PROBLEM }]);
      await database.em.fork().nativeUpdate(AgentSchema, { id: 'site-live' }, { lastSeenAt: new Date(now.getTime() - 60_000) });
      expect((await api.getAgent({ id: 'site-live' })).agent?.connected).toBe(false);
    });

    it('changes the description and audits before and after', async () => {
      await api.createAgent({ agent: agentMessage('site-edit', 'old') });

      const { agent } = await api.updateAgent({ agent: { ...agentMessage('site-edit', 'Lyon, rack 3'), tokenPrefix: 'ignored' } });

      expect(agent?.description).toBe('Lyon, rack 3');
      expect(agent?.tokenPrefix).not.toBe('ignored');
      const [record] = await auditLog();
      expect(record).toMatchObject({ action: 'agent.update', subject: 'site-edit' });
      expect(JSON.parse(record?.beforeJson ?? '{}')).toMatchObject({ description: 'old' });
    });

    it('rotates a token: the old one matches nothing, and every replica is told to end the stream', async () => {
      const created = await api.createAgent({ agent: agentMessage('site-rotate') });
      const notices: string[] = [];
      const stop = await listenForNotifications(database, { [AGENT_CHANNEL]: (payload) => notices.push(payload) }, silentLogger);
      try {
        const rotated = await api.rotateAgentToken({ id: 'site-rotate' });

        expect(rotated.token).not.toBe(created.token);
        expect(rotated.agent?.tokenPrefix).toBe(rotated.token.slice(0, 12));
        const em = database.em.fork();
        expect(await em.findOne(AgentSchema, { tokenHash: hashApiKey(created.token) })).toBeNull();
        expect((await em.findOneOrFail(AgentSchema, { id: 'site-rotate' })).tokenHash).toBe(hashApiKey(rotated.token));
        await waitFor(() => notices.includes('session site-rotate revoked'), 'the session notice');
        expect((await auditLog())[0]).toMatchObject({ action: 'agent.rotate_token', subject: 'site-rotate' });
      } finally {
        await stop();
      }
    });

    it('names the bad field of an agent as the proto spells it', async () => {
      const badId = await rejection(api.createAgent({ agent: agentMessage('-lyon') }));
      expect([badId.code, errorField(badId)]).toEqual([status.INVALID_ARGUMENT, 'agent.id']);
      const long = await rejection(api.createAgent({ agent: agentMessage('site-long', 'x'.repeat(201)) }));
      expect(errorField(long)).toBe('agent.description');
      expect(errorField(await rejection(api.createAgent({})))).toBe('agent');
      expect(errorField(await rejection(api.getAgent({ id: 'site a' })))).toBe('id');
      expect(errorField(await rejection(api.rotateAgentToken({ id: '' })))).toBe('id');
    });

    it('answers ALREADY_EXISTS for a taken id and NOT_FOUND for an unknown one', async () => {
      await api.createAgent({ agent: agentMessage('site-taken') });
      expect((await rejection(api.createAgent({ agent: agentMessage('site-taken') }))).code).toBe(status.ALREADY_EXISTS);
      expect((await rejection(api.getAgent({ id: 'site-ghost' }))).code).toBe(status.NOT_FOUND);
      expect((await rejection(api.updateAgent({ agent: agentMessage('site-ghost') }))).code).toBe(status.NOT_FOUND);
      expect((await rejection(api.rotateAgentToken({ id: 'site-ghost' }))).code).toBe(status.NOT_FOUND);
      expect((await rejection(api.deleteAgent({ id: 'site-ghost' }))).code).toBe(status.NOT_FOUND);
    });

    it('refuses a provider of kind agent naming an agent that is not registered, naming the setting', async () => {
      const error = await rejection(api.createProvider({ provider: agentProvider('modems-ghost', 'site-ghost') }));

      expect([error.code, errorField(error)]).toEqual([status.INVALID_ARGUMENT, 'provider.settings.agent']);
      expect(error.details).toContain('no modem agent "site-ghost" is registered; create it with CreateAgent first');
      expect((await api.listProviders({})).providers.map((provider) => provider.name)).not.toContain('modems-ghost');
    });

    it('creates a provider naming a registered agent, and refuses to delete the agent until it is gone', async () => {
      await api.createAgent({ agent: agentMessage('site-named') });
      const { provider } = await api.createProvider({ provider: agentProvider('modems-named', 'site-named') });
      expect(provider).toMatchObject({ kind: ProviderKind.PROVIDER_KIND_AGENT, settings: { agent: 'site-named' } });

      const refused = await rejection(api.deleteAgent({ id: 'site-named' }));
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.details).toContain('provider(s) "modems-named"');

      await api.deleteProvider({ name: 'modems-named' });
      await api.deleteAgent({ id: 'site-named' });
      expect((await api.listAgents({})).agents.map((agent) => agent.id)).not.toContain('site-named');
      expect((await auditLog())[0]).toMatchObject({ action: 'agent.delete', subject: 'site-named', afterJson: '' });
    });
  });

  describe('SimulateRoute', () => {
    beforeAll(async () => {
      await api.createProvider({ provider: httpProvider('sim-cheap') });
      await api.createProvider({ provider: httpProvider('sim-usd') });
      await api.createProvider({ provider: httpProvider('sim-off', { enabled: false }) });
      await api.createProvider({ provider: httpProvider('sim-sick') });
      await api.createProvider({ provider: httpProvider('sim-unpriced') });
      await api.setPriceTable({ priceTable: { provider: 'sim-cheap', currency: 'EUR', entries: [{ country: 'DE', prefix: '', priceMicros: 50_000 }] } });
      await api.setPriceTable({ priceTable: { provider: 'sim-usd', currency: 'USD', entries: [{ country: '', prefix: '49151', priceMicros: 100_000 }] } });
      await api.setPriceTable({ priceTable: { provider: 'sim-sick', currency: 'EUR', entries: [{ country: 'DE', prefix: '', priceMicros: 1_000 }] } });
      await api.createRouteRule({
        rule: rule('sim-de', ['sim-usd', 'sim-cheap', 'sim-off', 'sim-sick', 'sim-unpriced'], {
          priority: 1,
          match: { countries: ['DE'], prefixes: [], apps: ['sim-app'], channels: [], kinds: [], timeWindow: undefined },
        }),
      });
      health = [{ provider: 'sim-sick', circuit: 'open', consecutiveFailures: 5, receiptFailureRate: 0.5, inFlight: 0, connection: 'bound', retryAt: new Date(Date.now() + 30_000), binds: [], lastError: '' }];
      await reloadRouting();
    });

    const simulate = (request: Partial<SimulateRouteRequest>) =>
      api.simulateRoute({ to: '+4915123456789', app: 'sim-app', channel: Channel.CHANNEL_UNSPECIFIED, kind: MessageKind.MESSAGE_KIND_UNSPECIFIED, parts: 0, ...request });

    it('orders the usable providers by cost in the routing currency, times the parts', async () => {
      const plan = await simulate({ parts: 2 });
      expect(plan.rule).toBe('sim-de');
      expect(plan.country).toBe('DE');
      expect(plan.steps.map((s) => [s.provider, s.expectedCost])).toEqual([
        ['sim-cheap', { currency: 'EUR', micros: 100_000 }],
        ['sim-usd', { currency: 'EUR', micros: 180_000 }],
      ]);
      expect(plan.steps[0]?.receiptTimeoutSeconds).toBe(60);
    });

    it('says why every other provider was left out', async () => {
      const { skipped } = await simulate({});
      expect(skipped).toContainEqual({ provider: 'sim-off', reason: 'disabled' });
      expect(skipped).toContainEqual({ provider: 'sim-sick', reason: 'circuit open' });
      expect(skipped).toContainEqual({ provider: 'sim-unpriced', reason: 'no price' });
      expect(skipped).toContainEqual({ provider: 'route-a', reason: 'excluded by rule' });
    });

    it('answers FAILED_PRECONDITION with the reasons when the matching rule has no usable provider', async () => {
      // "appended" (from the route rule tests) matches any message; its providers serve SMS only.
      const error = await rejection(simulate({ to: '+12025550143', app: '', channel: Channel.CHANNEL_VOICE }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.details).toContain('"appended"');
      expect(error.details).toContain('channel not served');
    });

    it('names `to` when the number is not E.164', async () => {
      const error = await rejection(simulate({ to: '015123456789' }));
      expect(errorField(error)).toBe('to');
    });
  });

  describe('delivery log', () => {
    let appId: string;
    let otherAppId: string;
    const ids: string[] = [];
    const base = Date.parse('2026-03-01T12:00:00.000Z');

    beforeAll(async () => {
      const em = database.em.fork();
      appId = randomUUID();
      otherAppId = randomUUID();
      for (const [id, name] of [[appId, 'log-app'], [otherAppId, 'log-other']] as const) {
        await em.insert(AppSchema, { id, name, domain: null, defaultLocale: 'en', senderId: 'Log', templates: {}, allowedCountries: [], defaultCodeLength: 6, createdAt: new Date(base) });
      }
      const smscA = await em.findOneOrFail(ProviderSchema, { name: 'smsc-a' });
      const priced = await em.findOneOrFail(ProviderSchema, { name: 'priced' });
      // 12 messages; 4 pairs share a creation time, so the page boundary must break ties by id.
      for (let index = 0; index < 12; index++) {
        const id = randomUUID();
        ids.push(id);
        const createdAt = new Date(base + Math.floor(index / 2) * 60_000);
        await em.insert(MessageSchema, {
          id,
          app: index === 11 ? otherAppId : appId,
          verification: null,
          kind: 'transactional',
          channel: 'sms',
          to: index % 2 === 0 ? '+4915100000001' : '+4915100000002',
          country: 'DE',
          sender: 'Log',
          bodyCiphertext: null,
          status: index % 4 === 0 ? 'failed' : 'delivered',
          plan: null,
          routeRule: 'sim-de',
          parts: 1,
          step: 0,
          retries: 0,
          notBefore: createdAt,
          leaseUntil: null,
          leaseOwner: null,
          lastError: index % 4 === 0 ? 'every step failed' : null,
          createdAt,
          updatedAt: createdAt,
        });
        const attempt = (step: number, provider: string, attemptStatus: string) => ({
          id: randomUUID(),
          message: id,
          provider,
          step,
          channel: 'sms',
          expectedCostMicros: 72_500,
          actualCostMicros: attemptStatus === 'failed' ? null : 72_500,
          currency: 'EUR',
          receiptTimeoutSeconds: 60,
          status: attemptStatus,
          providerMessageId: `pm-${index}-${step}`,
          parts: 1,
          errorCode: attemptStatus === 'failed' ? '0x00000045' : null,
          errorMessage: attemptStatus === 'failed' ? 'submit_sm failed' : null,
          createdAt: new Date(createdAt.getTime() + step * 1000),
          submittedAt: new Date(createdAt.getTime() + step * 1000 + 100),
          completedAt: new Date(createdAt.getTime() + step * 1000 + 500),
        });
        await em.insert(AttemptSchema, attempt(0, smscA.id, index % 3 === 0 ? 'failed' : 'delivered'));
        if (index % 3 === 0) await em.insert(AttemptSchema, attempt(1, priced.id, 'delivered'));
      }
    });

    /** Walks every page; returns the ids in order. */
    async function allPages(request: Partial<ListMessagesRequest>): Promise<{ ids: string[]; pages: number }> {
      const seen: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page = await listMessages({ ...request, pageToken });
        seen.push(...page.messages.map((m) => m.id));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== '' && pages < 50);
      return { ids: seen, pages };
    }

    it('pages through the log newest first without duplicates or gaps', async () => {
      const { ids: listed, pages } = await allPages({ app: 'log-app', pageSize: 5 });
      expect(pages).toBe(3);
      expect(new Set(listed).size).toBe(listed.length);
      expect(listed).toHaveLength(11);
      const rows = await database.em.fork().find(MessageSchema, { app: appId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      expect(listed).toEqual(rows.map((row) => row.id));
    });

    it('returns each message with its attempts in step order, costs as money', async () => {
      const { messages } = await listMessages({ app: 'log-app', pageSize: 500 });
      const withFallback = messages.find((m) => m.id === ids[3]);
      expect(withFallback?.attempts.map((a) => [a.step, a.provider, a.status])).toEqual([
        [0, 'smsc-a', AttemptStatus.ATTEMPT_STATUS_FAILED],
        [1, 'priced', AttemptStatus.ATTEMPT_STATUS_DELIVERED],
      ]);
      expect(withFallback?.attempts[1]?.actualCost).toEqual({ currency: 'EUR', micros: 72_500 });
      expect(withFallback?.app).toBe('log-app');
    });

    it('filters by number, status, provider, app and time range', async () => {
      const byTo = await allPages({ to: '+4915100000002', app: 'log-app' });
      expect(byTo.ids.sort()).toEqual(ids.filter((_, i) => i % 2 === 1 && i !== 11).sort());
      const failed = await allPages({ status: MessageStatus.MESSAGE_STATUS_FAILED, app: 'log-app' });
      expect(failed.ids.sort()).toEqual(ids.filter((_, i) => i % 4 === 0).sort());
      const viaPriced = await allPages({ provider: 'priced' });
      expect(viaPriced.ids.sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
      const other = await allPages({ app: 'log-other' });
      expect(other.ids).toEqual([ids[11]]);
      const window = await allPages({ app: 'log-app', createdAfter: new Date(base + 60_000), createdBefore: new Date(base + 180_000) });
      expect(window.ids.sort()).toEqual(ids.slice(2, 6).sort());
    });

    it('refuses a page token it did not issue', async () => {
      const error = await rejection(listMessages({ pageToken: 'bm90LWEtdG9rZW4' }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(errorField(error)).toBe('page_token');
    });

    it('refuses a page size above 500', async () => {
      expect(errorField(await rejection(listMessages({ pageSize: 501 })))).toBe('page_size');
    });

    it('reads one message with its attempt timeline', async () => {
      const { message } = await api.getMessage({ messageId: ids[0] ?? '' });
      expect(message?.status).toBe(MessageStatus.MESSAGE_STATUS_FAILED);
      expect(message?.lastError).toBe('every step failed');
      expect(message?.attempts).toHaveLength(2);
      expect(message?.attempts[0]).toMatchObject({ provider: 'smsc-a', errorCode: '0x00000045', expectedCost: { currency: 'EUR', micros: 72_500 }, actualCost: undefined });
    });

    it('answers NOT_FOUND for an unknown message', async () => {
      expect((await rejection(api.getMessage({ messageId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    });
  });

  describe('health and audit log', () => {
    it('reports provider health as this replica sees it', async () => {
      const retryAt = new Date('2026-03-01T12:00:30.000Z');
      health = [
        { provider: 'smsc-a', circuit: 'half_open', consecutiveFailures: 3, receiptFailureRate: 0.25, inFlight: 4, connection: 'bound', retryAt: null, binds: [], lastError: '' },
        { provider: 'priced', circuit: 'open', consecutiveFailures: 7, receiptFailureRate: 1, inFlight: 0, connection: 'disconnected', retryAt, binds: [{ id: 'trx-1', bindType: 'transceiver', state: 'disconnected', outstanding: 0, since: retryAt, lastError: 'ESME_RINVPASWD' }], lastError: 'ESME_RINVPASWD' },
      ];
      const { providers } = await api.getProviderHealth({});
      expect(providers).toEqual([
        { provider: 'smsc-a', circuit: CircuitState.CIRCUIT_STATE_HALF_OPEN, consecutiveFailures: 3, receiptFailureRate: 0.25, inFlight: 4, connection: 'bound', retryAt: undefined, binds: [], lastError: '' },
        { provider: 'priced', circuit: CircuitState.CIRCUIT_STATE_OPEN, consecutiveFailures: 7, receiptFailureRate: 1, inFlight: 0, connection: 'disconnected', retryAt, binds: [{ id: 'trx-1', bindType: 'transceiver', state: 'disconnected', outstanding: 0, since: retryAt, lastError: 'ESME_RINVPASWD' }], lastError: 'ESME_RINVPASWD' },
      ]);
    });

    it('pages through the audit log newest first without duplicates', async () => {
      const all = await auditLog();
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await api.listAuditRecords({ pageSize: 7, pageToken });
        seen.push(...page.records.map((r) => r.id));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      expect(seen).toEqual(all.map((r) => r.id));
      const times = all.map((r) => r.createdAt?.getTime() ?? 0);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });
  });
});
