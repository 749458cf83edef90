#!/usr/bin/env node
// Proves a team can adopt the project by editing environments.yaml: for each edit of scripts/adoption-edits.mjs
// (add, rename and remove an environment, promote and disable a policy, replace the whole file), in a fresh copy
// of the project (tracked files as they are in the working tree, node_modules linked) whose config is the
// three-environment fixture, it makes the edit and runs the documented commands, `synth` and `lock --accept`,
// then `npm test` (tsc and the whole vitest suite) and the drift gate `check`. The config a repository ships
// is never read, so this holds for a team's repository as for the sample. Exits non-zero when any step fails.
//
//   node scripts/prove-adoption.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ADOPTION_EDITS } from './adoption-edits.mjs';

const root = resolve(import.meta.dirname, '..');
const BASE_CONFIG = join(root, 'test', 'fixtures', 'three-environments.yaml');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cwd, command, args) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const { status, error } = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (error) console.error(error.message);
  return status === 0;
}

const app = (cwd, ...args) => run(cwd, process.execPath, ['scripts/run.mjs', ...args]);

/** The tracked files of the project as they are in the working tree, except its own output and lock. */
function trackedFiles() {
  const { stdout, status } = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  if (status !== 0) throw new Error('prove-adoption needs a git checkout of the project');
  const own = (file) => file.startsWith('dist/') || file.startsWith('test/policy-lock/');
  return stdout.split('\0').filter((file) => file && !own(file) && existsSync(join(root, file)));
}

/** A copy of the project whose config is the fixture. */
function projectCopy() {
  const copy = mkdtempSync(join(tmpdir(), 'prove-adoption-'));
  for (const file of trackedFiles()) cpSync(join(root, file), join(copy, file), { recursive: true });
  // The compiled bundle's inputs are the same files, so the copy reuses it instead of rebuilding.
  if (existsSync(join(root, '.build', 'main.cjs'))) cpSync(join(root, '.build'), join(copy, '.build'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  cpSync(BASE_CONFIG, join(copy, 'environments.yaml'));
  return copy;
}

function prove({ name, edit, allowWeakening }) {
  console.log(`\n== ${name}`);
  const copy = projectCopy();
  try {
    if (!app(copy, 'synth') || !app(copy, 'lock', '--accept')) return false; // the fixture itself must pass first
    const config = join(copy, 'environments.yaml');
    writeFileSync(config, stringify({ environments: edit(parse(readFileSync(config, 'utf8')).environments) }));
    return (
      app(copy, 'synth', ...allowWeakening.flatMap((policy) => ['--allow-weakening', policy])) &&
      app(copy, 'lock', '--accept') &&
      run(copy, npm, ['test']) &&
      app(copy, 'check')
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const failed = ADOPTION_EDITS.filter((edit) => !prove(edit)).map(({ name }) => name);
console.log(
  failed.length === 0
    ? `adoption proven: after each of ${ADOPTION_EDITS.length} edits, synth and lock --accept make npm test and check pass`
    : `adoption FAILED after: ${failed.join('; ')} (see above)`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
