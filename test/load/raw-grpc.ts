/**
 * A lean gRPC client for the load: unary calls over node:http2 with the messages encoded by the
 * generated code, nothing else (no channel state machine, interceptors or per-call metadata
 * objects). It speaks the gRPC wire protocol exactly (length-prefixed messages, `grpc-status` in
 * the trailers), so the service sees ordinary gRPC callers; it only costs the benchmark's own
 * process far less CPU than @grpc/grpc-js, which on a two-core machine the service would pay for.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';

/** What a generated message type offers (ts-proto `encode`/`decode`). */
export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** A call that ended with a gRPC status other than OK. */
export class RawGrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${details}`);
  }
}

export class RawGrpcChannel {
  readonly #session: ClientHttp2Session;
  readonly #authorization: string;

  constructor(address: string, apiKey: string) {
    this.#session = connect(`http://${address}`);
    this.#session.on('error', () => undefined); // calls in flight fail on their own
    this.#authorization = `Bearer ${apiKey}`;
  }

  /** One unary call: `/package.Service/Method`. */
  unary<Req, Res>(path: string, request: Req, requestCodec: Codec<Req>, responseCodec: Codec<Res>): Promise<Res> {
    const body = requestCodec.encode(request).finish();
    const framed = Buffer.allocUnsafe(5 + body.length);
    framed[0] = 0; // not compressed
    framed.writeUInt32BE(body.length, 1);
    framed.set(body, 5);
    return new Promise<Res>((resolve, reject) => {
      const stream = this.#session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: this.#authorization,
      });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let message = '';
      const read = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
        if (typeof headers['grpc-message'] === 'string') message = decodeURIComponent(headers['grpc-message']);
      };
      stream.on('response', read);
      stream.on('trailers', read);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('close', () => {
        if (status !== 0) {
          reject(new RawGrpcError(status ?? 2, message || `stream closed (${stream.rstCode})`));
          return;
        }
        const data = Buffer.concat(chunks);
        resolve(responseCodec.decode(data.subarray(5, 5 + data.readUInt32BE(1))));
      });
      stream.end(framed);
    });
  }

  close(): void {
    this.#session.close();
  }
}
