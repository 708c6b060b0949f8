/**
 * The service's plain HTTP side: `/metrics` for Prometheus, `/healthz` for load balancers, and
 * routes that adapters register (provider webhooks). gRPC stays the API; this is for machines
 * that only speak HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: HttpHandler;
}

/** Webhook bodies are small; anything bigger is refused before it is buffered. */
const MAX_BODY_BYTES = 256 * 1024;

export class HttpServer {
  readonly #routes: Route[] = [];
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
    this.#routes.push({ method: method.toUpperCase(), segments: pattern.split('/').filter(Boolean), handler });
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
    const segments = path.split('/').filter(Boolean).map((segment) => safeDecode(segment));
    const candidates = this.#routes.filter((route) => matches(route.segments, segments));
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) {
      if (candidates.length > 0) send(response, { status: 405, body: 'method not allowed\n', headers: { allow: candidates.map((c) => c.method).join(', ') } });
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
      const params = Object.fromEntries(route.segments.flatMap((segment, index) => (segment.startsWith(':') ? [[segment.slice(1), segments[index] ?? '']] : [])));
      send(response, await route.handler({ method, url: request.url ?? '/', headers: request.headers, body, params }));
    } catch (error) {
      this.#logger.error({ err: error, method, path }, 'HTTP handler failed');
      if (!response.headersSent) send(response, { status: 500, body: 'internal error\n' });
      else response.destroy();
    }
  }
}

function matches(pattern: readonly string[], segments: readonly (string | null)[]): boolean {
  return pattern.length === segments.length && pattern.every((part, index) => segments[index] !== null && (part.startsWith(':') || part === segments[index]));
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
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
