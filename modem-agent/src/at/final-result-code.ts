// Final result codes end a command's response (V.250 §5.7.1); after one the modem takes the next
// command. Only verbose forms (ATV1) are recognised: the agent never switches to numeric codes.

/** The V.250 call-progress codes; a modem may end a command with one when SMS needs a call path. */
export type CallFailure = 'NO CARRIER' | 'BUSY' | 'NO ANSWER' | 'NO DIALTONE';

/**
 * Huawei modems end unsupported or malformed commands with these instead of `ERROR`; they are
 * errors all the same.
 */
export type VendorFailure = 'COMMAND NOT SUPPORT' | 'TOO MANY PARAMETERS';

/**
 * A final result code. `cms-error` is a message service failure (27.005 §3.2.5), `cme-error` a
 * mobile equipment failure (27.007 §9.2). Their `code` is null when the modem reports text
 * (`AT+CMEE=2`); `text` always holds what followed the colon.
 */
export type FinalResultCode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error' }
  | { readonly kind: 'cms-error'; readonly code: number | null; readonly text: string }
  | { readonly kind: 'cme-error'; readonly code: number | null; readonly text: string }
  | { readonly kind: 'call-failure'; readonly text: CallFailure }
  | { readonly kind: 'vendor-error'; readonly text: VendorFailure };

const CALL_FAILURES: ReadonlySet<string> = new Set<CallFailure>(['NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE']);
const VENDOR_FAILURES: ReadonlySet<string> = new Set<VendorFailure>(['COMMAND NOT SUPPORT', 'TOO MANY PARAMETERS']);

const EXTENDED_ERROR = /^\+(CMS|CME) ERROR:\s*(.*)$/;

/** Recognises one line (without its line end) as a final result code, or returns undefined. */
export function parseFinalResultCode(line: string): FinalResultCode | undefined {
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error' };
  if (CALL_FAILURES.has(line)) return { kind: 'call-failure', text: line as CallFailure };
  if (VENDOR_FAILURES.has(line)) return { kind: 'vendor-error', text: line as VendorFailure };
  const match = EXTENDED_ERROR.exec(line);
  if (match === null) return undefined;
  const [, family, rest = ''] = match;
  const text = rest.trim();
  const code = /^\d+$/.test(text) ? Number(text) : null;
  return family === 'CMS' ? { kind: 'cms-error', code, text } : { kind: 'cme-error', code, text };
}

/** The line as the modem sent it, for messages. */
export function describeFinalResultCode(result: FinalResultCode): string {
  switch (result.kind) {
    case 'ok':
      return 'OK';
    case 'error':
      return 'ERROR';
    case 'cms-error':
      return `+CMS ERROR: ${result.text}`;
    case 'cme-error':
      return `+CME ERROR: ${result.text}`;
    case 'call-failure':
    case 'vendor-error':
      return result.text;
  }
}
