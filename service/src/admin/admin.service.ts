/**
 * AdminService: what admins (the dashboard, scripts) do, by feature, over plain domain types.
 * Every change validates first, is all-or-nothing, writes an audit record naming the actor, and
 * announces itself so every replica follows within a moment.
 */
import type { RoutingTable } from '../routing/router.js';
import { AdminContext } from './admin-context.js';
import type { ProviderHealthSnapshot } from './admin-model.js';
import type { AdminStore } from './admin.ports.js';
import { AgentAdmin } from './agent-admin.js';
import { AppAdmin } from './app-admin.js';
import { DeliveryLog } from './delivery-log.js';
import { PriceAdmin } from './price-admin.js';
import { ProviderAdmin } from './provider-admin.js';
import { RouteAdmin } from './route-admin.js';

/** What AdminService needs from the rest of the process. */
export interface AdminServiceDeps {
  /** Where the configuration lives; it seals secrets, audits and announces each change. */
  readonly store: AdminStore;
  /** The routing table this replica routes with right now (SimulateRoute asks it). */
  readonly routing: { current(): RoutingTable };
  /** Live provider health of this replica. */
  readonly health: { snapshot(): ProviderHealthSnapshot[] };
  readonly now?: () => Date;
}

/** The features; `actor` on each change names who makes it. */
export class AdminService {
  readonly providers: ProviderAdmin;
  readonly prices: PriceAdmin;
  readonly routes: RouteAdmin;
  readonly apps: AppAdmin;
  readonly agents: AgentAdmin;
  readonly log: DeliveryLog;

  constructor(deps: AdminServiceDeps) {
    const context = new AdminContext(deps);
    this.providers = new ProviderAdmin(context);
    this.prices = new PriceAdmin(context);
    this.routes = new RouteAdmin(context, deps.routing, deps.health);
    this.apps = new AppAdmin(context);
    this.agents = new AgentAdmin(context);
    this.log = new DeliveryLog(context, deps.health);
  }
}
