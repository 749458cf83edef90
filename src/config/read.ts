import { isUtf8 } from 'node:buffer';
import { isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { readAtMost } from '../bounded-read';
import type { FieldPath } from '../model/field-path';

// The config as bytes, before YAML: its size bounded, its encoding strict, and its string values free of
// control characters, so no later check or regular expression ever sees megabytes, U+FFFD or an invisible NUL.

/**
 * Largest config file read: 16 MiB. The shipped one is a few KiB, an environment about 900 bytes, so a fleet of
 * 3,000 is under 3 MiB and the bound leaves room for about 18,000 such environments, or fewer and larger ones. It
 * exists against input that is no config at all (an endless stream, a device, a file named by mistake): what is read
 * is held in memory and parsed with the position of every node (about 13 bytes of memory per byte of YAML), so it
 * stops there. The length of each value is bounded by the schema, which keeps every pattern and glob fast.
 */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * Most YAML aliases one config may resolve. Anchors shared by a few environments stay far below it; a nested
 * alias bomb ("billion laughs") exceeds it at once, long before it could exhaust memory.
 */
export const MAX_ALIAS_COUNT = 100;

/** A string in the document that must not be there: its field path, its offset in the text, and why. */
export interface ValueProblem {
  readonly path: FieldPath;
  readonly offset: number;
  readonly message: string;
}

/** Text that could not be read as a config, and where. */
export type DecodeResult = { text: string } | { problem: string; line: number; column: number };

/**
 * C0 controls but tab, line feed and carriage return, DEL, and C1 controls; and Unicode's format characters (category
 * Cf: zero-width spaces and joiners, bidirectional overrides, the byte-order mark inside a value, soft hyphens, tag
 * characters). All are invisible in an editor yet meaningful to a matcher: `https://token.actions.githubusercontent.com`
 * followed by U+200B reads as GitHub's issuer and matches no certificate; a bidirectional override shows a value in
 * another order than it is compared in.
 */
const INVISIBLE_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cf}]/u;

/** Whether the string holds a control or format character (see {@link INVISIBLE_CHARACTER}). */
export function hasControlCharacter(value: string): boolean {
  return INVISIBLE_CHARACTER.test(value);
}

/** The config file's text, or the problem that keeps it from being read as a UTF-8 config of a sane size. */
export function readConfigFile(file: string): DecodeResult {
  const bytes = readAtMost(file, MAX_CONFIG_BYTES);
  if (bytes === undefined) return { problem: `is larger than the ${MAX_CONFIG_BYTES} bytes a config may have`, line: 0, column: 0 };
  return decodeUtf8(bytes);
}

/**
 * Decodes UTF-8 strictly: a byte sequence that is not UTF-8 is reported at its line and column (in characters)
 * instead of being turned into U+FFFD, which would silently change an identity or a pattern.
 */
export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  if (isUtf8(bytes)) return { text: new TextDecoder('utf-8').decode(bytes) };
  const bad = firstInvalidByte(bytes);
  const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
  const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  const column = [...new TextDecoder('utf-8').decode(bytes.subarray(lineStart, bad))].length + 1;
  const hex = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
  return { problem: `is not valid UTF-8 (byte 0x${hex}): save the file as UTF-8`, line, column };
}

/** Offset of the first byte of the first sequence that is not UTF-8 (the input is known to hold one). */
function firstInvalidByte(bytes: Uint8Array): number {
  // The longest prefix that is valid UTF-8, possibly ending in an incomplete character (`stream`): valid
  // prefixes are closed under shortening, so a binary search finds it.
  let valid = 0;
  let invalid = bytes.length + 1;
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      valid = middle;
    } catch {
      invalid = middle;
    }
  }
  // When that prefix ends in an incomplete character, the offending sequence starts at its lead byte (11xxxxxx).
  if (isUtf8(bytes.subarray(0, valid))) return valid;
  let start = valid;
  while (start > 0 && valid - start < 3 && (bytes[start - 1] & 0xc0) === 0x80) start--;
  return start - 1;
}

/** Every key and string value of the document holding a control character, with its field path. */
export function controlCharacterProblems(doc: Document): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const check = (node: Node | null | undefined, path: FieldPath) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const index = node.value.search(INVISIBLE_CHARACTER);
    if (index < 0) return;
    const character = String.fromCodePoint(node.value.codePointAt(index)!);
    const code = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const kind = /\p{Cf}/u.test(character) ? 'the invisible format character' : 'the control character';
    problems.push({
      offset: node.range?.[0] ?? 0,
      path,
      message: `contains ${kind} U+${code}: identities, patterns and names must be printable, and free text visible`,
    });
  };
  const walk = (node: unknown, path: FieldPath) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const childPath = [...path, typeof key === 'string' || typeof key === 'number' ? key : '?'];
        check(pair.key as Node | null, childPath);
        walk(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else {
      check(node as Node, path);
    }
  };
  walk(doc.contents, []);
  return problems;
}

/** Offset of the first alias in the document, where an alias bomb is reported. */
export function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
