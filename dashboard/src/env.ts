import { defineEnvVars } from '@sveltejs/kit/env';

/** Where the service listens when nothing says otherwise: the service's own default bind. */
export const DEFAULT_GRPC_URL = '127.0.0.1:50051';

/**
 * The dashboard's environment. SvelteKit 3 validates these at start and exposes them through
 * `$app/env/private` (server-only), so nothing else reads `process.env`.
 */
export const variables = defineEnvVars({
  SWITCHBOARD_GRPC_URL: {
    description: `host:port of the Switchboard service's gRPC endpoint (default ${DEFAULT_GRPC_URL})`,
    schema: (value: string | undefined): string => {
      const trimmed = value?.trim() ?? '';
      return trimmed === '' ? DEFAULT_GRPC_URL : trimmed;
    },
  },
});
