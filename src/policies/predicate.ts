import { goDuration } from '../model/duration';

/**
 * A condition on a field of an attestation's predicate, engine-neutral: ClusterPolicy renders it as an
 * `attestations[].conditions` block (JMESPath), ImageValidatingPolicy as a CEL validation over `extractPayload`.
 */
export type PredicateCondition =
  /** The string at `field` matches at least one glob (`*` spans any characters, `/` included; nothing else is special). */
  | { readonly kind: 'matchesAnyGlob'; readonly field: PredicateField; readonly globs: readonly string[]; readonly description: string }
  /** The RFC 3339 timestamp at `field` is at most `maxAgeSeconds` old at admission time, and not in the future. */
  | { readonly kind: 'notOlderThan'; readonly field: PredicateField; readonly maxAgeSeconds: number; readonly description: string };

/** A path into a predicate, e.g. `runDetails.builder.id`: segments that are plain identifiers in both JMESPath and CEL. */
export interface PredicateField {
  readonly segments: readonly string[];
}

/** Words CEL reserves: a field named like one cannot be selected with `.`. */
const CEL_RESERVED = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'false',
  'for',
  'function',
  'if',
  'import',
  'in',
  'let',
  'loop',
  'package',
  'namespace',
  'null',
  'return',
  'true',
  'var',
  'void',
  'while',
]);

/**
 * Parses a dotted predicate path. Each segment must be an identifier both languages accept unquoted, so the
 * engines can join segments with `.` without escaping; anything else is a programming error caught at synth.
 */
export function predicateField(path: string): PredicateField {
  const segments = path.split('.');
  for (const segment of segments) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) || CEL_RESERVED.has(segment)) {
      throw new Error(`predicate path ${JSON.stringify(path)}: segment ${JSON.stringify(segment)} is not a plain identifier`);
    }
  }
  return { segments };
}

/** The field's dotted path, as both engines and people write it. */
export function fieldPath(condition: PredicateCondition): string {
  return condition.field.segments.join('.');
}

/**
 * A condition in words: as a statement of what holds (`… matches one of: …`, for people reading a plan) or as
 * the requirement a policy message states (`… must match one of: …`).
 */
export function describeCondition(condition: PredicateCondition, mood: 'statement' | 'requirement' = 'statement'): string {
  const must = mood === 'requirement';
  return condition.kind === 'matchesAnyGlob'
    ? `${fieldPath(condition)} ${must ? 'must match' : 'matches'} one of: ${condition.globs.join(', ')}`
    : `${fieldPath(condition)} ${must ? 'must be' : 'is'} at most ${goDuration(condition.maxAgeSeconds)} old and not in the future`;
}
