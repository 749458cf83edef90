/**
 * Where Flux finds things in this repository. Flux paths are relative to the repository root, so they name
 * `dist/` whatever `--outdir` a local run used.
 */
export const FLUX_NAMESPACE = 'flux-system';

/** The directory synth writes and Flux reads. */
export const DIST_DIR = 'dist';

/** Folder of `dist/` holding each environment's Flux objects: `dist/flux/<env>/`. */
export const FLUX_OUTPUT_DIR = 'flux';

/** Output-tree directory (relative to `dist/`) of one environment's Flux objects. */
export function fluxDirectory(environment: string): string {
  return `${FLUX_OUTPUT_DIR}/${environment}`;
}

/** A Flux Kustomization `path` for a directory of `dist/` (`./dist/<dir>`). */
export function fluxPath(distDirectory: string): string {
  return `./${DIST_DIR}/${distDirectory}`;
}
