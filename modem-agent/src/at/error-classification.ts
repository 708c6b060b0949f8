// What a failed command means for the message or the modem: send again later (`retryable`), give
// up on this message (`permanent`), or stop using this modem until someone or a reset fixes it
// (`modem-fault`). Codes from 27.005 §3.2.5 (+CMS ERROR, whose 0–127 are 24.011 RP causes and
// 128–255 23.040 TP-FCS values) and 27.007 §9.2 (+CME ERROR).
import type { FinalResultCode } from './final-result-code.js';

/** What the caller should do after a failed command. */
export type FailureDisposition = 'retryable' | 'permanent' | 'modem-fault';

/** A failure's disposition with the reason in words. */
export interface FailureClass {
  readonly disposition: FailureDisposition;
  readonly reason: string;
}

type Table = ReadonlyMap<number, FailureClass>;

const entry = (code: number, disposition: FailureDisposition, reason: string): [number, FailureClass] => [
  code,
  { disposition, reason },
];

const CMS_ERRORS: Table = new Map([
  // 24.011 Annex E RP causes: the network's answer to the submit.
  entry(1, 'permanent', 'unassigned (unallocated) number'),
  entry(8, 'permanent', 'operator determined barring'),
  entry(10, 'permanent', 'call barred'),
  entry(21, 'permanent', 'short message transfer rejected'),
  entry(27, 'retryable', 'destination out of service'),
  entry(28, 'permanent', 'unidentified subscriber'),
  entry(29, 'permanent', 'facility rejected'),
  entry(30, 'permanent', 'unknown subscriber'),
  entry(38, 'retryable', 'network out of order'),
  entry(41, 'retryable', 'temporary failure'),
  entry(42, 'retryable', 'congestion'),
  entry(47, 'retryable', 'resources unavailable, unspecified'),
  entry(50, 'permanent', 'requested facility not subscribed'),
  entry(69, 'permanent', 'requested facility not implemented'),
  entry(81, 'retryable', 'invalid short message transfer reference value'),
  entry(95, 'permanent', 'invalid message, unspecified'),
  entry(96, 'permanent', 'invalid mandatory information'),
  entry(97, 'permanent', 'message type non-existent or not implemented'),
  entry(98, 'retryable', 'message not compatible with short message protocol state'),
  entry(99, 'permanent', 'information element non-existent or not implemented'),
  entry(111, 'retryable', 'protocol error, unspecified'),
  entry(127, 'retryable', 'interworking, unspecified'),
  // 23.040 §9.2.3.22 TP-FCS: the SC's verdict on the TPDU.
  entry(128, 'permanent', 'telematic interworking not supported'),
  entry(129, 'permanent', 'short message type 0 not supported'),
  entry(130, 'permanent', 'cannot replace short message'),
  entry(143, 'permanent', 'unspecified TP-PID error'),
  entry(144, 'permanent', 'data coding scheme (alphabet) not supported'),
  entry(145, 'permanent', 'message class not supported'),
  entry(159, 'permanent', 'unspecified TP-DCS error'),
  entry(160, 'permanent', 'command cannot be actioned'),
  entry(161, 'permanent', 'command unsupported'),
  entry(175, 'permanent', 'unspecified TP-Command error'),
  entry(176, 'permanent', 'TPDU not supported'),
  entry(192, 'retryable', 'SC busy'),
  entry(193, 'permanent', 'no SC subscription'),
  entry(194, 'retryable', 'SC system failure'),
  entry(195, 'permanent', 'invalid SME address'),
  entry(196, 'permanent', 'destination SME barred'),
  entry(197, 'permanent', 'SM rejected: duplicate SM'),
  entry(198, 'permanent', 'TP-VPF not supported'),
  entry(199, 'permanent', 'TP-VP not supported'),
  entry(208, 'modem-fault', '(U)SIM SMS storage full'),
  entry(209, 'modem-fault', 'no SMS storage capability in (U)SIM'),
  entry(210, 'modem-fault', 'error in MS'),
  entry(211, 'modem-fault', 'memory capacity exceeded'),
  entry(212, 'retryable', '(U)SIM application toolkit busy'),
  entry(213, 'modem-fault', '(U)SIM data download error'),
  entry(255, 'retryable', 'unspecified error cause'),
  // 27.005 §3.2.5 ME/TA errors: the modem's own.
  entry(300, 'modem-fault', 'ME failure'),
  entry(301, 'modem-fault', 'SMS service of ME reserved'),
  entry(302, 'modem-fault', 'operation not allowed'),
  entry(303, 'modem-fault', 'operation not supported'),
  entry(304, 'permanent', 'invalid PDU mode parameter'),
  entry(305, 'permanent', 'invalid text mode parameter'),
  entry(310, 'modem-fault', '(U)SIM not inserted'),
  entry(311, 'modem-fault', '(U)SIM PIN required'),
  entry(312, 'modem-fault', 'PH-(U)SIM PIN required'),
  entry(313, 'modem-fault', '(U)SIM failure'),
  entry(314, 'retryable', '(U)SIM busy'),
  entry(315, 'modem-fault', '(U)SIM wrong'),
  entry(316, 'modem-fault', '(U)SIM PUK required'),
  entry(317, 'modem-fault', '(U)SIM PIN2 required'),
  entry(318, 'modem-fault', '(U)SIM PUK2 required'),
  entry(320, 'modem-fault', 'memory failure'),
  entry(321, 'permanent', 'invalid memory index'),
  entry(322, 'modem-fault', 'memory full'),
  entry(330, 'retryable', 'SMSC address unknown'),
  entry(331, 'retryable', 'no network service'),
  entry(332, 'retryable', 'network timeout'),
  entry(340, 'permanent', 'no +CNMA acknowledgement expected'),
  entry(500, 'retryable', 'unknown error'),
]);

