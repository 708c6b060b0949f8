/**
 * The document a voice provider fetches when the called person answers: TwiML for Twilio-style
 * APIs, Plivo XML for Plivo-style ones. It waits a moment (the callee is still lifting the phone
 * to the ear), says one intro sentence in the verification's language, reads the code digit by
 * digit, and reads it again.
 *
 * Digits are written as numerals separated by ", " inside one <Say>/<Speak> per reading. The
 * comma makes every engine read each digit as its own word ("four, eight, two" rather than
 * "four hundred eighty-two") with a short natural pause, in all four languages; a space after the
 * comma keeps de/fr/es from reading "1,2" as a decimal. Not chosen: one <Say> per digit with
 * <Pause> between (TwiML and Plivo pauses are whole seconds, so a 6-digit code read three times
 * takes ~40 s, and each digit gets a sentence-final falling tone); "1. 2. 3." (German TTS reads
 * "1." as an ordinal); SSML <say-as interpret-as="digits"> (needs Polly/Google voices on both
 * providers, which cost extra and are not the default).
 */
import { InvalidArgumentError } from '../../shared/errors.js';
import { pickLocale } from '../../verification/message-template.js';

/** Which provider dialect to write. */
export type VoiceAnswerFormat = 'twiml' | 'plivo';

/** Every format `renderVoiceAnswer` writes. */
export const VOICE_ANSWER_FORMATS: readonly VoiceAnswerFormat[] = ['twiml', 'plivo'];

/** Content type to serve answer documents with; both providers accept it. */
export const VOICE_ANSWER_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** The words of one language. */
export interface VoicePhrases {
  /** Said before the first reading of the code; `{brand}` is replaced. The digits follow it. */
  readonly intro: string;
  /** Said before every further reading, e.g. "Again:". The digits follow it. */
  readonly again: string;
  /**
   * Voice language when the caller's locale names no region the provider has a voice for
   * (`de` or `de-LI` -> `de-DE`). Phrases an admin adds for a new language should set it.
   */
  readonly voiceLanguage: string;
}

/** Phrases per locale tag (`en`, `de`, `pt-BR`). */
export type VoicePhraseTable = Readonly<Record<string, VoicePhrases>>;

/** Per-locale overrides an app may bring; fields left out keep the built-in words. */
export type VoicePhraseOverrides = Readonly<Record<string, Partial<VoicePhrases>>>;

const ENGLISH: VoicePhrases = { intro: 'Your {brand} verification code is:', again: 'Again:', voiceLanguage: 'en-US' };

/** Built-in phrases, so a voice fallback works before an admin writes any. */
export const BUILT_IN_VOICE_PHRASES: VoicePhraseTable = {
  en: ENGLISH,
  de: { intro: 'Ihr {brand} Bestätigungscode lautet:', again: 'Noch einmal:', voiceLanguage: 'de-DE' },
  fr: { intro: 'Votre code de vérification {brand} est :', again: 'Je répète :', voiceLanguage: 'fr-FR' },
  es: { intro: 'Tu código de verificación de {brand} es:', again: 'Repito:', voiceLanguage: 'es-ES' },
};

/**
 * Language/region pairs each provider documents a default voice for (Twilio <Say language>,
 * Plivo <Speak language>), limited to the built-in languages. A caller's region outside these
 * falls back to the phrases' `voiceLanguage`.
 */
const PROVIDER_VOICE_LANGUAGES: Readonly<Record<VoiceAnswerFormat, ReadonlySet<string>>> = {
  twiml: new Set(['en-US', 'en-GB', 'en-AU', 'en-CA', 'en-IN', 'de-DE', 'fr-FR', 'fr-CA', 'es-ES', 'es-MX']),
  plivo: new Set(['en-US', 'en-GB', 'en-AU', 'de-DE', 'fr-FR', 'fr-CA', 'es-ES', 'es-US']),
};

