// What the app's bundle is built from, and one hash of its content (scripts/run.mjs stamps the bundle with it).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * A hash of every input file's path (relative to `root`) and bytes: any edit changes it, whatever the file's size
 * or modification time, and the same checkout gives the same hash wherever it lies.
 */
export function bundleInputsHash(root) {
  const hash = createHash('sha256');
  const files = BUNDLE_INPUTS.flatMap((input) => {
    const path = join(root, input);
    try {
      return readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name));
    } catch {
      return [path];
    }
  }).sort();
  for (const file of files) hash.update(file.slice(root.length)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}