const CME_ERRORS: Table = new Map([
  entry(0, 'modem-fault', 'phone failure'),
  entry(1, 'modem-fault', 'no connection to phone'),
  entry(2, 'modem-fault', 'phone-adaptor link reserved'),
  entry(3, 'modem-fault', 'operation not allowed'),
  entry(4, 'modem-fault', 'operation not supported'),
  entry(5, 'modem-fault', 'PH-SIM PIN required'),
  entry(6, 'modem-fault', 'PH-FSIM PIN required'),
  entry(7, 'modem-fault', 'PH-FSIM PUK required'),
  entry(10, 'modem-fault', 'SIM not inserted'),
  entry(11, 'modem-fault', 'SIM PIN required'),
  entry(12, 'modem-fault', 'SIM PUK required'),
  entry(13, 'modem-fault', 'SIM failure'),
  entry(14, 'retryable', 'SIM busy'),
  entry(15, 'modem-fault', 'SIM wrong'),
  // A wrong PIN tried again counts towards the PUK lock: never retry it.
  entry(16, 'modem-fault', 'incorrect password'),
  entry(17, 'modem-fault', 'SIM PIN2 required'),
  entry(18, 'modem-fault', 'SIM PUK2 required'),
  entry(20, 'modem-fault', 'memory full'),
  entry(21, 'permanent', 'invalid index'),
  entry(22, 'permanent', 'not found'),
  entry(23, 'modem-fault', 'memory failure'),
  entry(24, 'permanent', 'text string too long'),
  entry(25, 'permanent', 'invalid characters in text string'),
  entry(26, 'permanent', 'dial string too long'),
  entry(27, 'permanent', 'invalid characters in dial string'),
  entry(30, 'retryable', 'no network service'),
  entry(31, 'retryable', 'network timeout'),
  entry(32, 'retryable', 'network not allowed - emergency calls only'),
  entry(40, 'modem-fault', 'network personalization PIN required'),
  entry(41, 'modem-fault', 'network personalization PUK required'),
  entry(42, 'modem-fault', 'network subset personalization PIN required'),
  entry(43, 'modem-fault', 'network subset personalization PUK required'),
  entry(44, 'modem-fault', 'service provider personalization PIN required'),
  entry(45, 'modem-fault', 'service provider personalization PUK required'),
  entry(46, 'modem-fault', 'corporate personalization PIN required'),
  entry(47, 'modem-fault', 'corporate personalization PUK required'),
  entry(100, 'retryable', 'unknown'),
]);

/** Lower case, letters and digits only, "(U)SIM" as "sim": how modems' wordings of one text compare. */
const normalise = (text: string): string => text.toLowerCase().replace(/\(u\)/g, '').replace(/[^a-z0-9]/g, '');

function byText(table: Table): ReadonlyMap<string, FailureClass> {
  return new Map(Array.from(table.values(), (failure) => [normalise(failure.reason), failure]));
}

const CMS_BY_TEXT = byText(CMS_ERRORS);
const CME_BY_TEXT = byText(CME_ERRORS);

function lookUp(
  family: string,
  code: number | null,
  text: string,
  table: Table,
  texts: ReadonlyMap<string, FailureClass>,
  unlisted: (code: number) => FailureClass,
): FailureClass {
  if (code === null) {
    // Text form (AT+CMEE=2); a wording no table knows is most likely transient.
    const disposition = texts.get(normalise(text))?.disposition ?? 'retryable';
    return { disposition, reason: `${family}: ${text}` };
  }
  const { disposition, reason } = table.get(code) ?? unlisted(code);
  return { disposition, reason: `${family} ${code}: ${reason}` };
}

function unlistedCms(code: number): FailureClass {
  // TP-FCS 0x80–0xBF object to the message itself (PID, DCS, command, TPDU); 0xD0–0xDF to the MS.
  if (code >= 0x80 && code <= 0xbf) return { disposition: 'permanent', reason: 'unlisted TP-FCS error in the message' };
  if (code >= 0xd0 && code <= 0xdf) return { disposition: 'modem-fault', reason: 'unlisted TP-FCS error in the MS' };
  return { disposition: 'retryable', reason: 'unlisted error code' };
}

const unlistedCme = (): FailureClass => ({ disposition: 'retryable', reason: 'unlisted error code' });

/**
 * Classifies a failed final result code. A bare `ERROR` is retryable (it says nothing, and
 * usually passes); unlisted codes are retryable unless their range says otherwise.
 */
export function classifyFailure(result: Exclude<FinalResultCode, { kind: 'ok' }>): FailureClass {
  switch (result.kind) {
    case 'error':
      return { disposition: 'retryable', reason: 'ERROR without a reason (enable AT+CMEE=1 for codes)' };
    case 'cms-error':
      return lookUp('+CMS ERROR', result.code, result.text, CMS_ERRORS, CMS_BY_TEXT, unlistedCms);
    case 'cme-error':
      return lookUp('+CME ERROR', result.code, result.text, CME_ERRORS, CME_BY_TEXT, unlistedCme);
    case 'call-failure':
      return { disposition: 'retryable', reason: result.text };
    case 'vendor-error':
      // The modem does not know the command or its form: retrying on this modem cannot help.
      return { disposition: 'modem-fault', reason: result.text };
  }
}