/** How many times the code is read when the caller does not say. */
export const DEFAULT_VOICE_REPEAT = 3;
/** Seconds of silence before the first word when the caller does not say. */
export const DEFAULT_VOICE_PAUSE_BEFORE_SECONDS = 1;
const MAX_REPEAT = 10;
const MAX_PAUSE_SECONDS = 10;
/** Silence between two readings, in whole seconds (the smallest step both providers offer). */
const PAUSE_BETWEEN_READINGS_SECONDS = 1;

/** What one answer document says, and in which dialect. */
export interface VoiceAnswerInput {
  readonly format: VoiceAnswerFormat;
  /** The code: 4-10 ASCII digits, nothing else. */
  readonly code: string;
  /**
   * BCP 47 tag of the verification (`de-AT`); falls back to its language, then to the app's
   * default locale, then English.
   */
  readonly locale: string;
  /** The app's default locale (BCP 47); default English. */
  readonly defaultLocale?: string | undefined;
  /** The app's brand, spoken in the intro. */
  readonly brand: string;
  /** How many times the code is read in all, the first after the intro. Default 3, at most 10. */
  readonly repeat?: number | undefined;
  /** Silence before the first word, whole seconds 0-10. Default 1. */
  readonly pauseBeforeSeconds?: number | undefined;
  /** The app's phrases, merged over the built-in ones per locale. */
  readonly phrases?: VoicePhraseOverrides | undefined;
  /**
   * Voice to ask for (`Polly.Vicki` on Twilio, `MAN` on Plivo). Default: none, so the provider
   * picks its default voice for the language. A voice that does not speak the language fails the
   * call at the provider, so set it together with the phrases of one language only.
   */
  readonly voice?: string | undefined;
}

/** A rendered answer document and the language it speaks. */
export interface VoiceAnswer {
  readonly xml: string;
  /** The phrase locale used after fallback (`de`). */
  readonly locale: string;
  /** The voice language written into the document (`de-DE`). */
  readonly voiceLanguage: string;
}

const CODE_PATTERN = /^[0-9]{4,10}$/;

/**
 * The code as the voice reads it: `"482913"` -> `"4, 8, 2, 9, 1, 3"`. Throws
 * `InvalidArgumentError` (field `code`) unless the code is 4-10 ASCII digits; the value is never
 * echoed, since it is a secret.
 */
export function spacedDigits(code: string): string {
  if (!CODE_PATTERN.test(code)) throw new InvalidArgumentError('code', 'must be 4 to 10 digits (0-9) and nothing else');
  return code.split('').join(', ');
}

/** Renders the answer document; throws `InvalidArgumentError` naming the bad input. */
export function renderVoiceAnswer(input: VoiceAnswerInput): VoiceAnswer {
  const digits = spacedDigits(input.code);
  if (!VOICE_ANSWER_FORMATS.includes(input.format)) throw new InvalidArgumentError('format', `must be one of ${VOICE_ANSWER_FORMATS.join(', ')}`);
  const repeat = wholeNumber('repeat', input.repeat ?? DEFAULT_VOICE_REPEAT, 1, MAX_REPEAT);
  const pauseBefore = wholeNumber('pauseBeforeSeconds', input.pauseBeforeSeconds ?? DEFAULT_VOICE_PAUSE_BEFORE_SECONDS, 0, MAX_PAUSE_SECONDS);
  const voice = input.voice?.trim() ?? '';
  if (voice !== '' && !/^[A-Za-z0-9._-]{1,64}$/.test(voice)) throw new InvalidArgumentError('voice', 'must be a voice name such as Polly.Vicki or WOMAN');

  const table = mergedPhrases(input.phrases);
  const locale = pickLocale(Object.keys(table), normaliseTag(input.locale), normaliseTag(input.defaultLocale ?? 'en')) ?? 'en';
  const phrases = table[locale] ?? ENGLISH;
  const voiceLanguage = pickVoiceLanguage(input.format, input.locale, locale, phrases);

  // Escaped before the brand goes in, so a brand cannot be mistaken for phrase markup; the
  // replacement is a function so `$&` in a brand stays literal.
  const brand = xmlText(input.brand.trim());
  const intro = xmlText(phrases.intro).replaceAll('{brand}', () => brand);
  const again = xmlText(phrases.again);
  const readings = Array.from({ length: repeat }, (_, index) => `${index === 0 ? intro : again} ${digits}.`);

  const say = (text: string) => speech(input.format, voiceLanguage, voice, text);
  const pause = (seconds: number) => silence(input.format, seconds);
  const lines: string[] = [];
  if (pauseBefore > 0) lines.push(pause(pauseBefore));
  readings.forEach((text, index) => {
    if (index > 0) lines.push(pause(PAUSE_BETWEEN_READINGS_SECONDS));
    lines.push(say(text));
  });
  const xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<Response>', ...lines.map((line) => `  ${line}`), '</Response>', ''].join('\n');
  return { xml, locale, voiceLanguage };
}

