/**
 * The service's plain HTTP side: `/metrics` for Prometheus, `/healthz` for load balancers, and
 * routes that adapters register (provider webhooks). gRPC stays the API; this is for machines
 * that only speak HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Logger } from '../shared/logger.js';

/** A request as route handlers see it: the body read whole (webhooks must sign exact bytes). */
export interface HttpRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Values of `:name` segments of the route's pattern. */
  readonly params: Readonly<Record<string, string>>;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** Methods a route can be registered for; the `Allow` header of a 405 lists those that match. */
const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Webhook bodies are small; anything bigger is refused before it is buffered. */
const MAX_BODY_BYTES = 256 * 1024;

export class HttpServer {
  // fastify's router: parameters decoded, a trailing slash ignored, over-long segments refused.
  readonly #router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 256 });
  readonly #server: Server;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        // Never let one request take the process down.
        this.#logger.error({ err: error }, 'HTTP request failed');
        if (!response.headersSent) send(response, { status: 500, body: 'internal error\n' });
        else response.destroy();
      });
    });
    // Slow clients must not hold sockets open forever.
    this.#server.requestTimeout = 15_000;
    this.#server.headersTimeout = 10_000;
  }

  /** Adds a route; `pattern` segments starting with `:` capture (`/webhooks/:provider`). */
  route(method: string, pattern: string, handler: HttpHandler): void {
    const known = METHODS.find((candidate) => candidate === method.toUpperCase());
    if (known === undefined) throw new Error(`HTTP method ${method} is not one of ${METHODS.join(', ')}`);
    this.#router.on(known, pattern, () => undefined, { handler });
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }

  /** The route for `method` and `path` with its decoded parameters; undefined when none matches. */
  #find(method: string, path: string): { handler: HttpHandler; params: Record<string, string> } | undefined {
    const known = METHODS.find((candidate) => candidate === method);
    const found = known === undefined ? null : this.#router.find(known, path);
    if (found === null) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) {
      if (value === undefined) continue;
      params[name] = value;
    }
    return { handler: (found.store as { handler: HttpHandler }).handler, params };
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = new URL(request.url ?? '/', 'http://switchboard').pathname;
    } catch {
      request.resume();
      send(response, { status: 400, body: 'bad request target\n' });
      return;
    }
    const route = this.#find(method, path);
    if (!route) {
      const allowed = METHODS.filter((other) => this.#find(other, path) !== undefined);
      if (allowed.length > 0) send(response, { status: 405, body: 'method not allowed\n', headers: { allow: allowed.join(', ') } });
      else send(response, { status: 404, body: 'not found\n' });
      request.resume();
      return;
    }
    try {
      const body = await readBody(request);
      if (body === null) {
        send(response, { status: 413, body: `request body over ${MAX_BODY_BYTES} bytes\n` });
        return;
      }
      send(response, await route.handler({ method, url: request.url ?? '/', headers: request.headers, body, params: route.params }));
    } catch (error) {
      this.#logger.error({ err: error, method, path }, 'HTTP handler failed');
      if (!response.headersSent) send(response, { status: 500, body: 'internal error\n' });
      else response.destroy();
    }
  }
}

function send(response: ServerResponse, result: HttpResponse): void {
  response.writeHead(result.status, { 'content-type': result.contentType ?? 'text/plain; charset=utf-8', ...result.headers });
  response.end(result.body);
}

/** The whole body, or null when it is over the limit (the rest is drained, not buffered). */
async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooBig = true;
    if (!tooBig) chunks.push(chunk);
  }
  return tooBig ? null : Buffer.concat(chunks);
}
