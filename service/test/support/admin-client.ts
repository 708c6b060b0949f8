import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient } from '@switchboard/proto/switchboard/v1/admin';

/** The admin token every test system is started with. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/**
 * An AdminService client whose unary methods return promises:
 * `await admin.call('updateRouteRule', { rule })`.
 */
export function adminClient(port: number, token = TEST_ADMIN_TOKEN) {
  const client = new AdminServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return {
    client,
    call<Res>(method: keyof AdminServiceClient, request: object): Promise<Res> {
      const fn = Reflect.get(client, method) as (request: object, metadata: Metadata, callback: Callback<Res>) => unknown;
      return new Promise((resolve, reject) => {
        fn.call(client, request, metadata, (error: ServiceError | null, response: Res) => {
          if (error) reject(error);
          else resolve(response);
        });
      });
    },
    close() {
      client.close();
    },
  };
}
