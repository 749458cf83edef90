#!/usr/bin/env node
// Runs the app from a compiled bundle, rebuilding it first when any input changed.
//
//   node scripts/run.mjs <command> [args]      e.g. `synth`, `check`
//
// Transforming TypeScript on every run (ts-node, tsx) costs seconds; the bundle loads in milliseconds.
// The bundle's first line records a hash of the contents of every input file, so an edited source is
// never ignored, whatever the file times say.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bundle = join(root, '.build', 'main.cjs');
const INPUTS = ['src', 'imports', 'environments.schema.json', 'package-lock.json'];

function inputsHash() {
  const hash = createHash('sha256');
  const files = INPUTS.flatMap((input) => {
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

function currentStamp() {
  try {
    return readFileSync(bundle, 'utf8').slice(0, 100).split('\n', 1)[0];
  } catch {
    return undefined;
  }
}

const stamp = `// inputs ${inputsHash()}`;
if (currentStamp() !== stamp) {
  const { build } = await import('esbuild');
  mkdirSync(join(root, '.build'), { recursive: true });
  const staging = `${bundle}.${process.pid}`;
  await build({
    entryPoints: [join(root, 'src', 'cli.ts')],
    outfile: staging,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    banner: { js: stamp },
    logLevel: 'error',
  });
  renameSync(staging, bundle);
}

const { main } = createRequire(import.meta.url)(bundle);
process.exitCode = main(process.argv.slice(2));
