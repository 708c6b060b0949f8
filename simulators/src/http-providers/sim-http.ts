/**
 * The small HTTP vocabulary the provider simulators share: a request read once into memory, a
 * response as a value, and the parsing each API needs (Basic auth, form, JSON).
 */
import type { IncomingMessage } from 'node:http';

/** A request as a route sees it. */
export interface SimRequest {
  readonly method: string;
  /** Path without query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: Buffer;
  /** Media type without parameters, lower case ('' when none). */
  readonly contentType: string;
}

/** A response as a value, so faults can replace or delay it. */
export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Most a simulator reads of one body. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Reads the whole body; rejects past `MAX_BODY_BYTES`. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Turns a node request into a `SimRequest`. */
export async function toSimRequest(request: IncomingMessage): Promise<SimRequest> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    rawBody: await readBody(request),
    contentType: (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
  };
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/** A plain-text response. */
export function text(status: number, body: string): SimResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

/** The user and password of an `Authorization: Basic` header, or undefined. */
export function basicAuth(request: SimRequest): { user: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Form fields of an application/x-www-form-urlencoded body; empty for any other type. */
export function formFields(request: SimRequest): URLSearchParams {
  return request.contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(request.rawBody.toString('utf8')) : new URLSearchParams();
}

/** The JSON body as an object, or undefined when the type is not JSON or it does not parse to an object. */
export function jsonObject(request: SimRequest): Record<string, unknown> | undefined {
  if (request.contentType !== 'application/json') return undefined;
  try {
    const value = JSON.parse(request.rawBody.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** E.164 with the plus: `+` then 8-15 digits, no leading zero (ITU-T E.164 §6). */
export const E164_WITH_PLUS = /^\+[1-9]\d{7,14}$/;
/** E.164 digits without the plus, as Vonage and Plivo write numbers. */
export const E164_DIGITS = /^[1-9]\d{7,14}$/;

/** `n` random hex digits, upper or lower case. */
export function randomHex(digits: number, upper = false): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(Math.random() * 16).toString(16);
  return upper ? out.toUpperCase() : out;
}

/** RFC 2822 date as Twilio writes it (`Tue, 26 Jul 2016 12:50:07 +0000`). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** `2024-05-01 12:34:56` UTC, as Plivo and Vonage write times. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}
