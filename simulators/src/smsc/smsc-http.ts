/**
 * The simulator's HTTP control API (JSON). Thin: each route calls one simulator method. Bad input
 * is answered 400 with `{ error, field }` naming the offending field.
 *
 * GET /inbox[?to=&since=] · GET /inbox/latest[?to=] · GET /inbox/incomplete · DELETE /inbox ·
 * GET|PUT /behaviour · GET /sessions · DELETE /sessions (drop all connections) ·
 * POST /sessions/unbind (unbind every bind) · POST /mo · POST /inject · GET /stats · POST /reset
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { behaviourToJson, firstIssue, parseBehaviourPatch } from './smsc-behaviour.js';
import { INJECTION_KINDS } from './smsc-injection.js';
import { NoReceiverError } from './smsc-errors.js';
import type { SmscSimulator } from './smsc.simulator.js';

const MAX_BODY_BYTES = 64 * 1024;

/** Handles one request against `simulator`; never throws. */
export function handleSmscHttp(simulator: SmscSimulator, request: IncomingMessage, response: ServerResponse): void {
  route(simulator, request, response).catch((error: unknown) => {
    send(response, 500, { error: error instanceof Error ? error.message : 'internal error' });
  });
}

async function route(simulator: SmscSimulator, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  const method = request.method ?? 'GET';
  const key = `${method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
  const to = url.searchParams.get('to') ?? undefined;

  switch (key) {
    case 'GET /inbox': {
      const since = url.searchParams.get('since') ?? undefined;
      try {
        send(response, 200, simulator.inbox({ to, since }));
      } catch {
        send(response, 400, { error: 'no message with that id', field: 'since' });
      }
      return;
    }
    case 'GET /inbox/latest': {
      const latest = simulator.latest(to);
      if (latest === undefined) send(response, 404, { error: 'no message' });
      else send(response, 200, latest);
      return;
    }
    case 'DELETE /inbox':
      simulator.clearInbox();
      send(response, 204);
      return;
    case 'GET /behaviour':
      send(response, 200, behaviourToJson(simulator.behaviour()));
      return;
    case 'PUT /behaviour': {
      const body = await readJson(request);
      if (!body.ok) {
        send(response, 400, { error: body.reason, field: 'body' });
        return;
      }
      const parsed = parseBehaviourPatch(body.value);
      if (!parsed.ok) {
        send(response, 400, { error: `${parsed.field}: ${parsed.reason}`, field: parsed.field });
        return;
      }
      send(response, 200, behaviourToJson(simulator.updateBehaviour(parsed.patch)));
      return;
    }
    case 'GET /sessions':
      send(response, 200, simulator.sessions());
      return;
    case 'DELETE /sessions':
      send(response, 200, { disconnected: simulator.disconnectAll() });
      return;
    case 'POST /sessions/unbind':
      send(response, 200, { unbound: await simulator.unbindAll() });
      return;
    case 'GET /inbox/incomplete':
      send(response, 200, simulator.incompleteMessages());
      return;
    case 'POST /mo': {
      const body = await readBody(request, response, moSchema);
      if (body === undefined) return;
      const { timeoutMs, ...message } = body;
      try {
        send(response, 200, { commandStatus: (await simulator.sendMo(message, timeoutMs)) ?? null });
      } catch (error) {
        if (error instanceof RangeError) send(response, 400, { error: `text: ${error.message}`, field: 'text' });
        else if (error instanceof NoReceiverError) send(response, 409, { error: error.message });
        else throw error;
      }
      return;
    }
    case 'POST /inject': {
      const body = await readBody(request, response, injectSchema);
      if (body === undefined) return;
      try {
        send(response, 200, await simulator.injectMalformed(body.kind, body.timeoutMs));
      } catch (error) {
        if (error instanceof NoReceiverError) send(response, 409, { error: error.message });
        else throw error;
      }
      return;
    }
    case 'GET /stats':
      send(response, 200, simulator.stats());
      return;
    case 'POST /reset':
      simulator.reset();
      send(response, 204);
      return;
    default:
      send(response, 404, { error: `no route ${key}` });
  }
}

const moSchema = z.strictObject({
  from: z.string().min(1).max(21),
  to: z.string().min(1).max(21),
  text: z.string().max(10_000),
  dataCoding: z.union([z.literal(0), z.literal(3), z.literal(8)]).optional(),
  systemId: z.string().min(1).max(15).optional(),
  split: z.enum(['payload', 'udh', 'sar']).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});

const injectSchema = z.strictObject({
  kind: z.enum(INJECTION_KINDS),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});

/** Reads and validates a JSON body; on failure answers 400 naming the field and returns undefined. */
async function readBody<T>(request: IncomingMessage, response: ServerResponse, schema: z.ZodType<T>): Promise<T | undefined> {
  const body = await readJson(request);
  if (!body.ok) {
    send(response, 400, { error: body.reason, field: 'body' });
    return undefined;
  }
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) {
    const { field, reason } = firstIssue(parsed.error);
    send(response, 400, { error: `${field}: ${reason}`, field });
    return undefined;
  }
  return parsed.data;
}

async function readJson(request: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reason: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, reason: 'body too large' };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (response.headersSent) return;
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
}
