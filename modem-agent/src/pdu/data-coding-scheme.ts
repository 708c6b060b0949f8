// TP-DCS (3GPP 23.038 §4): which alphabet the user data is in, plus a message class or a
// message-waiting indication. Only the alphabet changes how the text is read; the rest is kept
// for whoever stores or shows the message.

/** How the user data octets are to be read. */
export type UserDataAlphabet = 'gsm7' | '8bit' | 'ucs2';

/** 23.038 message classes: 0 flash (show, do not store), 1 ME, 2 (U)SIM, 3 TE. */
export type MessageClass = 0 | 1 | 2 | 3;

/** What a message-waiting coding group (1100–1110) indicates. */
export interface MessageWaiting {
  /** True sets the indicator, false clears it. */
  readonly active: boolean;
  readonly kind: 'voicemail' | 'fax' | 'email' | 'other';
  /** Group 1100: the handset may discard the text once it has set the indicator. */
  readonly discardMessage: boolean;
}

/** A decoded TP-DCS octet. */
export interface DataCodingScheme {
  readonly value: number;
  readonly alphabet: UserDataAlphabet;
  /** 23.042 compression; such text is handed on as octets, not decoded. */
  readonly compressed: boolean;
  readonly messageClass: MessageClass | undefined;
  /** Group 01xx: the handset deletes the message once read. */
  readonly autoDelete: boolean;
  readonly messageWaiting: MessageWaiting | undefined;
}

const WAITING_KINDS = ['voicemail', 'fax', 'email', 'other'] as const;

const messageClass = (dcs: number): MessageClass => (dcs & 0x03) as MessageClass;

/**
 * Decodes a TP-DCS octet. Reserved alphabet bits and the reserved coding groups 1000–1011 read as
 * GSM-7, as 23.038 §4 asks of a receiver for reserved values.
 */
export function decodeDataCodingScheme(value: number): DataCodingScheme {
  const plain = { value, compressed: false, messageClass: undefined, autoDelete: false, messageWaiting: undefined };
  const group = value >> 4;
  if (group <= 0x07) {
    // General data coding (00xx) and its automatic-deletion twin (01xx).
    const alphabetBits = (value >> 2) & 0x03;
    return {
      ...plain,
      alphabet: alphabetBits === 1 ? '8bit' : alphabetBits === 2 ? 'ucs2' : 'gsm7',
      compressed: (value & 0x20) !== 0,
      messageClass: value & 0x10 ? messageClass(value) : undefined,
      autoDelete: (value & 0x40) !== 0,
    };
  }
  if (group >= 0x0c && group <= 0x0e) {
    const messageWaiting: MessageWaiting = {
      active: (value & 0x08) !== 0,
      kind: WAITING_KINDS[value & 0x03] ?? 'other',
      discardMessage: group === 0x0c,
    };
    return { ...plain, alphabet: group === 0x0e ? 'ucs2' : 'gsm7', messageWaiting };
  }
  if (group === 0x0f) {
    return { ...plain, alphabet: value & 0x04 ? '8bit' : 'gsm7', messageClass: messageClass(value) };
  }
  return { ...plain, alphabet: 'gsm7' };
}