function speech(format: VoiceAnswerFormat, language: string, voice: string, text: string): string {
  const element = format === 'twiml' ? 'Say' : 'Speak';
  const voiceAttribute = voice === '' ? '' : ` voice="${xmlText(voice)}"`;
  return `<${element} language="${xmlText(language)}"${voiceAttribute}>${text}</${element}>`;
}

function silence(format: VoiceAnswerFormat, seconds: number): string {
  // TwiML <Pause length>, Plivo <Wait length>: whole seconds.
  return format === 'twiml' ? `<Pause length="${seconds}"/>` : `<Wait length="${seconds}"/>`;
}

function wholeNumber(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** Built-in phrases with the app's overrides laid over them; incomplete new locales are left out. */
function mergedPhrases(overrides: VoicePhraseOverrides | undefined): Record<string, VoicePhrases> {
  const table: Record<string, VoicePhrases> = { ...BUILT_IN_VOICE_PHRASES };
  if (overrides === undefined) return table;
  for (const [tag, override] of Object.entries(overrides)) {
    const base = Object.hasOwn(BUILT_IN_VOICE_PHRASES, tag) ? BUILT_IN_VOICE_PHRASES[tag] : undefined;
    const intro = nonEmpty(override.intro) ?? base?.intro;
    const again = nonEmpty(override.again) ?? base?.again;
    if (intro === undefined || again === undefined) continue;
    table[tag] = { intro, again, voiceLanguage: nonEmpty(override.voiceLanguage) ?? base?.voiceLanguage ?? normaliseTag(tag) };
  }
  return table;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

/**
 * The caller's own region when the provider has a voice for it and it is the language the phrases
 * are in (`fr-CA` caller, `fr` phrases -> `fr-CA`); else the phrases' voice language. Never a
 * language other than the phrases': English words read by a German voice are unintelligible.
 */
function pickVoiceLanguage(format: VoiceAnswerFormat, wanted: string, phraseLocale: string, phrases: VoicePhrases): string {
  const callerTag = normaliseTag(wanted);
  const language = (tag: string) => tag.split('-')[0]?.toLowerCase() ?? '';
  if (language(callerTag) === language(phraseLocale) && PROVIDER_VOICE_LANGUAGES[format].has(callerTag)) return callerTag;
  return normaliseTag(phrases.voiceLanguage);
}

/**
 * `de_at` -> `de-AT`, `zh-hant-tw` -> `zh-TW`: language and region only, the form both providers
 * spell their language attribute in. Script and variant subtags play no part in voice choice.
 */
function normaliseTag(tag: string): string {
  const parts = tag.trim().split(/[-_]/).filter((part) => part !== '');
  const language = (parts[0] ?? '').toLowerCase();
  const region = parts.slice(1).find((part) => /^([A-Za-z]{2}|[0-9]{3})$/.test(part));
  return region === undefined ? language : `${language}-${region.toUpperCase()}`;
}

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 cannot carry at all. */
function xmlText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
