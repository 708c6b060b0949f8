import { describe, expect, it } from 'vitest';
import { capacity, decodeGsm7, decodeText, decodeUcs2, encodeGsm7, encodeText } from './smsc-text.js';

/** UTF-16BE via Node's own codec, independent of the simulator's. */
function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

describe('GSM-7', () => {
  it('decodes the basic table, including @ at code 0', () => {
    const septets = Buffer.from([0x00, 0x48, 0x69, 0x20, 0x01, 0x35, 0x11, 0x05, 0x7f]);

    expect(decodeGsm7(septets)).toEqual({ text: '@Hi £5_éà', problems: [] });
  });

  it('decodes the extension table after 0x1B', () => {
    const septets = Buffer.from([0x1b, 0x65, 0x35, 0x20, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x40, 0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x2f]);

    expect(decodeGsm7(septets)).toEqual({ text: '€5 []{}|^~\\', problems: [] });
  });

  it('reports an escape cut off at the end of a part', () => {
    expect(decodeGsm7(Buffer.from([0x41, 0x1b]))).toEqual({ text: 'A', problems: ['escape 0x1B at the end with no character after it'] });
  });

  it('reports octets that are not septets', () => {
    const decoded = decodeGsm7(Buffer.from([0x41, 0xc3, 0xa9]));

    expect(decoded.text).toBe('A\ufffd\ufffd');
    expect(decoded.problems).toHaveLength(2);
  });

  it('round-trips every character it can encode', () => {
    const text = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà€[]{}|^~\\\f';

    expect(decodeGsm7(encodeGsm7(text) ?? Buffer.alloc(0))).toEqual({ text, problems: [] });
    expect(encodeGsm7('Привет')).toBeUndefined();
  });
});

describe('UCS-2', () => {
  it('decodes Cyrillic and emoji (surrogate pairs)', () => {
    expect(decodeUcs2(utf16be('Ваш код 🔐'))).toEqual({ text: 'Ваш код 🔐', problems: [] });
  });

  it('reports a surrogate pair split across parts', () => {
    const octets = utf16be('ok🔐');

    const first = decodeUcs2(octets.subarray(0, 6));

    expect(first.text).toBe('ok\ufffd');
    expect(first.problems).toEqual(['unpaired UTF-16 surrogate']);
  });

  it('reports an odd number of octets', () => {
    expect(decodeUcs2(Buffer.from([0x00, 0x41, 0x00])).problems).toEqual(['odd number of UCS-2 octets (3)']);
  });
});

describe('decodeText', () => {
  it.each([
    [0x00, Buffer.from([0x1b, 0x65]), '€'],
    [0x01, Buffer.from('abc', 'latin1'), 'abc'],
    [0x03, Buffer.from([0xe9, 0x74, 0xe9]), 'été'],
    [0x04, Buffer.from([0xff]), 'ÿ'],
    [0x08, Buffer.from([0x04, 0x1f]), 'П'],
    [0xf0, Buffer.from([0x00]), '@'],
  ])('decodes data_coding %i', (dataCoding, octets, text) => {
    expect(decodeText(octets, dataCoding)).toEqual({ text, problems: [] });
  });

  it('shows an unknown data_coding as Latin-1 and says so', () => {
    expect(decodeText(Buffer.from('x'), 0x06).problems).toEqual(['data_coding 0x6 shown as Latin-1']);
  });
});

describe('encodeText', () => {
  it('refuses characters the alphabet lacks', () => {
    expect(encodeText('€', 3)).toBeUndefined();
    expect(encodeText('é', 3)).toEqual(Buffer.from([0xe9]));
    expect(encodeText('🔐', 8)).toEqual(utf16be('🔐'));
  });
});

describe('capacity', () => {
  it.each([
    [0, 0, 160],
    [0, 6, 153],
    [0, 7, 152],
    [8, 0, 140],
    [8, 6, 134],
    [8, 7, 133],
  ])('data_coding %i with a %i-octet UDH leaves %i', (dataCoding, udh, room) => {
    expect(capacity(dataCoding, udh)).toBe(room);
  });
});
