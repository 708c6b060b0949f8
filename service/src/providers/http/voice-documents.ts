/**
 * The answer documents the service serves at a call's answer URL: TwiML for Twilio
 * (`<Response><Say>`), Plivo XML for Plivo (`<Response><Speak>`). The provider fetches it when
 * the callee picks up and reads the text out. Text is XML-escaped; codes are spelled digit by
 * digit so a text-to-speech engine does not read "482913" as a number.
 */

/** Which dialect to write. */
export type VoiceDocumentKind = 'twiml' | 'plivo';

/** What to say. */
export interface SpokenMessage {
  readonly text: string;
  /** BCP 47 tag the provider's TTS supports, e.g. `en-US`, `de-DE`. */
  readonly language?: string | undefined;
  /** How many times to say it (callees miss the first). Default 2. */
  readonly repeat?: number | undefined;
}

/** A document ready to serve. */
export interface VoiceDocument {
  readonly contentType: string;
  readonly body: string;
}

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char] ?? char);
}

/** `Your code is 482913` → `Your code is 4, 8, 2, 9, 1, 3`: runs of 3+ digits are read one by one. */
export function spellDigits(text: string): string {
  return text.replace(/\d{3,}/g, (digits) => digits.split('').join(', '));
}

/** The answer document saying `message`. */
export function voiceDocument(kind: VoiceDocumentKind, message: SpokenMessage): VoiceDocument {
  const repeat = Math.max(1, Math.min(10, Math.trunc(message.repeat ?? 2)));
  const language = message.language === undefined ? '' : ` language="${escapeXml(message.language)}"`;
  const text = escapeXml(spellDigits(message.text));
  const verb = kind === 'twiml' ? 'Say' : 'Speak';
  // TwiML <Say loop> and Plivo <Speak loop> repeat the text; a pause first lets the callee settle.
  const pause = kind === 'twiml' ? '<Pause length="1"/>' : '<Wait length="1"/>';
  return {
    contentType: kind === 'twiml' ? 'text/xml; charset=utf-8' : 'application/xml; charset=utf-8',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response>${pause}<${verb}${language} loop="${repeat}">${text}</${verb}></Response>`,
  };
}
