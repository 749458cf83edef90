import type { FieldPath } from '../model/field-path';
import type { Environment } from '../model/environment';

/** One problem found in a synthesized file: what a user reads and searches for. */
export interface Finding {
  /** The top-level output directory: the environment, or another folder synth writes (e.g. `flux`). */
  readonly env: string;
  /** The file inside that directory. */
  readonly file: string;
  /** Where in the file's object, Kubernetes field-path style (`spec.rules[0].name`). */
  readonly path: string;
  readonly message: string;
  /** The rule that found it, as listed in docs/validation.md. */
  readonly rule: string;
  /** `warning`: reported by synth, never blocking (a weakening the config acknowledges); otherwise an error. */
  readonly severity?: 'warning';
}

/** What one rule reports about one object, before it is placed in a file. */
export interface Violation extends RuleResult {
  readonly rule: string;
}

/** One result of a rule's check: an error unless its severity says `warning`. */
export interface RuleResult {
  readonly path: FieldPath;
  readonly message: string;
  readonly severity?: 'warning';
}

export function formatFinding(f: Finding): string {
  return `${f.env}/${f.file}: ${f.path}: ${f.message} [${f.rule}]`;
}

/** What a rule knows besides the object: the environment whose directory the file is in, if any. */
export interface RuleContext {
  readonly environment?: Environment;
}

/** One check of a synthesized object, documented in docs/validation.md. */
export interface ObjectRule {
  readonly id: string;
  /** Kinds it applies to, as `<group>/<version>/<Kind>` (the validator keys of imports/validators). */
  readonly kinds: readonly string[];
  /** Where the rule comes from (Kyverno source) or why it matters (lint). */
  readonly source: string;
  check(object: Json, context: RuleContext): RuleResult[];
}

/** An untyped value read from YAML: rules never trust its shape. */
export type Json = Record<string, unknown>;

/** The value as an object, or an empty one: lets rules walk malformed input without throwing. */
export function record(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** The value as a list, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
