/**
 * How each provider signs the webhooks it sends, as the providers document it, for the reports
 * and callbacks the simulator sends to the service. Written from the providers' documentation
 * and SDKs, apart from the service's verifiers on purpose: if both shared one bug, every test
 * would still pass. The documented examples pin each scheme (webhook-signing.spec.ts).
 */
import { createHash, createHmac } from 'node:crypto';

/** Parameters in the order they are sent; a name may repeat. */
export type SignedParams = readonly (readonly [string, string])[];

/** By name, then by value for a repeated name; plain code-unit order, as the SDKs sort. */
function byNameThenValue(params: SignedParams): (readonly [string, string])[] {
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...params].sort(([aName, aValue], [bName, bValue]) => order(aName, bName) || order(aValue, bValue));
}

/**
 * X-Twilio-Signature (twilio.com/docs/usage/webhooks/webhooks-security, "Validating
 * signatures from Twilio"): the URL exactly as called, query included; for a POST, each form
 * parameter sorted by name appended as name then value with no delimiters; HMAC-SHA1 keyed with
 * the account's auth token; base64. A GET carries its parameters in the (signed) URL only.
 */
export function twilioSignature(authToken: string, url: string, postParams: SignedParams): string {
  const signed = byNameThenValue(postParams).reduce((text, [name, value]) => text + name + value, url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

/**
 * X-Plivo-Signature-V3 as Plivo's SDKs validate it (plivo-python utils/signature_v3.py,
 * `validate_v3_signature`): the URL without its query, then `?` and its query parameters
 * sorted by name as `name=value` joined with `&` (the `?` also when only POST parameters
 * follow), a `.` when both are present, then for a POST every parameter sorted by name as name
 * then value without delimiters; `.` and the nonce sent in X-Plivo-Signature-V3-Nonce close it.
 * HMAC-SHA256 keyed with the auth token, base64.
 */
export function plivoV3Signature(authToken: string, method: 'GET' | 'POST', url: string, nonce: string, postParams: SignedParams): string {
  const target = new URL(url);
  const query = byNameThenValue([...target.searchParams])
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const post = method === 'POST' ? byNameThenValue(postParams) : [];
  let signed = `${target.protocol}//${target.host}${target.pathname}`;
  if (query !== '' || post.length > 0) signed += `?${query}`;
  if (query !== '' && post.length > 0) signed += '.';
  for (const [name, value] of post) signed += name + value;
  return createHmac('sha256', authToken).update(`${signed}.${nonce}`, 'utf8').digest('base64');
}

/** The signature methods a Vonage account can pick for signed webhooks (dashboard → API settings). */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
/** One of `VONAGE_SIGNATURE_METHODS`: `md5hash` is the legacy MD5 of text + secret, the others HMACs. */
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/**
 * Vonage's `sig` parameter (developer.vonage.com/en/getting-started/concepts/signing-messages):
 * every parameter except `sig`, sorted by name, written `&name=value`, with any `&` or `=`
 * inside a value replaced by `_`. `md5hash` appends the signature secret and gives the MD5 in
 * lower-case hex; the HMAC methods key the digest with the secret and give upper-case hex.
 */
export function vonageSignature(secret: string, method: VonageSignatureMethod, params: Readonly<Record<string, string>>): string {
  const names = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort();
  const signed = names.map((name) => `&${name}=${(params[name] ?? '').replaceAll(/[&=]/g, '_')}`).join('');
  if (method === 'md5hash') return createHash('md5').update(`${signed}${secret}`, 'utf8').digest('hex');
  return createHmac(method, secret).update(signed, 'utf8').digest('hex').toUpperCase();
}

/**
 * Switchboard's generic HMAC webhook scheme, which the Auron preset asks an Auron trigger to
 * send (Auron documents no signed push of its own): the unix-seconds timestamp, `.`, the raw
 * body; hex HMAC-SHA256 keyed with the webhook secret; signature and timestamp in their headers.
 */
export const AURON_REPORT_SIGNATURE_HEADER = 'x-switchboard-signature';
/** The header carrying the timestamp the Auron report's signature covers. */
export const AURON_REPORT_TIMESTAMP_HEADER = 'x-switchboard-timestamp';

/** The signature and timestamp headers of an Auron report with `body`, signed at `now`. */
export function auronReportHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return { [AURON_REPORT_SIGNATURE_HEADER]: signature, [AURON_REPORT_TIMESTAMP_HEADER]: timestamp };
}
