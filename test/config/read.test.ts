import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../src/config/read';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('decodeUtf8', () => {
  it('decodes valid UTF-8, multi-byte characters included', () => {
    expect(decodeUtf8(bytes('a: h\u00e9\u20ac\u{1f600}\n'))).toEqual({ text: 'a: h\u00e9\u20ac\u{1f600}\n' });
  });

  it.each([
    ['a stray byte after a complete multi-byte character', bytes('x\ny: \u00e9', [0xff], 'z\n'), 2, 5, 'FF'],
    ['a lead byte followed by ASCII', bytes('y: ab', [0xc3, 0x28]), 1, 6, 'C3'],
    ['a truncated four-byte character at the end of the file', bytes('a\nb\ny: ', [0xf0, 0x9f, 0x98]), 3, 4, 'F0'],
    ['an encoded surrogate', bytes('y: ', [0xed, 0xa0, 0x80]), 1, 4, 'ED'],
  ])('locates %s by line and column in characters', (_name, input, line, column, hex) => {
    expect(decodeUtf8(input)).toEqual({ problem: `is not valid UTF-8 (byte 0x${hex}): save the file as UTF-8`, line, column });
  });
});
