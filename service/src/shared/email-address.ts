/**
 * What Switchboard accepts as an e-mail address: one bare mailbox (`user@example.com`), the
 * dot-atom form of RFC 5322 §3.4.1 with UTF-8 letters allowed (RFC 6531). No display names, no
 * lists, no quoted local parts, no IP literals: anything a mail library would read as more than
 * one recipient, or that real users do not have, is refused before it reaches SMTP.
 */
import { InvalidArgumentError } from './errors.js';

/** RFC 5321 §4.5.3.1: 64 octets of local part, 255 of domain; a forward path fits in 256 with `<>`. */
const MAX_ADDRESS_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;

// RFC 5322 atext, plus any letter, mark or digit of other scripts (RFC 6531 UTF8-non-ascii).
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;

/** Why `address` is not one usable e-mail address, or `undefined` when it is. Never echoes it. */
export function emailAddressProblem(address: string): string | undefined {
  if (address.length === 0) return 'is required';
  if (address.length > MAX_ADDRESS_LENGTH) return `must be at most ${MAX_ADDRESS_LENGTH} characters`;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at !== address.indexOf('@')) return 'must be one address of the form name@example.com';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (Buffer.byteLength(local, 'utf8') > MAX_LOCAL_LENGTH) return `must have at most ${MAX_LOCAL_LENGTH} bytes before the @`;
  const atoms = local.split('.');
  if (!atoms.every((atom) => atom !== '' && LOCAL_ATOM.test(atom))) return 'has characters before the @ that an address cannot have (spaces, commas, <>, quotes, ".." ...)';
  const labels = domain.split('.');
  if (labels.length < 2) return 'must have a domain with a dot after the @ (name@example.com)';
  if (!labels.every((label) => label.length <= MAX_LABEL_LENGTH && DOMAIN_LABEL.test(label))) return 'has a domain that is not a host name';
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return 'has a domain that is not a host name';
  return undefined;
}

/** Throws `InvalidArgumentError` naming `field` unless `address` is one usable e-mail address. */
export function assertEmailAddress(address: string, field: string): void {
  const problem = emailAddressProblem(address);
  if (problem !== undefined) throw new InvalidArgumentError(field, problem);
}

/** The part after the `@`, lower-cased; for an address `emailAddressProblem` accepted. */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** `jane.doe@example.com` -> `j***@example.com`, for logs (DESIGN.md: logs mask recipients). */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${String.fromCodePoint(address.codePointAt(0) ?? 0x2a)}***@${address.slice(at + 1)}`;
}
