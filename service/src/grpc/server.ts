import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoFiles, protoRoot } from '@switchboard/proto/protos';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';

/** One gRPC service to serve: its definition, implementation and fully-qualified name (for health). */
export interface ServedService {
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcServerHandle {
  readonly port: number;
  readonly health: HealthImplementation;
  /** Stops accepting calls, lets running ones finish for up to `graceMs`, then cuts them. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Builds and binds the gRPC server: the given services, gRPC health (overall and per service) and
 * server reflection, so grpcurl and Postman work without the .proto files.
 */
export async function startGrpcServer(options: { host: string; port: number; services: readonly ServedService[] }): Promise<GrpcServerHandle> {
  // 4 MiB: price tables arrive as CSV through AdminService; everything else is far smaller.
  const server = new Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    // Modem agents hold one stream each for days, often behind NAT: ping them so a path that died
    // silently ends the stream (and frees the agent for its reconnect) within about a minute,
    // and let them ping us as often as every 20 s to keep their NAT mapping alive.
    'grpc.keepalive_time_ms': 45_000,
    'grpc.keepalive_timeout_ms': 15_000,
    'grpc.http2.min_ping_interval_without_data_ms': 20_000,
  });
  for (const service of options.services) server.addService(service.definition, service.implementation);
  const names = options.services.map((service) => service.name);

  const health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(names.map((name) => [name, 'NOT_SERVING'])) });
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
  for (const name of names) health.setStatus(name, 'SERVING');

  return {
    port,
    health,
    async stop(graceMs: number) {
      health.setStatus('', 'NOT_SERVING');
      for (const name of names) health.setStatus(name, 'NOT_SERVING');
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
