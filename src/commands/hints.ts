import type { Environment } from '../model/environment';
import { fluxDirectory } from '../output/layout';
import type { TreeDiff } from '../output/write';

/** What a synth changed in the output directory, for the hints that follow from it. */
export interface OutputChange {
  readonly outdir: string;
  /** The environments of the config synth rendered. */
  readonly environments: readonly Environment[];
  readonly diff: TreeDiff;
  /** Environments whose every output directory appeared / disappeared. */
  readonly addedEnvironments: readonly string[];
  readonly removedEnvironments: readonly string[];
}

/** A step the user must take after synth changed the output (commit a related file, run a command), or none. */
export type NextStepHint = (change: OutputChange) => string[];

/** Every hint synth checks after writing, in the order it prints them (each line prefixed with `next:`). */
export const NEXT_STEP_HINTS: readonly NextStepHint[] = [
  ({ outdir, addedEnvironments }) =>
    addedEnvironments.map(
      (env) => `environment "${env}" is new: add clusters/${env}/guardrails.yaml pointing Flux at ./${outdir}/${fluxDirectory(env)} (docs/flux.md) and commit it with ${outdir}/`,
    ),
];
