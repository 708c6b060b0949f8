import { SWITCHBOARD_GRPC_URL } from '$app/env/private';
import type { PageServerLoad } from './$types';

/**
 * What the landing page knows about the service. The target comes from the environment; the
 * health itself stays unknown until AdminService gives the dashboard something to ask.
 */
export interface ServiceHealth {
  /** host:port the dashboard will call, from `SWITCHBOARD_GRPC_URL`. */
  target: string;
  /** `unknown` until the dashboard has a gRPC client; never a guess. */
  status: 'unknown';
  /** Why the status is what it is, shown to the admin as is. */
  detail: string;
}

export const load: PageServerLoad = () => {
  const health: ServiceHealth = {
    target: SWITCHBOARD_GRPC_URL,
    status: 'unknown',
    detail: 'Not checked: the dashboard has no gRPC client until AdminService exists.',
  };
  return { health };
};
