// Where the .proto sources live, for runtime loaders (gRPC server reflection needs a
// @grpc/proto-loader definition of the same files; ts-proto's output does not provide one).
import { fileURLToPath } from 'node:url';

/** Folder that holds `switchboard/v1/*.proto`: the include root for proto-loader. */
export const protoRoot = fileURLToPath(new URL('.', import.meta.url));

/** Every service contract, relative to `protoRoot`. */
export const protoFiles = ['switchboard/v1/verify.proto', 'switchboard/v1/messaging.proto', 'switchboard/v1/admin.proto', 'switchboard/v1/agent.proto'];
