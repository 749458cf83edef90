import { join } from 'node:path';
import { generatorIdentity } from '../scripts/bundle-inputs.mjs';

/** What every environment is rendered with besides its own config: this generator and the CRDs it pins. */
export interface GeneratorIdentity {
  /** SHA-256 of the generator's sources, generated code, config schema, lock file and build (scripts/bundle-inputs.mjs). */
  readonly generator: string;
  /** SHA-256 of the pinned CRDs (crds/). */
  readonly crds: string;
}

/** Set by the build of the bundle (scripts/run.mjs), which hashed the same files. */
declare const GUARDRAILS_GENERATOR_IDENTITY: GeneratorIdentity | undefined;

let fromSources: GeneratorIdentity | undefined;

/**
 * This generator's identity: compiled into the bundle, or hashed from the sources once per process when they run
 * without it (tsx, the tests), so both record the same in the output manifest.
 */
export function currentGenerator(): GeneratorIdentity {
  if (typeof GUARDRAILS_GENERATOR_IDENTITY !== 'undefined') return GUARDRAILS_GENERATOR_IDENTITY;
  fromSources ??= generatorIdentity(join(import.meta.dirname, '..'));
  return fromSources;
}
