import { Yaml } from 'cdk8s';

// The YAML text of rendered objects, byte for byte what cdk8s's `Yaml.stringify` writes, without its cost per
// object: `Yaml.stringify` builds a yaml Document for every object, and in a fleet of a thousand environments that
// was two thirds of rendering. Here the block layout (maps, sequences, indentation) is written directly and every
// scalar is still rendered by `Yaml.stringify` itself, once per distinct value: quoting, escaping and the YAML 1.1
// types stay the yaml library's. A document whose text could depend on more than that (a multi-line string, an
// object reached twice, which yaml writes as an anchor, anything but plain data) is rendered by `Yaml.stringify`
// whole. test/yaml-text.test.ts compares both on generated documents.

/** Thrown inside this module when a document leaves the block layout written here. */
class NotPlainBlockYaml extends Error {}

/** Rendered scalars, by value; cleared when large, so memory stays bounded whatever the fleet. */
const valueText = new Map<string, string>();
const keyText = new Map<string, string>();
const MAX_CACHED = 50_000;

/** The text of `documents` as `Yaml.stringify(...documents)` writes it: each document, separated by `---`. */
export function yamlText(...documents: unknown[]): string {
  return documents.map(documentText).join('---\n');
}

function documentText(document: unknown): string {
  if (document === undefined) return Yaml.stringify(document);
  try {
    const lines: string[] = [];
    const seen = new Set<object>();
    if (isPlainMap(document)) writeMap(document, '', false, lines, seen);
    else if (Array.isArray(document)) writeSequence(document, '', false, lines, seen);
    else throw new NotPlainBlockYaml();
    // An empty collection is written in flow style, alone on its line.
    return lines.length === 0 ? Yaml.stringify(document) : lines.join('');
  } catch (error) {
    if (error instanceof NotPlainBlockYaml) return Yaml.stringify(document);
    throw error;
  }
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Marks a collection as written; one reached again would be an anchor and an alias in yaml's text. */
function visit(collection: object, seen: Set<object>): void {
  if (seen.has(collection)) throw new NotPlainBlockYaml();
  seen.add(collection);
}

/** Block map: `key: value` lines at `indent`; with `inline`, the first line continues one already begun (`- `). */
function writeMap(map: Record<string, unknown>, indent: string, inline: boolean, lines: string[], seen: Set<object>): void {
  visit(map, seen);
  let first = inline;
  for (const key of Object.keys(map)) {
    if (!first) lines.push(indent);
    first = false;
    lines.push(renderedKey(key), ':');
    writeValue(map[key], indent, lines, seen);
  }
}

/** Block sequence: `- item` lines at `indent`; with `inline`, the first item continues a line already begun. */
function writeSequence(sequence: readonly unknown[], indent: string, inline: boolean, lines: string[], seen: Set<object>): void {
  visit(sequence, seen);
  let first = inline;
  for (const item of sequence) {
    if (!first) lines.push(indent);
    first = false;
    lines.push('-');
    if (isPlainMap(item) && Object.keys(item).length > 0) {
      lines.push(' ');
      writeMap(item, `${indent}  `, true, lines, seen);
    } else if (Array.isArray(item) && item.length > 0) {
      lines.push(' ');
      writeSequence(item, `${indent}  `, true, lines, seen);
    } else {
      lines.push(' ', inlineText(item, seen), '\n');
    }
  }
}

/** What follows `key:` at `indent`: a nested block on the next lines, or the value on the same line. */
function writeValue(value: unknown, indent: string, lines: string[], seen: Set<object>): void {
  if (isPlainMap(value) && Object.keys(value).length > 0) {
    lines.push('\n');
    writeMap(value, `${indent}  `, false, lines, seen);
  } else if (Array.isArray(value) && value.length > 0) {
    // yaml indents a sequence under its key (indentSeq).
    lines.push('\n');
    writeSequence(value, `${indent}  `, false, lines, seen);
  } else {
    lines.push(' ', inlineText(value, seen), '\n');
  }
}

/** A value written on its key's or its dash's line: a scalar, or an empty collection in flow style. */
function inlineText(value: unknown, seen: Set<object>): string {
  if (isPlainMap(value)) {
    visit(value, seen);
    return '{}';
  }
  if (Array.isArray(value)) {
    visit(value, seen);
    return '[]';
  }
  return renderedScalar(value);
}

/**
 * A string yaml writes as it is, wherever it stands: it starts with a letter or `_` and holds only letters, digits and
 * `_./-`, so no YAML 1.1 type (numbers, timestamps and `.inf` start otherwise) reads it but the words below. Most
 * names, labels and paths are such strings: written without asking yaml, so a fleet's thousands of distinct names
 * cost nothing more.
 */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]{0,999}$/;
const YAML_1_1_WORDS = new Set(
  ['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null'].flatMap((word) => [
    word,
    word.toUpperCase(),
    word[0].toUpperCase() + word.slice(1),
  ]),
);

function isPlain(text: string): boolean {
  return PLAIN.test(text) && !YAML_1_1_WORDS.has(text);
}

/** A scalar as yaml writes it as a map value (a sequence item is written alike): `Yaml.stringify({ k: value })` minus `k: `. */
function renderedScalar(value: unknown): string {
  if (typeof value === 'string' && isPlain(value)) return value;
  const cacheKey = scalarCacheKey(value);
  const cached = valueText.get(cacheKey);
  if (cached !== undefined) return cached;
  const text = onlyLine(Yaml.stringify({ k: value }), 'k: ', '');
  remember(valueText, cacheKey, text);
  return text;
}

/** A map key as yaml writes it: `Yaml.stringify({ [key]: 1 })` minus `: 1`. */
function renderedKey(key: string): string {
  if (isPlain(key)) return key;
  const cached = keyText.get(key);
  if (cached !== undefined) return cached;
  if (!isSingleLineWithoutMarker(key)) throw new NotPlainBlockYaml();
  const text = onlyLine(Yaml.stringify(Object.fromEntries([[key, 1]])), '', ': 1');
  remember(keyText, key, text);
  return text;
}

/** The distinct scalars this layout covers, by a key no two of them share; anything else is not covered. */
function scalarCacheKey(value: unknown): string {
  if (typeof value === 'string' && isSingleLineWithoutMarker(value)) return `s${value}`;
  if (typeof value === 'number' && !Object.is(value, -0)) return `n${value}`;
  if (typeof value === 'boolean' || value === null) return `${value}`;
  throw new NotPlainBlockYaml();
}

/**
 * A string written the same wherever it stands: a multi-line one is written as a block scalar or folded quotes,
 * indented by where it stands, and one starting like a document marker (`%`, `---`, `...`) is quoted or not
 * depending on its depth.
 */
function isSingleLineWithoutMarker(text: string): boolean {
  return !text.includes('\n') && !/^(%|---|\.\.\.)/.test(text);
}

/** The one line `text` holds between `prefix` and `suffix`; a text of more lines is not covered. */
function onlyLine(text: string, prefix: string, suffix: string): string {
  const line = `${suffix}\n`;
  if (!text.startsWith(prefix) || !text.endsWith(line) || text.indexOf('\n') !== text.length - 1) throw new NotPlainBlockYaml();
  return text.slice(prefix.length, text.length - line.length);
}

function remember(cache: Map<string, string>, key: string, text: string): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, text);
}
