// What the app is built from, and the hashes that identify it: scripts/run.mjs stamps the bundle with them, and
// synth records them in the output manifest, so output rendered by another generator is never taken as current.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Sources, generated code, the config schema, dependencies (by lock file) and the build itself. */
export const BUNDLE_INPUTS = [
  'src',
  'imports',
  'environments.schema.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/run.mjs',
  'scripts/bundle-inputs.mjs',
];

/** The pinned CRDs, whose schemas imports/ (constructs and validators) is generated from. */
export const CRD_PINS = ['crds'];

/**
 * A hash of every file's path (relative to `root`, `/`-separated) and text (line endings as LF) under `inputs`:
 * any edit changes it, whatever the file's size or modification time, and the same checkout gives the same hash
 * wherever it lies and whatever line endings git checked it out with.
 */
function contentHash(root, inputs) {
  const hash = createHash('sha256');
  const files = inputs
    .flatMap((input) => {
      const path = join(root, input);
      try {
        return readdirSync(path, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name));
      } catch {
        return [path];
      }
    })
    .map((file) => relative(root, file).split(sep).join('/'))
    .sort();
  for (const file of files) {
    hash
      .update(`/${file}`)
      .update('\0')
      .update(readFileSync(join(root, file), 'utf8').replaceAll('\r\n', '\n'))
      .update('\0');
  }
  return hash.digest('hex');
}

/** What synth renders with: the generator (the bundle's inputs) and the pinned CRDs, each as a SHA-256. */
export function generatorIdentity(root) {
  return { generator: contentHash(root, BUNDLE_INPUTS), crds: contentHash(root, CRD_PINS) };
}

/** The bundle's stamp: changes with the generator and with the CRD pins, both compiled into the bundle. */
export function bundleInputsHash(root) {
  const { generator, crds } = generatorIdentity(root);
  return createHash('sha256').update(`${generator}\0${crds}`).digest('hex');
}
