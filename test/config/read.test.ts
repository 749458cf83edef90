import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { controlCharacterProblems, decodeUtf8 } from '../../src/config/read';
import { parseConfigDocument } from '../../src/config/yaml-document';

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

describe('controlCharacterProblems', () => {
  const problemsOf = (value: string) => controlCharacterProblems(parseDocument(`a:\n  b: ${JSON.stringify(value)}\n`));

  it.each([
    ['a zero-width space after an issuer', 'https://token.actions.githubusercontent.com\u200b', 'the invisible format character U+200B'],
    ['a right-to-left override in a subject', 'https://github.com/\u202eacme/*', 'the invisible format character U+202E'],
    ['a byte-order mark inside a value', '\ufeffghcr.io/acme/*', 'the invisible format character U+FEFF'],
    ['a soft hyphen', 'ac\u00adme', 'the invisible format character U+00AD'],
    ['a tag character', 'acme\u{e0041}', 'the invisible format character U+E0041'],
    ['a NUL', 'acme\u0000', 'the control character U+0000'],
  ])('refuses %s at its field', (_name, value, what) => {
    expect(problemsOf(value)).toEqual([
      expect.objectContaining({ path: ['a', 'b'], message: expect.stringContaining(`contains ${what}:`) }),
    ]);
  });

  it.each(['caf\u00e9 outages\tmust not\nstop deploys', 'Hell\u014d'])('accepts visible text, tabs and line breaks: %s', (value) => {
    expect(problemsOf(value)).toEqual([]);
  });
});

describe('parseConfigDocument', () => {
  it.each([
    [
      'a second document',
      'environments: []\n---\nenvironments: []\n',
      2,
      1,
      'holds more than one YAML document (a "---" line between them): keep one',
    ],
    ['a list as a key', 'environments: []\n? [a, b]\n: c\n', 2, 3, 'has a list or map as a key: keys are field names'],
  ])("refuses %s at its line, in the config's words", (_name, text, line, column, message) => {
    expect(parseConfigDocument(text)).toEqual({ problems: [{ line, column, message }] });
  });
});
