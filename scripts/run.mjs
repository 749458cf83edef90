#!/usr/bin/env node
// Runs the app from a compiled bundle, rebuilding it first when any input changed.
//
//   node scripts/run.mjs <command> [args]      e.g. `synth`, `check`
//
// Transforming TypeScript on every run (ts-node, tsx) costs seconds; the bundle loads in milliseconds:
// - The bundle's first line records a hash of the contents of every input file, so an edited source is
//   never ignored, whatever the file times say.
// - Dependencies are bundled too: resolving and reading hundreds of small files in node_modules cost more
//   than parsing one file. A bundled module's __dirname is .build/, so a package that reads files beside its
//   own module would look there: cdk8s's Yaml.load (behind Include and Helm) does, and src/ calls none of
//   them (it only writes YAML).
// - The config schema's ajv validator is compiled at build time (see src/config/schema-validator.ts):
//   compiling it on every run cost more than the synth itself.
// - V8's code cache for the bundle is kept beside it (keyed by the same hash), so later runs skip parsing
//   and compiling. It is written after the command ran, so it also holds the functions compiled lazily while
//   running: on Node 22 and 24 that loads the bundle about 100 ms faster than Node's compile cache, which
//   caches only what is compiled up front (and Node 20 has no compile cache for CommonJS). Node's compile
//   cache, where Node has it, serves the modules Node itself loads: esbuild and the compiler of the config
//   schema's validator when the bundle is rebuilt.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { bundleInputsHash, generatorIdentity } from './bundle-inputs.mjs';

const root = resolve(import.meta.dirname, '..');
const buildDir = join(root, '.build');
nodeModule.enableCompileCache?.(join(buildDir, 'compile-cache'));
const bundle = join(buildDir, 'main.cjs');
const codeCache = join(buildDir, 'main.cjs.v8cache');
// The module the bundle holds precompiled: compiled here at build time, and replaced by that output in the bundle.
const SCHEMA_VALIDATOR = join(root, 'src', 'config', 'schema-validator.ts');

function readOrUndefined(file, encoding) {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file and a rename, so a concurrent run never reads half a file. */
function writeAtomically(file, content) {
  const staging = `${file}.${process.pid}`;
  writeFileSync(staging, content);
  renameSync(staging, file);
}

/** ajv standalone code for the config schema, produced by the schema module itself so both agree. */
async function precompiledSchemaValidator(build) {
  const { outputFiles } = await build({
    entryPoints: [SCHEMA_VALIDATOR],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'silent', // its errors are reported once, by fail()
  });
  const compiler = join(buildDir, `schema-validator.${process.pid}.cjs`);
  writeFileSync(compiler, outputFiles[0].text);
  try {
    return createRequire(import.meta.url)(compiler).standaloneValidatorModule();
  } finally {
    rmSync(compiler, { force: true });
  }
}

/** esbuild filters by a Go regular expression: this one matches exactly `path`. */
function exactPathFilter(path) {
  return new RegExp(`^${path.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`);
}

async function buildBundle(stamp) {
  const { build } = await import('esbuild');
  mkdirSync(buildDir, { recursive: true });
  const validatorSource = await precompiledSchemaValidator(build);
  const staging = `${bundle}.${process.pid}`;
  let schemaPrecompiled = false;
  await build({
    entryPoints: [join(root, 'src', 'cli.ts')],
    outfile: staging,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: stamp },
    // What synth records in the output manifest as the generator and CRD pins it rendered with: hashed here once,
    // not on every run (src/generator.ts hashes the sources when it runs without the bundle).
    define: { GUARDRAILS_GENERATOR_IDENTITY: JSON.stringify(generatorIdentity(root)) },
    legalComments: 'none',
    // Half the bytes to read and load on every run (the generated validators are most of it); names are kept, so
    // a bug's stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent', // its errors are reported once, by fail()
    plugins: [
      {
        name: 'precompiled-config-schema',
        setup(b) {
          b.onLoad({ filter: exactPathFilter(SCHEMA_VALIDATOR) }, () => {
            schemaPrecompiled = true;
            return { contents: validatorSource, loader: 'js', resolveDir: root };
          });
        },
      },
    ],
  });
  // Without it the bundle would compile the schema on every run: still correct, so only this check would tell.
  if (!schemaPrecompiled) {
    rmSync(staging, { force: true });
    throw new Error(`the bundle does not hold ${SCHEMA_VALIDATOR}, so its precompiled validator went unused`);
  }
  renameSync(staging, bundle);
}

/**
 * Loads the bundle as CommonJS through V8's code cache: its exports, and `saveCache` to call after running.
 * This loader can go, for a plain require() of the bundle with Node's compile cache, once Node 20 (no compile
 * cache for CommonJS) is no longer supported and Node's cache also keeps the functions compiled while a
 * command runs: until then `npm run synth` is about 100 ms slower without it (docs/performance.md).
 */
function loadBundle(source, stamp) {
  const cacheHeader = `${stamp}\n`;
  const cached = readOrUndefined(codeCache);
  const cachedData =
    cached && cached.subarray(0, cacheHeader.length).toString() === cacheHeader ? cached.subarray(cacheHeader.length) : undefined;
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`; // as Node wraps CommonJS
  const script = new Script(wrapped, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    // Created after the command ran, the cache also holds the functions compiled lazily while running.
    // Only a speed-up: a read-only checkout simply runs without it.
    try {
      writeAtomically(codeCache, Buffer.concat([Buffer.from(cacheHeader), script.createCachedData()]));
    } catch {}
  };
  return { exports: module.exports, saveCache };
}

/** What to do about a failure to build the bundle, by its cause. */
function buildRemedy(error) {
  if (error.code === 'ERR_MODULE_NOT_FOUND') return 'install the dependencies with `npm ci`';
  if (Array.isArray(error.errors)) return 'fix the source (`npx tsc --noEmit` lists every error)';
  if (typeof error.code === 'string') return `${buildDir} holds only the compiled app: make it writable, or delete it`;
  return undefined;
}

/** One line per esbuild error (file:line:column: text), else the error's first line. */
function describeBuildError(error) {
  if (!Array.isArray(error.errors) || error.errors.length === 0) return error.message.split('\n')[0];
  return error.errors
    .map(({ location, text }) => (location ? `${location.file}:${location.line}:${location.column}: ${text}` : text))
    .join('\n');
}

/** Ends the run, printing what could not be done, why, and what to do; the remedy is left out when unknown. */
function fail(what, error, remedy) {
  console.error(`cannot ${what}: ${describeBuildError(error)}${remedy ? `\n${remedy}` : ''}`);
  process.exit(1);
}

let stamp;
try {
  stamp = `// inputs ${bundleInputsHash(root)}`;
} catch (error) {
  fail('read the sources of the app', error, 'check that the checkout is complete and readable');
}
let source = readOrUndefined(bundle, 'utf8');
if (!source?.startsWith(`${stamp}\n`)) {
  try {
    await buildBundle(stamp);
    source = readFileSync(bundle, 'utf8');
  } catch (error) {
    fail(`build the app into ${bundle}`, error, buildRemedy(error));
  }
}
let app;
let saveCache;
try {
  ({ exports: app, saveCache } = loadBundle(source, stamp));
} catch (error) {
  // The bundle built, so failing to start it is a bug; `main` itself turns every failure into a message.
  console.error('internal error (a bug in supply-chain-guardrails; please report it with this output):');
  console.error(error.stack ?? String(error));
  process.exit(70);
}
process.exitCode = app.main(process.argv.slice(2));
saveCache();
