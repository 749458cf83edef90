import type { Environment } from '../model/environment';
import { CLUSTERS_DIR, DRILL_OUTPUT_DIR } from '../output/layout';
import { ACCEPT_COMMAND, DEFAULT_LOCK_DIR } from '../output/policy-lock';
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
  ({ environments, addedEnvironments }) =>
    environments
      .filter((env) => addedEnvironments.includes(env.name))
      .map(
        (env) =>
          `environment "${env.name}" is new: commit its entry point ${CLUSTERS_DIR}/${env.cluster}/ with the output, and bootstrap its cluster ` +
          `with \`flux bootstrap … --path=${CLUSTERS_DIR}/${env.cluster}\` (docs/flux.md)`,
      ),
  // The lock holds each environment's policies and Flux objects: any of them changing means it must follow.
  ({ diff }) =>
    [...diff.added, ...diff.changed, ...diff.removed].some((path) => path.includes('/') && !path.startsWith(`${DRILL_OUTPUT_DIR}/`))
      ? [`the policies changed: review them with \`npm run lock\`, accept with \`${ACCEPT_COMMAND}\`, and commit ${DEFAULT_LOCK_DIR}/ with the config`]
      : [],
];
