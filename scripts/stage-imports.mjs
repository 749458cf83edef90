// Builds a new imports/ beside the current one and swaps it in only once every step succeeded, so a failed
// import (a bad CRD, cdk8s failing, an interrupted run) leaves imports/ exactly as it was.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { describeApiChanges } from './api-surface.mjs';
import { ScriptError, checkCrd } from './crd-pins.mjs';
import { generateValidators } from './generate-validators.mjs';

const IMPORTS_DIR = 'imports';

/** Every file below `dir` (relative path → content), empty when `dir` does not exist. */
function readTree(dir) {
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = join(entry.parentPath, entry.name);
        return [relative(dir, file), readFileSync(file)];
      }),
  );
}

function sameTrees(a, b) {
  return a.size === b.size && [...a].every(([file, content]) => b.get(file)?.equals(content));
}

/** The generated TypeScript modules of a tree, as text. */
function generatedModules(tree) {
  return new Map(
    [...tree].filter(([file]) => !file.includes('/') && file.endsWith('.ts')).map(([file, content]) => [file, content.toString()]),
  );
}

/** Runs `cdk8s import` for `sources` into `outdir`; returns its error message (stack left out), or undefined. */
function runCdk8sImport(root, sources, outdir) {
  const scratch = mkdtempSync(join(tmpdir(), 'cdk8s-import-'));
  try {
    // From a scratch directory whose cdk8s.yaml lists exactly `sources`: the project's cdk8s.yaml may not say
    // so yet (an upgrade writes it last), and one process for every CRD saves cdk8s's start-up each time.
    const imports = sources.map(({ alias, file }) => `${alias}:=${file}`);
    writeFileSync(join(scratch, 'cdk8s.yaml'), stringify({ language: 'typescript', imports }));
    const result = spawnSync(
      join(root, 'node_modules', '.bin', 'cdk8s'),
      ['import', '--no-check-upgrade', '--no-save', '--output', outdir],
      {
        cwd: scratch,
        encoding: 'utf8',
      },
    );
    if (result.error) throw new ScriptError(`cannot run cdk8s (${result.error.code ?? result.error.message}): run \`npm ci\` first`);
    if (result.status === 0) return undefined;
    const lines = result.stderr.split('\n').filter((line) => line.trim() && !line.startsWith('Importing resources'));
    const stack = lines.findIndex((line) => /^\s+at /.test(line));
    const message = (stack < 0 ? lines : lines.slice(0, stack)).join(' ').replace(/\s+/g, ' ');
    return message || `exit code ${result.status}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Generates the constructs of every source into `outdir`; on failure, names the CRD cdk8s failed on. */
function cdk8sImport(root, sources, outdir) {
  const error = runCdk8sImport(root, sources, outdir);
  if (!error) return;
  if (sources.length === 1) throw new ScriptError(`cdk8s import failed on ${sources[0].label}: ${error}`);
  // cdk8s does not say which CRD it failed on: find it by importing them one by one (only on this rare path).
  const probe = mkdtempSync(join(tmpdir(), 'cdk8s-import-probe-'));
  try {
    for (const source of sources) {
      const sourceError = runCdk8sImport(root, [source], probe);
      if (sourceError) throw new ScriptError(`cdk8s import failed on ${source.label}: ${sourceError}`);
    }
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  throw new ScriptError(`cdk8s import failed: ${error}`);
}

/**
 * Generates imports/ from `sources` ([{ alias, file: absolute path, label: how messages name it }]) into a
 * staging directory beside imports/. Returns whether the result differs from imports/, the changes in the
 * generated API (report lines, see api-surface.mjs), `commit()` to swap it in and `discard()` to remove it;
 * when it does not differ, the staging directory is already removed and both do nothing. Throws a ScriptError, with
 * imports/ untouched and the staging directory removed, when any step fails.
 */
export function stageImports(root, sources) {
  const current = join(root, IMPORTS_DIR);
  const staging = join(root, `${IMPORTS_DIR}.tmp-${process.pid}`);
  const discard = () => rmSync(staging, { recursive: true, force: true });
  try {
    for (const { file, label } of sources) {
      let text;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new ScriptError(`cannot read ${label} (${error.code ?? error.message})`);
      }
      checkCrd(text, label);
    }
    mkdirSync(staging);
    generateValidators(
      sources.map((s) => s.file),
      join(staging, 'validators'),
      (file) => sources.find((s) => s.file === file).label,
    );
    cdk8sImport(root, sources, staging);
  } catch (error) {
    discard();
    throw new ScriptError(`${error.message}; imports/ was left as it was`);
  }
  const before = readTree(current);
  const after = readTree(staging);
  if (sameTrees(before, after)) {
    discard();
    return { changed: false, apiChanges: [], commit() {}, discard() {} };
  }
  return {
    changed: true,
    apiChanges: describeApiChanges(generatedModules(before), generatedModules(after)),
    commit() {
      const previous = `${current}.old-${process.pid}`;
      if (existsSync(current)) renameSync(current, previous);
      renameSync(staging, current);
      rmSync(previous, { recursive: true, force: true });
    },
    discard,
  };
}

/** Prints the outcome of a staged import: the API changes, or that nothing changed. */
export function reportImport({ changed, apiChanges }, sourceCount) {
  if (!changed) {
    console.log(`imports/ is current: regenerated from ${sourceCount} pinned CRDs, nothing changed`);
  } else if (apiChanges.length === 0) {
    console.log(`imports/ regenerated from ${sourceCount} pinned CRDs; the generated API is unchanged`);
  } else {
    console.log(`imports/ regenerated from ${sourceCount} pinned CRDs. Generated API changes (- removed, ~ changed, + added):`);
    for (const line of apiChanges) console.log(`  ${line}`);
    console.log('Run `npm test`: tsc shows where src/ uses what was removed or changed.');
  }
}
