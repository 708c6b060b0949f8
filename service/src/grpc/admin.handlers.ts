import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { AdminServiceServer } from '@switchboard/proto/switchboard/v1/admin';
import type { AdminService } from '../admin/admin.service.js';
import { authenticateAdmin } from './admin-auth.js';
import {
  agentFromProto,
  agentToProto,
  apiKeyToProto,
  appFromProto,
  appToProto,
  auditRecordToProto,
  inboundMessageToProto,
  messageQueryFromProto,
  messageToProto,
  priceTableFromProto,
  priceTableToProto,
  providerFromProto,
  providerHealthToProto,
  providerKindToProto,
  providerToProto,
  routeRuleFromProto,
  routeRuleToProto,
  simulatedRouteToProto,
  simulateRouteFromProto,
} from './admin.mappers.js';
import { toServiceError } from './status-mapping.js';
import type { Logger } from '../shared/logger.js';

/**
 * Thin AdminService handlers: check the admin token, map the request, call one service method,
 * map the answer. Changes are logged with actor and method (never their content: it may hold
 * credentials). Errors of any kind go through `toServiceError`.
 */
export function adminServiceHandlers(deps: { admin: AdminService; adminToken: string; logger: Logger }): AdminServiceServer {
  const { admin, adminToken, logger } = deps;

  function unary<Req, Res>(work: (actor: string, request: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      Promise.resolve()
        .then(() => work(authenticateAdmin(call.metadata, adminToken), call.request))
        .then(
          (response) => { callback(null, response); },
          (error: unknown) => { callback(toServiceError(error, logger)); },
        );
    };
  }

  /** A change: as `unary`, plus one log line saying who changed what. */
  function change<Req, Res>(method: string, subject: (request: Req, response: Res) => string, work: (actor: string, request: Req) => Promise<Res>) {
    return unary<Req, Res>(async (actor, request) => {
      const response = await work(actor, request);
      logger.info({ actor, method, subject: subject(request, response) }, 'admin change');
      return response;
    });
  }

  return {
    listProviders: unary(async () => ({ providers: (await admin.providers.list()).map(providerToProto) })),
    createProvider: change('CreateProvider', (_q, r) => r.provider?.name ?? '', async (actor, request) => ({
      provider: providerToProto(await admin.providers.create(actor, providerFromProto(request.provider))),
    })),
    updateProvider: change('UpdateProvider', (_q, r) => r.provider?.name ?? '', async (actor, request) => ({
      provider: providerToProto(await admin.providers.update(actor, providerFromProto(request.provider))),
    })),
    listProviderKinds: unary(() => Promise.resolve({ kinds: admin.providers.kinds().map(providerKindToProto) })),
    deleteProvider: change('DeleteProvider', (q) => q.name, async (actor, request) => {
      await admin.providers.delete(actor, request.name);
      return {};
    }),

    getPriceTable: unary(async (_actor, request) => ({ priceTable: priceTableToProto(await admin.prices.get(request.provider)) })),
    setPriceTable: change('SetPriceTable', (_q, r) => r.priceTable?.provider ?? '', async (actor, request) => ({
      priceTable: priceTableToProto(await admin.prices.set(actor, priceTableFromProto(request.priceTable))),
    })),
    importPriceTable: change('ImportPriceTable', (q) => q.provider, async (actor, request) => ({
      entries: await admin.prices.importCsv(actor, { provider: request.provider, currency: request.currency, csv: request.csv }),
    })),
    exportPriceTable: unary(async (_actor, request) => admin.prices.exportCsv(request.provider)),

    listRouteRules: unary(async () => ({ rules: (await admin.routes.list()).map(routeRuleToProto) })),
    createRouteRule: change('CreateRouteRule', (_q, r) => r.rule?.id ?? '', async (actor, request) => {
      const { draft } = routeRuleFromProto(request.rule);
      return { rule: routeRuleToProto(await admin.routes.create(actor, draft)) };
    }),
    updateRouteRule: change('UpdateRouteRule', (_q, r) => r.rule?.id ?? '', async (actor, request) => {
      const { id, draft } = routeRuleFromProto(request.rule);
      return { rule: routeRuleToProto(await admin.routes.update(actor, id, draft)) };
    }),
    deleteRouteRule: change('DeleteRouteRule', (q) => q.id, async (actor, request) => {
      await admin.routes.delete(actor, request.id);
      return {};
    }),
    reorderRouteRules: change('ReorderRouteRules', () => 'route_rules', async (actor, request) => ({
      rules: (await admin.routes.reorder(actor, request.ids)).map(routeRuleToProto),
    })),

    listApps: unary(async () => ({ apps: (await admin.apps.list()).map(appToProto) })),
    createApp: change('CreateApp', (_q, r) => r.app?.id ?? '', async (actor, request) => ({
      app: appToProto(await admin.apps.create(actor, appFromProto(request.app).draft)),
    })),
    updateApp: change('UpdateApp', (_q, r) => r.app?.id ?? '', async (actor, request) => {
      const { id, draft } = appFromProto(request.app);
      return { app: appToProto(await admin.apps.update(actor, id, draft)) };
    }),
    createApiKey: change('CreateApiKey', (_q, r) => r.apiKey?.id ?? '', async (actor, request) => {
      const { apiKey, secret } = await admin.apps.createApiKey(actor, request.appId);
      return { apiKey: apiKeyToProto(apiKey), secret };
    }),
    listApiKeys: unary(async (_actor, request) => ({ apiKeys: (await admin.apps.listApiKeys(request.appId)).map(apiKeyToProto) })),
    revokeApiKey: change('RevokeApiKey', (q) => q.id, async (actor, request) => ({ apiKey: apiKeyToProto(await admin.apps.revokeApiKey(actor, request.id)) })),

    createAgent: change('CreateAgent', (_q, r) => r.agent?.id ?? '', async (actor, request) => {
      const { agent, token } = await admin.agents.create(actor, agentFromProto(request.agent));
      return { agent: agentToProto(agent), token };
    }),
    listAgents: unary(async () => ({ agents: (await admin.agents.list()).map(agentToProto) })),
    getAgent: unary(async (_actor, request) => ({ agent: agentToProto(await admin.agents.get(request.id)) })),
    updateAgent: change('UpdateAgent', (_q, r) => r.agent?.id ?? '', async (actor, request) => ({
      agent: agentToProto(await admin.agents.update(actor, agentFromProto(request.agent))),
    })),
    rotateAgentToken: change('RotateAgentToken', (q) => q.id, async (actor, request) => {
      const { agent, token } = await admin.agents.rotateToken(actor, request.id);
      return { agent: agentToProto(agent), token };
    }),
    deleteAgent: change('DeleteAgent', (q) => q.id, async (actor, request) => {
      await admin.agents.delete(actor, request.id);
      return {};
    }),

    simulateRoute: unary(async (_actor, request) => {
      const query = simulateRouteFromProto(request);
      return simulatedRouteToProto(await admin.routes.simulate(query), query.channel);
    }),
    listMessages: unary(async (_actor, request) => {
      const page = await admin.log.messages(messageQueryFromProto(request));
      return { messages: page.items.map(messageToProto), nextPageToken: page.nextPageToken };
    }),
    getMessage: unary(async (_actor, request) => ({ message: messageToProto(await admin.log.message(request.messageId)) })),
    getProviderHealth: unary(() => Promise.resolve({ providers: admin.log.health().map(providerHealthToProto) })),
    listAuditRecords: unary(async (_actor, request) => {
      const page = await admin.log.auditRecords({ pageSize: request.pageSize, pageToken: request.pageToken });
      return { records: page.items.map(auditRecordToProto), nextPageToken: page.nextPageToken };
    }),
    listInboundMessages: unary(async (_actor, request) => {
      const page = await admin.log.inboundMessages({ pageSize: request.pageSize, pageToken: request.pageToken, provider: request.provider, from: request.from });
      return { messages: page.items.map(inboundMessageToProto), nextPageToken: page.nextPageToken };
    }),
  };
}
