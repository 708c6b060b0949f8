/**
 * The signing schemes of the providers' webhooks, both directions: the handlers verify with them,
 * the simulators sign with them. Known vectors from the providers' own documentation and SDK
 * tests pin each one (webhook-signatures.spec.ts), so simulator and verifier cannot drift apart
 * together. Every comparison is constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Form or query parameters in received order; a key may repeat. */
export type Params = readonly (readonly [string, string])[];

/** Compares two strings in time independent of where they differ (both are hashed first, so length leaks nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

function sortedPairs(params: Params): (readonly [string, string])[] {
  return [...params].sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
}

// --- Twilio ------------------------------------------------------------------------------------

/**
 * X-Twilio-Signature (twilio.com/docs/usage/webhooks/webhooks-security): the full URL Twilio
 * called (with its query), then each POST parameter sorted by name as name + value with no
 * separators, HMAC-SHA1 keyed with the auth token, base64.
 */
export function twilioSignature(authToken: string, url: string, params: Params): string {
  let data = url;
  for (const [key, value] of sortedPairs(params)) data += key + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Verifies X-Twilio-Signature. Like Twilio's SDKs it also accepts the URL with the default port
 * written out or left off, since proxies differ in which they pass on.
 */
export function verifyTwilioSignature(authToken: string, url: string, params: Params, header: string | undefined): boolean {
  if (header === undefined || header === '' || authToken === '') return false;
  let matched = false;
  for (const candidate of portVariants(url)) {
    // No early exit: every variant is checked, so timing does not tell which one matched.
    if (constantTimeEqual(twilioSignature(authToken, candidate, params), header)) matched = true;
  }
  return matched;
}

function portVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const variants = new Set([url]);
  if (parsed.port === '' && defaultPort !== '') {
    variants.add(`${parsed.protocol}//${parsed.username ? `${parsed.username}:${parsed.password}@` : ''}${parsed.hostname}:${defaultPort}${parsed.pathname}${parsed.search}`);
  }
  variants.add(parsed.toString());
  return [...variants];
}

// --- Plivo -------------------------------------------------------------------------------------

/**
 * X-Plivo-Signature-V3 as Plivo's SDKs compute it (plivo-python utils/signature_v3.py,
 * plivo-node utils/v3Security.js): the URL without query; then `?` + its query parameters sorted
 * as `k=v` joined by `&`; for POST, a `.` after a non-empty query and then every POST parameter
 * sorted as key + value with no separators; finally `.` + nonce. HMAC-SHA256 keyed with the auth
 * token, base64.
 */
export function plivoV3Signature(authToken: string, method: 'GET' | 'POST', url: string, nonce: string, postParams: Params): string {
  const parsed = new URL(url);
  let base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  const query = sortedPairs([...parsed.searchParams.entries()])
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const hasPost = method === 'POST' && postParams.length > 0;
  if (query.length > 0 || hasPost) base += `?${query}`;
  if (query.length > 0 && hasPost) base += '.';
  if (method === 'POST') for (const [key, value] of sortedPairs(postParams)) base += key + value;
  return createHmac('sha256', authToken).update(`${base}.${nonce}`, 'utf8').digest('base64');
}

/** Verifies X-Plivo-Signature-V3; the header may list several signatures (rotated tokens), any may match. */
export function verifyPlivoV3Signature(
  authToken: string,
  method: 'GET' | 'POST',
  url: string,
  nonce: string | undefined,
  postParams: Params,
  header: string | undefined,
): boolean {
  if (header === undefined || header === '' || nonce === undefined || nonce === '' || authToken === '') return false;
  let expected: string;
  try {
    expected = plivoV3Signature(authToken, method, url, nonce, postParams);
  } catch {
    return false;
  }
  let matched = false;
  for (const candidate of header.split(',')) if (constantTimeEqual(candidate.trim(), expected)) matched = true;
  return matched;
}

// --- Vonage ------------------------------------------------------------------------------------

/** The signature methods a Vonage account can choose in its dashboard. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
/** One of `VONAGE_SIGNATURE_METHODS`. */
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/**
 * Vonage's `sig` (developer.vonage.com/getting-started/concepts/signing-messages; vonage-php-sdk
 * Client/Signature.php): every parameter but `sig`, sorted by name, as `&name=value` with `&` and
 * `=` in values replaced by `_`. `md5hash` appends the signature secret and takes a lower-case
 * MD5; the HMAC methods key the digest with the secret and give upper-case hex.
 */
export function vonageSignature(secret: string, method: VonageSignatureMethod, params: Readonly<Record<string, string>>): string {
  const base = Object.keys(params)
    .filter((key) => key !== 'sig')
    .sort()
    .map((key) => `&${key}=${(params[key] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(base + secret, 'utf8').digest('hex');
  return createHmac(method, secret).update(base, 'utf8').digest('hex').toUpperCase();
}

/** Verifies `sig` (case-insensitively, as Vonage's SDKs do). */
export function verifyVonageSignature(secret: string, method: VonageSignatureMethod, params: Readonly<Record<string, string>>): boolean {
  const sig = params.sig;
  if (sig === undefined || sig === '' || secret === '') return false;
  return constantTimeEqual(vonageSignature(secret, method, params).toLowerCase(), sig.toLowerCase());
}
