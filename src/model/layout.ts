import { dirname, join } from 'node:path';
import { clusterNameSuffix } from './cluster-naming';

// Where synth puts things. The output tree's top level is a folder per environment beside synth's own folders (the
// config refuses an environment named like one of them, and every reader of the tree tells them apart, from here).
// Flux paths are relative to the repository root, so they name `dist/` whatever `--outdir` a local run used.

/** A synthesized output tree: path relative to the output directory → file content. */
export type FileTree = Map<string, string>;

/** The objects of each manifest file of a tree, as rendered, so validation need not parse the YAML back. */
export type Manifests = Map<string, readonly unknown[]>;

/** Folder of `dist/` holding each environment's Flux objects: `dist/flux/<env>/`. */
export const FLUX_OUTPUT_DIR = 'flux';

/** Folder of `dist/` holding each environment's admission drill, outside every Flux path: `dist/drill/<env>/`. */
export const DRILL_OUTPUT_DIR = 'drill';

/** Environment names that would collide with synth's own folders of `dist/`. */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = [FLUX_OUTPUT_DIR, DRILL_OUTPUT_DIR];

/** The environment an output-tree path belongs to: `<env>/…`, `flux/<env>/…` or `drill/<env>/…`. */
export function environmentOfPath(path: string): string {
  const [top, second] = path.split('/');
  return (top === FLUX_OUTPUT_DIR || top === DRILL_OUTPUT_DIR) && second !== undefined ? second : top;
}

/** The directory synth writes and Flux reads. */
export const DIST_DIR = 'dist';

/** The file `kyverno test <dir>` looks for, in each drill directory. */
export const KYVERNO_TEST_FILE = 'kyverno-test.yaml';

/** Output-tree directory (relative to `dist/`) of one environment's Flux objects. */
export function fluxDirectory(environment: string): string {
  return `${FLUX_OUTPUT_DIR}/${environment}`;
}

/** Output-tree directory of one environment's drill, never applied by Flux. */
export function drillDirectory(environment: string): string {
  return `${DRILL_OUTPUT_DIR}/${environment}`;
}

/** A Flux Kustomization `path` for a directory of `dist/` (`./dist/<dir>`). */
export function fluxPath(distDirectory: string): string {
  return `./${DIST_DIR}/${distDirectory}`;
}

/**
 * A Kustomization `path` inside a published artifact, which holds `dist/<env>/` of each of its environments at
 * its root as `<env>/`.
 */
export function artifactPath(environment: string): string {
  return `./${environment}`;
}

/**
 * Directory beside `dist/` holding each cluster's Flux entry point, `clusters/<cluster>/`: the path
 * `flux bootstrap --path=clusters/<cluster>` reconciles. It also holds files synth does not own (bootstrap's
 * `flux-system/`).
 */
export const CLUSTERS_DIR = 'clusters';

/** Directory beside `dist/` (from the repository root) where GitHub reads workflows; synth writes the publishing ones. */
export const WORKFLOWS_DIR = '.github/workflows';

/** Where synth writes the entry points for an output directory: `clusters/` beside it. */
export function clustersDirectoryFor(outdir: string): string {
  return join(dirname(outdir), CLUSTERS_DIR);
}

/** An environment's entry point, relative to the parent of `dist/`: `clusters/<cluster>/guardrails[-<env>].yaml`. */
export function entryPointPath(environment: string, cluster: string): string {
  return `${CLUSTERS_DIR}/${cluster}/guardrails${clusterNameSuffix(environment, cluster)}.yaml`;
}
