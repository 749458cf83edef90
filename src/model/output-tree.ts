// The output tree, and its top level: a folder per environment, beside synth's own folders. The config refuses an
// environment named like one of synth's folders, and every reader of the tree tells them apart, from here.

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
