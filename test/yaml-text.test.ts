import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { yamlText } from '../src/yaml-text';
import { treeFor, MIXED_ENGINES_CONFIG } from './helpers';
import { parseAllDocuments } from 'yaml';

/** Strings whose YAML form depends on quoting rules: YAML 1.1 types, indicators, spaces, quotes, escapes. */
const TRICKY_STRINGS = [
  '',
  'plain',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'null',
  '~',
  'true',
  '0',
  '012',
  '0x1F',
  '0o17',
  '1e3',
  '1_000',
  '.5',
  '-.inf',
  '.NaN',
  '1:20',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  ' leading',
  'trailing ',
  '#comment',
  'a #b',
  'a: b',
  'a:b',
  'key:',
  '- item',
  '-',
  '?',
  '? x',
  '@at',
  '`tick',
  '*alias',
  '&anchor',
  '!tag',
  '%directive',
  '---',
  '...',
  '|',
  '>',
  '[a]',
  '{a}',
  'a, b',
  "it's",
  'say "hi"',
  `both ' and "`,
  'back\\slash',
  'tab\there',
  'bell\u0007',
  'nul\u0000',
  'ünïcödé',
  '😀',
  '\u00a0nbsp',
  'line\u2028separator',
  'https://github.com/acme/*',
  'ghcr.io/acme/*@sha256:0000',
  "self.spec.x == 'y' && has(self.z)",
  'a'.repeat(300),
];
/** Values outside the covered layout: yaml must render the whole document. */
const FALLBACK_VALUES = ['two\nlines', 'trailing newline\n', -0, undefined];

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A short string of letters, digits and `_./-` (a name, a label, a path), YAML 1.1's bare words among them. */
function nameLike(next: () => number): string {
  if (next() < 0.2) return ['Yes', 'NO', 'on', 'Off', 'y', 'N', 'true', 'Null', 'null', '_', 'a-', 'x.y'][Math.floor(next() * 12)];
  const alphabet = 'aZ_09./-yYnN';
  return Array.from({ length: 1 + Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

function documentOf(next: () => number, depth: number, withFallbacks: boolean): unknown {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const scalar = (): unknown => {
    const kind = next();
    if (withFallbacks && kind < 0.05) return pick(FALLBACK_VALUES);
    if (kind < 0.45) return pick(TRICKY_STRINGS);
    if (kind < 0.6) return nameLike(next);
    if (kind < 0.75) return pick([0, 1, -1, 30, 1.5, 1e21, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]);
    if (kind < 0.9) return next() < 0.5;
    return null;
  };
  const roll = next();
  if (depth >= 4 || roll < 0.35) return scalar();
  const size = Math.floor(next() * 4);
  if (roll < 0.7) {
    return Object.fromEntries(
      Array.from({ length: size }, (_, i) => [
        next() < 0.5 ? `${pick(TRICKY_STRINGS)}${i}` : nameLike(next),
        documentOf(next, depth + 1, withFallbacks),
      ]),
    );
  }
  return Array.from({ length: size }, () => documentOf(next, depth + 1, withFallbacks));
}

describe('yamlText', () => {
  it('writes what Yaml.stringify writes for generated documents: nested maps and sequences, empty ones, tricky scalars and keys', () => {
    const next = random(23);
    for (let i = 0; i < 150; i++) {
      const documents = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
        const doc = documentOf(next, 0, i % 2 === 1);
        return typeof doc === 'object' && doc !== null ? doc : { value: doc };
      });
      expect(yamlText(...documents)).toBe(Yaml.stringify(...documents));
    }
  });

  it('leaves what its layout does not cover to Yaml.stringify: multi-line strings, shared objects, non-plain objects', () => {
    const shared = { name: 'x' };
    const cases: unknown[] = [
      { description: 'first line\nsecond line', items: ['a\nb'] },
      { a: shared, b: [shared] },
      { when: new Date(0), map: new Map([['k', 'v']]) },
      { nested: { deeper: [{ text: 'x\n' }] } },
      'a top-level scalar',
      [],
      {},
    ];
    for (const doc of cases) expect(yamlText(doc)).toBe(Yaml.stringify(doc));
    expect(yamlText(undefined, { a: 1 })).toBe(Yaml.stringify(undefined, { a: 1 }));
  });

  it('writes what Yaml.stringify writes for every file synthesized from the mixed-engines fixture', () => {
    const files = [...treeFor(MIXED_ENGINES_CONFIG)].filter(([path]) => path.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const [, text] of files) {
      const documents = parseAllDocuments(text).map((doc) => doc.toJS());
      expect(yamlText(...documents)).toBe(Yaml.stringify(...documents));
    }
  });
});
