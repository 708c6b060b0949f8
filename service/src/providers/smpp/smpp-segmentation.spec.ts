import { describe, expect, it } from 'vitest';
import type { TextCoding } from '@switchboard/sms-encoding';
import {
  LONG_MESSAGE_MODES,
  MessageSegmentationError,
  segmentMessage,
  type LongMessageMode,
  type SegmentationProblem,
  type SubmitPart,
} from './smpp-segmentation.js';

// The decoding below is written from 3GPP 23.038/23.040 on purpose, not taken from the code under
// test, so a wrong table or header there cannot make these tests pass.

/** 3GPP 23.038 §6.2.1 default alphabet, one string per table column (codes 0x00-0x0F, 0x10-0x1F …). */
const GSM7_COLUMNS = [
  '@£$¥èéùìòÇ\nØø\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
];
const GSM7_DECODE = GSM7_COLUMNS.join('');
/** 3GPP 23.038 §6.2.1.1 extension table, as reached through escape 0x1B. */
const GSM7_EXTENSION_DECODE = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

type Alphabet = 'gsm7' | 'latin1' | 'ucs2';

function decodeGsm7(octets: Buffer): string {
  let text = '';
  for (let index = 0; index < octets.length; index++) {
    const code = octets[index] ?? -1;
    if (code === 0x1b) {
      index += 1;
      const extension = GSM7_EXTENSION_DECODE.get(octets[index] ?? -1);
      if (extension === undefined) throw new Error(`escape at octet ${index - 1} not followed by an extension code`);
      text += extension;
    } else {
      const char = GSM7_DECODE[code];
      if (char === undefined || code > 0x7f) throw new Error(`octet ${index} is not a septet: ${code}`);
      text += char;
    }
  }
  return text;
}

function decodeUcs2(octets: Buffer): string {
  if (octets.length % 2 !== 0) throw new Error('UCS-2 body has an odd number of octets');
  const units: number[] = [];
  for (let index = 0; index < octets.length; index += 2) units.push(octets.readUInt16BE(index));
  return String.fromCharCode(...units);
}

function decodeLatin1(octets: Buffer): string {
  return String.fromCharCode(...octets);
}

function decode(octets: Buffer, alphabet: Alphabet): string {
  if (alphabet === 'gsm7') return decodeGsm7(octets);
  if (alphabet === 'ucs2') return decodeUcs2(octets);
  return decodeLatin1(octets);
}

interface ParsedPart {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
  readonly body: Buffer;
}

/** Reads a 3GPP 23.040 §9.2.3.24.1 concatenation UDH (8-bit reference) off a short_message. */
function parseUdh(shortMessage: Buffer): ParsedPart {
  const [udhl, iei, iedl, reference, total, sequence] = shortMessage;
  if (udhl !== 5 || iei !== 0x00 || iedl !== 3 || reference === undefined || total === undefined || sequence === undefined) {
    throw new Error(`not a concatenation UDH: ${shortMessage.subarray(0, 6).toString('hex')}`);
  }
  return { reference, total, sequence, body: shortMessage.subarray(6) };
}

function shortMessageOf(part: SubmitPart | undefined): Buffer {
  if (part?.shortMessage === undefined) throw new Error('part has no short_message');
  return part.shortMessage;
}

/** What a handset does: checks the headers agree, orders parts by sequence, decodes each, joins. */
function reassembleUdh(parts: readonly SubmitPart[], alphabet: Alphabet): string {
  const parsed = parts.map((part) => {
    expect(part.esmClass).toBe(0x40);
    return parseUdh(shortMessageOf(part));
  });
  const first = parsed[0];
  if (first === undefined) throw new Error('no parts');
  expect(parsed.map((part) => part.reference)).toEqual(parsed.map(() => first.reference));
  expect(parsed.map((part) => part.total)).toEqual(parsed.map(() => parsed.length));
  const ordered = [...parsed].sort((a, b) => a.sequence - b.sequence);
  expect(ordered.map((part) => part.sequence)).toEqual(parsed.map((_, index) => index + 1));
  return ordered.map((part) => decode(part.body, alphabet)).join('');
}

