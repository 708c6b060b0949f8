import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { VerifyServiceService, type VerifyServiceServer } from '@switchboard/proto/switchboard/v1/verify';
import { protoFiles, protoRoot } from '@switchboard/proto/protos';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';

/** Services this process serves, by their fully-qualified names (for health). */
export const SERVICE_NAMES = ['switchboard.v1.VerifyService'] as const;

export interface GrpcServerHandle {
  readonly port: number;
  readonly health: HealthImplementation;
  /** Stops accepting calls, lets running ones finish for up to `graceMs`, then cuts them. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Builds and binds the gRPC server: VerifyService, gRPC health (overall and per service) and
 * server reflection, so grpcurl and Postman work without the .proto files.
 */
export async function startGrpcServer(options: { host: string; port: number; verify: VerifyServiceServer }): Promise<GrpcServerHandle> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 });
  server.addService(VerifyServiceService, options.verify);

  const health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(SERVICE_NAMES.map((name) => [name, 'NOT_SERVING'])) });
  health.addToServer(server);

  // Reflection needs a proto-loader definition of the same files; ts-proto does not emit one.
  // Health is included so `grpcurl … grpc.health.v1.Health/Check` works without its .proto too.
  const definition = loadSync([...protoFiles, healthProtoPath], { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  new ReflectionService(definition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
  health.setStatus('', 'SERVING');
  for (const name of SERVICE_NAMES) health.setStatus(name, 'SERVING');

  return {
    port,
    health,
    async stop(graceMs: number) {
      health.setStatus('', 'NOT_SERVING');
      for (const name of SERVICE_NAMES) health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
