import type { Environment } from '../model/environment';
import { CLUSTERS_DIR } from '../model/layout';
import { ACCEPT_COMMAND, isLockCurrent, type LockDiff } from '../output/policy-lock';
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
  /** The policy lock beside the output directory and how the config differs from it; absent without a lock. */
  readonly lock?: { readonly dir: string; readonly diff: LockDiff };
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
  ({ lock }) =>
    lock !== undefined && !isLockCurrent(lock.diff)
      ? [
          `the policy lock ${lock.dir}/ no longer matches the config: review with \`npm run lock\`, accept with \`${ACCEPT_COMMAND}\`, and commit it with the config`,
        ]
      : [],
];