function reassembleSar(parts: readonly SubmitPart[], alphabet: Alphabet): string {
  const ordered = [...parts].sort((a, b) => (a.sar?.sequence ?? 0) - (b.sar?.sequence ?? 0));
  return ordered.map((part) => decode(shortMessageOf(part), alphabet)).join('');
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** 400 characters of GSM-7, every tenth or so from the extension table. */
const GSM7_400 = "Your Switchboard code is 482913. Don't share it: {support} ~ [help] | €5 credit \\o/ ^^ "
  .repeat(5)
  .slice(0, 400);

/** 200 characters (code points) of Cyrillic with emoji; the 🙏 at units 66-67 straddles the first part boundary. */
const CYRILLIC_EMOJI_200 = Array.from('Код входа 482913 🔐 действует 10 минут. Никому не сообщайте его 🙏🙂 '.repeat(5))
  .slice(0, 200)
  .join('');

describe('segmentMessage', () => {
  it('offers the three long message modes', () => {
    expect(LONG_MESSAGE_MODES).toEqual(['udh', 'sar', 'payload']);
  });

  describe.each(LONG_MESSAGE_MODES)('in %s mode, a text that fits one SMS', (mode) => {
    it.each([
      ['a short GSM-7 text', 'Your code is 482913', 'gsm7' as const, 0, 19],
      ['160 GSM-7 septets', 'a'.repeat(159) + 'z', 'gsm7' as const, 0, 160],
      ['80 extension characters (160 septets)', '€'.repeat(80), 'gsm7' as const, 0, 160],
      ['70 UCS-2 units', 'ж'.repeat(68) + '🔐', 'ucs2' as const, 8, 70],
    ])('goes alone in short_message: %s', (_name, text, alphabet, dataCoding, units) => {
      const message = segmentMessage(text, { coding: 'gsm7', mode, reference: 7 });

      expect(message).toMatchObject({ dataCoding, units, billedParts: 1 });
      expect(message.parts).toHaveLength(1);
      const [part] = message.parts;
      expect(part).toEqual({ shortMessage: expect.any(Buffer) as Buffer, esmClass: 0 });
      expect(decode(shortMessageOf(part), alphabet)).toBe(text);
    });
  });

  describe('udh mode', () => {
    it('splits a 400-character GSM-7 text into 3 numbered parts of at most 153 septets that reassemble', () => {
      expect(GSM7_400).toHaveLength(400);

      const message = segmentMessage(GSM7_400, { coding: 'gsm7', mode: 'udh', reference: 0x2a });

      expect(message.dataCoding).toBe(0);
      expect(message.billedParts).toBe(3);
      expect(message.parts).toHaveLength(3);
      const bodies = message.parts.map((part) => parseUdh(shortMessageOf(part)).body);
      for (const body of bodies) expect(body.length).toBeLessThanOrEqual(153); // unpacked: one septet per octet
      expect(message.units).toBe(bodies.reduce((sum, body) => sum + body.length, 0));
      expect(reassembleUdh([...message.parts].reverse(), 'gsm7')).toBe(GSM7_400);
    });

    it('writes the concatenation UDH literally: length 5, IEI 0x00, length 3, reference, total, sequence', () => {
      const message = segmentMessage(GSM7_400, { coding: 'gsm7', mode: 'udh', reference: 0x2a });

      expect(message.parts.map((part) => [...shortMessageOf(part).subarray(0, 6)])).toEqual([
        [0x05, 0x00, 0x03, 0x2a, 3, 1],
        [0x05, 0x00, 0x03, 0x2a, 3, 2],
        [0x05, 0x00, 0x03, 0x2a, 3, 3],
      ]);
    });

    it('writes a two-part message octet for octet', () => {
      const message = segmentMessage('a'.repeat(160) + 'b', { coding: 'gsm7', mode: 'udh', reference: 255 });

      expect(message.parts).toEqual([
        { shortMessage: Buffer.from([0x05, 0x00, 0x03, 0xff, 2, 1, ...Array<number>(153).fill(0x61)]), esmClass: 0x40 },
        { shortMessage: Buffer.from([0x05, 0x00, 0x03, 0xff, 2, 2, ...Array<number>(7).fill(0x61), 0x62]), esmClass: 0x40 },
      ]);
    });

    it('splits a 200-character Cyrillic and emoji text into UCS-2 parts of at most 67 units that reassemble', () => {
      expect(Array.from(CYRILLIC_EMOJI_200)).toHaveLength(200);

      const message = segmentMessage(CYRILLIC_EMOJI_200, { coding: 'gsm7', mode: 'udh', reference: 9 });

      expect(message.dataCoding).toBe(8);
      expect(message.units).toBe(CYRILLIC_EMOJI_200.length);
      expect(message.billedParts).toBe(message.parts.length);
      const bodies = message.parts.map((part) => parseUdh(shortMessageOf(part)).body);
      expect(bodies.map((body) => body.length / 2)).toEqual([66, 67, 67, 9]);
      for (const body of bodies) {
        expect(body.length % 2).toBe(0);
        expect(body.length / 2).toBeLessThanOrEqual(67);
        expect(isLowSurrogate(body.readUInt16BE(0))).toBe(false);
        expect(isHighSurrogate(body.readUInt16BE(body.length - 2))).toBe(false);
      }
      expect(reassembleUdh(message.parts, 'ucs2')).toBe(CYRILLIC_EMOJI_200);
    });

    it.each<{ name: string; coding: TextCoding; text: string; alphabet: Alphabet; dataCoding: number; bodyOctets: number[] }>([
      { name: '161 GSM-7 septets take 2 parts', coding: 'gsm7', text: 'a'.repeat(161), alphabet: 'gsm7', dataCoding: 0, bodyOctets: [153, 8] },
      { name: '306 GSM-7 septets fill 2 parts', coding: 'gsm7', text: 'a'.repeat(306), alphabet: 'gsm7', dataCoding: 0, bodyOctets: [153, 153] },
      { name: '307 GSM-7 septets take 3 parts', coding: 'gsm7', text: 'a'.repeat(307), alphabet: 'gsm7', dataCoding: 0, bodyOctets: [153, 153, 1] },
      { name: '71 UCS-2 units take 2 parts', coding: 'gsm7', text: 'ж'.repeat(71), alphabet: 'ucs2', dataCoding: 8, bodyOctets: [134, 8] },
      { name: '141 Latin-1 octets take 2 parts', coding: 'latin1', text: 'é'.repeat(141), alphabet: 'latin1', dataCoding: 3, bodyOctets: [134, 7] },
      { name: '8-bit parts hold 134 octets', coding: '8bit', text: 'ü'.repeat(269), alphabet: 'latin1', dataCoding: 4, bodyOctets: [134, 134, 1] },
      {
        name: 'default-latin1 sends Latin-1 as data_coding 0',
        coding: 'default-latin1',
        text: '[x]'.repeat(47),
        alphabet: 'latin1',
        dataCoding: 0,
        bodyOctets: [134, 7],
      },
    ])('$name', ({ coding, text, alphabet, dataCoding, bodyOctets }) => {
      const message = segmentMessage(text, { coding, mode: 'udh', reference: 1 });

      expect(message.dataCoding).toBe(dataCoding);
      expect(message.parts.map((part) => parseUdh(shortMessageOf(part)).body.length)).toEqual(bodyOctets);
      expect(reassembleUdh(message.parts, alphabet)).toBe(text);
    });

    it('keeps an escape sequence whole when it would straddle the 153-septet boundary', () => {
      const text = 'a'.repeat(152) + '€' + 'a'.repeat(10);

      const [first, second] = segmentMessage(text, { coding: 'gsm7', mode: 'udh', reference: 1 }).parts.map(
        (part) => parseUdh(shortMessageOf(part)).body,
      );

      expect(first).toEqual(Buffer.alloc(152, 0x61));
      expect([...(second ?? Buffer.alloc(0)).subarray(0, 3)]).toEqual([0x1b, 0x65, 0x61]);
    });

    it('fills a part to 153 septets when an escape sequence ends exactly there', () => {
      const text = 'a'.repeat(151) + '€' + 'a'.repeat(10);

      const bodies = segmentMessage(text, { coding: 'gsm7', mode: 'udh', reference: 1 }).parts.map(
        (part) => parseUdh(shortMessageOf(part)).body,
      );

      expect(bodies.map((body) => body.length)).toEqual([153, 10]);
      expect([...(bodies[0] ?? Buffer.alloc(0)).subarray(151)]).toEqual([0x1b, 0x65]);
    });

    it('keeps a surrogate pair whole when it would straddle the 67-unit boundary', () => {
      const text = 'ж'.repeat(66) + '🔐' + 'ж'.repeat(5);

      const [first, second] = segmentMessage(text, { coding: 'gsm7', mode: 'udh', reference: 1 }).parts.map(
        (part) => parseUdh(shortMessageOf(part)).body,
      );

      expect(first?.length).toBe(132);
      expect(second?.subarray(0, 6).toString('hex')).toBe('d83ddd100436');
    });

    it('costs a third part when a boundary escape pushes 306 septets past two parts', () => {
      const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);

      const message = segmentMessage(text, { coding: 'gsm7', mode: 'udh', reference: 1 });

      expect(message.units).toBe(306);
      expect(message.billedParts).toBe(3);
      expect(reassembleUdh(message.parts, 'gsm7')).toBe(text);
    });
  });

  describe('sar mode', () => {
    it('numbers parts with SAR values and leaves short_message without a UDH', () => {
      const message = segmentMessage(GSM7_400, { coding: 'gsm7', mode: 'sar', reference: 0x1234 });

      expect(message.billedParts).toBe(3);
      expect(message.parts.map((part) => ({ esmClass: part.esmClass, sar: part.sar }))).toEqual([
        { esmClass: 0, sar: { reference: 0x1234, total: 3, sequence: 1 } },
        { esmClass: 0, sar: { reference: 0x1234, total: 3, sequence: 2 } },
        { esmClass: 0, sar: { reference: 0x1234, total: 3, sequence: 3 } },
      ]);
      for (const part of message.parts) expect(shortMessageOf(part).length).toBeLessThanOrEqual(153);
      expect(GSM7_400.startsWith(decode(shortMessageOf(message.parts[0]), 'gsm7'))).toBe(true);
      expect(reassembleSar([...message.parts].reverse(), 'gsm7')).toBe(GSM7_400);
    });

    it('splits UCS-2 on the same boundaries as udh mode', () => {
      const message = segmentMessage(CYRILLIC_EMOJI_200, { coding: 'gsm7', mode: 'sar', reference: 0 });

      expect(message.dataCoding).toBe(8);
      expect(message.parts.map((part) => part.sar?.sequence)).toEqual([1, 2, 3, 4]);
      expect(message.parts.map((part) => shortMessageOf(part).length)).toEqual(
        segmentMessage(CYRILLIC_EMOJI_200, { coding: 'gsm7', mode: 'udh', reference: 0 }).parts.map((part) => shortMessageOf(part).length - 6),
      );
      expect(reassembleSar(message.parts, 'ucs2')).toBe(CYRILLIC_EMOJI_200);
    });
  });

  describe('payload mode', () => {
    it.each([
      ['GSM-7', GSM7_400, 'gsm7' as const, 0, 3],
      ['UCS-2', CYRILLIC_EMOJI_200, 'ucs2' as const, 8, 4],
    ])('sends the whole %s text in message_payload and still counts the billed parts', (_name, text, alphabet, dataCoding, billedParts) => {
      const message = segmentMessage(text, { coding: 'gsm7', mode: 'payload', reference: 0 });

      expect(message).toMatchObject({ dataCoding, billedParts });
      expect(message.parts).toEqual([{ messagePayload: expect.any(Buffer) as Buffer, esmClass: 0 }]);
      const [part] = message.parts;
      expect(decode(part?.messagePayload ?? Buffer.alloc(0), alphabet)).toBe(text);
    });
  });

  describe('refusals', () => {
    it.each<{ name: string; text: string; mode: LongMessageMode; reference: number; problem: SegmentationProblem; message: RegExp }>([
      { name: 'an empty text', text: '', mode: 'udh', reference: 0, problem: 'empty-text', message: /text is empty/ },
      { name: 'an empty text in payload mode', text: '', mode: 'payload', reference: 0, problem: 'empty-text', message: /text is empty/ },
      { name: '256 GSM-7 parts', text: 'a'.repeat(153 * 255 + 1), mode: 'udh', reference: 0, problem: 'too-many-parts', message: /needs 256 parts/ },
      { name: '256 UCS-2 parts', text: 'ж'.repeat(67 * 255 + 1), mode: 'sar', reference: 0, problem: 'too-many-parts', message: /needs 256 parts/ },
      { name: '256 parts in payload mode', text: 'a'.repeat(153 * 255 + 1), mode: 'payload', reference: 0, problem: 'too-many-parts', message: /at most 255/ },
      { name: 'a 16-bit reference in udh mode', text: 'hi', mode: 'udh', reference: 256, problem: 'reference-out-of-range', message: /reference 256 .* 0-255/ },
      { name: 'a negative reference', text: 'hi', mode: 'udh', reference: -1, problem: 'reference-out-of-range', message: /reference -1/ },
      { name: 'a fractional reference', text: 'hi', mode: 'sar', reference: 1.5, problem: 'reference-out-of-range', message: /reference 1.5/ },
      { name: 'NaN as reference', text: 'hi', mode: 'sar', reference: Number.NaN, problem: 'reference-out-of-range', message: /reference NaN/ },
      { name: 'a 17-bit reference in sar mode', text: 'hi', mode: 'sar', reference: 65536, problem: 'reference-out-of-range', message: /0-65535/ },
    ])('refuses $name', ({ text, mode, reference, problem, message }) => {
      const attempt = (): unknown => segmentMessage(text, { coding: 'gsm7', mode, reference });

      expect(attempt).toThrow(MessageSegmentationError);
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(expect.objectContaining({ problem }) as Error);
    });

    it.each([
      ['255 GSM-7 parts', 'a'.repeat(153 * 255), 'udh' as const, 255, 255],
      ['a 16-bit reference in sar mode', 'a'.repeat(161), 'sar' as const, 65535, 2],
    ])('accepts %s', (_name, text, mode, reference, billedParts) => {
      expect(segmentMessage(text, { coding: 'gsm7', mode, reference }).billedParts).toBe(billedParts);
    });

    it('refuses a mode it does not know', () => {
      expect(() => segmentMessage('hi', { coding: 'gsm7', mode: 'split' as LongMessageMode, reference: 0 })).toThrow(
        /unknown long message mode "split"/,
      );
    });
  });
});
