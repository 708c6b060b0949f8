import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../shared/errors.js';
import { BUILT_IN_VOICE_PHRASES, renderVoiceAnswer, spacedDigits, type VoiceAnswerFormat, type VoiceAnswerInput } from './answer-document.js';

const CODE = '482913';

/** One element of the document's body, in order. */
interface Verb {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Element text with entities decoded; empty for self-closing verbs. */
  readonly text: string;
}

function decode(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity] ?? '');
}

/** A DOM-free reading of the flat documents we write: `<Response>` holding verbs, nothing nested. */
function parse(xml: string): Verb[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n')).toBe(true);
  expect(xml.trimEnd().endsWith('</Response>')).toBe(true);
  const body = xml.slice(xml.indexOf('<Response>') + '<Response>'.length, xml.lastIndexOf('</Response>'));
  const verbs: Verb[] = [];
  const element = /<([A-Za-z]+)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(?:\/>|>([^<]*)<\/\1>)/g;
  let consumed = '';
  for (const match of body.matchAll(element)) {
    const [whole, name = '', rawAttributes = '', text = ''] = match;
    consumed += whole;
    const attributes = Object.fromEntries([...rawAttributes.matchAll(/([A-Za-z]+)="([^"]*)"/g)].map(([, key = '', value = '']) => [key, decode(value)]));
    verbs.push({ name, attributes, text: decode(text) });
  }
  // Nothing but whitespace outside the verbs: no stray text or markup the regex skipped.
  expect(body.replace(/\s+/g, '')).toBe(consumed.replace(/\s+/g, ''));
  return verbs;
}

/** The digits a reading speaks: the trailing "d, d, d." list, one digit per item. */
function spokenDigits(text: string): string[] {
  const list = /((?:\d, )+\d)\.$/.exec(text)?.[1];
  expect(list, `no digit list at the end of "${text}"`).toBeDefined();
  const items = (list ?? '').split(', ');
  for (const item of items) expect(item).toMatch(/^\d$/);
  return items;
}

const SPEECH: Record<VoiceAnswerFormat, string> = { twiml: 'Say', plivo: 'Speak' };
const SILENCE: Record<VoiceAnswerFormat, string> = { twiml: 'Pause', plivo: 'Wait' };

function render(overrides: Partial<VoiceAnswerInput> = {}) {
  return renderVoiceAnswer({ format: 'twiml', code: CODE, locale: 'en', brand: 'Acme', ...overrides });
}

describe('renderVoiceAnswer', () => {
  const cases = (['twiml', 'plivo'] as const).flatMap((format) =>
    [
      { locale: 'en', language: 'en-US', intro: 'Your Acme verification code is:', again: 'Again:' },
      { locale: 'de', language: 'de-DE', intro: 'Ihr Acme Bestätigungscode lautet:', again: 'Noch einmal:' },
      { locale: 'fr', language: 'fr-FR', intro: 'Votre code de vérification Acme est :', again: 'Je répète :' },
      { locale: 'es', language: 'es-ES', intro: 'Tu código de verificación de Acme es:', again: 'Repito:' },
    ].map((expected) => ({ format, ...expected })),
  );

  it.each(cases)('$format/$locale: pauses, then reads the code digit by digit three times in $language', ({ format, locale, language, intro, again }) => {
    const answer = renderVoiceAnswer({ format, code: CODE, locale, brand: 'Acme' });
    const verbs = parse(answer.xml);

    expect(verbs[0]).toEqual({ name: SILENCE[format], attributes: { length: '1' }, text: '' });
    const readings = verbs.filter((verb) => verb.name === SPEECH[format]);
    expect(readings).toHaveLength(3);
    expect(verbs.map((verb) => verb.name)).toEqual([SILENCE[format], SPEECH[format], SILENCE[format], SPEECH[format], SILENCE[format], SPEECH[format]]);
    readings.forEach((reading, index) => {
      expect(reading.attributes).toEqual({ language });
      expect(reading.text.startsWith(`${index === 0 ? intro : again} `)).toBe(true);
      expect(spokenDigits(reading.text)).toEqual(['4', '8', '2', '9', '1', '3']);
    });
    expect(answer).toMatchObject({ locale, voiceLanguage: language });
  });

  it.each([1, 2, 5])('reads the code %i times when asked to', (repeat) => {
    const readings = parse(render({ repeat }).xml).filter((verb) => verb.name === 'Say');

    expect(readings).toHaveLength(repeat);
    expect(readings.map((reading) => spokenDigits(reading.text).join(''))).toEqual(Array<string>(repeat).fill(CODE));
  });

  it('waits as long as asked before the first word', () => {
    const verbs = parse(render({ format: 'plivo', pauseBeforeSeconds: 3 }).xml);

    expect(verbs[0]).toMatchObject({ name: 'Wait', attributes: { length: '3' } });
  });

  it('starts speaking at once when the pause is 0', () => {
    const verbs = parse(render({ pauseBeforeSeconds: 0 }).xml);

    expect(verbs[0]?.name).toBe('Say');
  });

  it('reads leading zeros as digits', () => {
    const reading = parse(render({ code: '0042' }).xml).find((verb) => verb.name === 'Say');

    expect(spokenDigits(reading?.text ?? '')).toEqual(['0', '0', '4', '2']);
  });

  it('escapes the brand so it cannot add markup', () => {
    const brand = `Tom & Jerry's <Say>"Shop"</Say>`;
    const answer = render({ brand });

    expect(answer.xml).toContain('Tom &amp; Jerry&apos;s &lt;Say&gt;&quot;Shop&quot;&lt;/Say&gt;');
    const readings = parse(answer.xml).filter((verb) => verb.name === 'Say');
    expect(readings).toHaveLength(3);
    expect(readings[0]?.text).toBe(`Your ${brand} verification code is: 4, 8, 2, 9, 1, 3.`);
  });

  it('keeps replacement patterns in a brand literal', () => {
    const reading = parse(render({ brand: 'A$&B' }).xml).find((verb) => verb.name === 'Say');

    expect(reading?.text).toBe('Your A$&B verification code is: 4, 8, 2, 9, 1, 3.');
  });

  it('drops characters XML cannot carry from the brand', () => {
    expect(render({ brand: 'Ac\u0000me\u001B' }).xml).toContain('Your Acme verification code');
  });

  it.each([
    { locale: 'de-AT', format: 'twiml', phrases: 'de', language: 'de-DE', rule: "the language's phrases in its main region's voice when the region has none" },
    { locale: 'fr-CA', format: 'twiml', phrases: 'fr', language: 'fr-CA', rule: "the caller's own region when the provider has a voice for it" },
    { locale: 'es-MX', format: 'twiml', phrases: 'es', language: 'es-MX', rule: 'a region one provider has (Twilio es-MX)' },
    { locale: 'es-MX', format: 'plivo', phrases: 'es', language: 'es-ES', rule: 'the main region where the other has none (Plivo)' },
    { locale: 'en-GB', format: 'plivo', phrases: 'en', language: 'en-GB', rule: 'British English' },
    { locale: 'de_ch', format: 'plivo', phrases: 'de', language: 'de-DE', rule: 'an underscore, lower-case tag' },
    { locale: 'pt-BR', format: 'twiml', phrases: 'en', language: 'en-US', rule: 'English words in an English voice for a language without phrases' },
    { locale: 'pt-BR', format: 'plivo', phrases: 'en', language: 'en-US', rule: 'never a Portuguese voice for English words' },
  ] as const)('picks $rule ($locale, $format)', ({ locale, format, phrases, language }) => {
    const answer = renderVoiceAnswer({ format, code: CODE, locale, brand: 'Acme' });

    expect(answer).toMatchObject({ locale: phrases, voiceLanguage: language });
    for (const verb of parse(answer.xml).filter((candidate) => candidate.name === SPEECH[format])) expect(verb.attributes.language).toBe(language);
  });

  it("uses an app's phrases over the built-in ones, keeping the built-in words it leaves out", () => {
    const readings = parse(render({ locale: 'de', phrases: { de: { intro: 'Dein {brand}-Code:' } } }).xml).filter((verb) => verb.name === 'Say');

    expect(readings[0]?.text).toBe('Dein Acme-Code: 4, 8, 2, 9, 1, 3.');
    expect(readings[1]?.text).toBe(`${BUILT_IN_VOICE_PHRASES.de?.again ?? ''} 4, 8, 2, 9, 1, 3.`);
  });

  it('speaks a language an app added, in the voice language it names', () => {
    const answer = render({ locale: 'it-IT', phrases: { it: { intro: 'Il tuo codice {brand} è:', again: 'Ripeto:', voiceLanguage: 'it-IT' } } });

    expect(answer).toMatchObject({ locale: 'it', voiceLanguage: 'it-IT' });
    expect(parse(answer.xml).find((verb) => verb.name === 'Say')?.text).toBe('Il tuo codice Acme è: 4, 8, 2, 9, 1, 3.');
  });

  it('ignores an added language that lacks words, falling back to English', () => {
    expect(render({ locale: 'it', phrases: { it: { intro: 'Il tuo codice {brand} è:' } } })).toMatchObject({ locale: 'en', voiceLanguage: 'en-US' });
  });

  it("falls back to the app's default locale before English", () => {
    expect(render({ locale: 'pt-BR', defaultLocale: 'fr-CA' })).toMatchObject({ locale: 'fr', voiceLanguage: 'fr-FR' });
    expect(render({ locale: 'pt-BR', defaultLocale: 'pt' })).toMatchObject({ locale: 'en', voiceLanguage: 'en-US' });
  });

  it('asks for a voice when one is given', () => {
    const reading = parse(render({ voice: 'Polly.Joanna' }).xml).find((verb) => verb.name === 'Say');

    expect(reading?.attributes).toEqual({ language: 'en-US', voice: 'Polly.Joanna' });
  });

  it.each(['123', '12345678901', '12a456', '１２３４５６', '123456\n', ' 123456', '', '<Say>1</Say>'])('refuses the code %j without echoing it', (code) => {
    let thrown: unknown;
    try {
      render({ code });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toMatchObject({ field: 'code' });
    if (code !== '') expect((thrown as Error).message).not.toContain(code.trim());
  });

  it.each([
    { input: { repeat: 0 }, field: 'repeat' },
    { input: { repeat: 11 }, field: 'repeat' },
    { input: { repeat: 1.5 }, field: 'repeat' },
    { input: { pauseBeforeSeconds: -1 }, field: 'pauseBeforeSeconds' },
    { input: { pauseBeforeSeconds: 0.5 }, field: 'pauseBeforeSeconds' },
    { input: { voice: 'Polly"Joanna' }, field: 'voice' },
    { input: { format: 'ncco' as VoiceAnswerFormat }, field: 'format' },
  ])('refuses $field = $input', ({ input, field }) => {
    expect(() => render(input)).toThrow(InvalidArgumentError);
    expect(() => render(input)).toThrow(expect.objectContaining({ field }));
  });
});

describe('spacedDigits', () => {
  it('separates every digit so it is read on its own', () => {
    expect(spacedDigits('482913')).toBe('4, 8, 2, 9, 1, 3');
  });

  it('refuses anything but 4-10 digits', () => {
    expect(() => spacedDigits('48291a')).toThrow(InvalidArgumentError);
  });
});
