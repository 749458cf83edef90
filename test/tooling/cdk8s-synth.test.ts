import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { gitIn, projectCopy } from '../helpers';

const ROOT = resolve(import.meta.dirname, '..', '..');

function run(dir: string, program: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [program, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: '' } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

// The cdk8s CLI deletes its output directory before it starts the app (cdk8s-cli lib/cli/cmds/synth.js): a synth
// it starts that then refuses must not claim dist/ is unchanged, and check must not send the user to that synth.
it('a refused `npx cdk8s synth` says dist/ is gone and how to restore it, and so does check; the restore brings it back', () => {
  const dir = projectCopy();
  cpSync(join(ROOT, 'cdk8s.yaml'), join(dir, 'cdk8s.yaml'));
  gitIn(dir, 'init', '-q');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '--no-verify', '-m', 'synthesized');
  // Dropping a policy production enforces: synth refuses without --allow-weakening.
  const config = join(dir, 'environments.yaml');
  const text = readFileSync(config, 'utf8');
  const enforced = '      restrict-image-registries: { phase: enforce }\n';
  expect(text).toContain(enforced);
  writeFileSync(config, text.replace(enforced, ''));

  const cdk8s = run(dir, join('node_modules', '.bin', 'cdk8s'), 'synth', '--no-check-upgrade');
  expect(cdk8s.code).not.toBe(0);
  expect(existsSync(join(dir, 'dist'))).toBe(false);
  expect(cdk8s.err).toContain('production/restrict-image-registries: disabled or removed: Flux would delete it from the cluster');
  expect(cdk8s.err).toContain(
    'Nothing was written. dist/ does not exist: `cdk8s synth` deleted it before running synth. ' +
      'Restore it from git with `git restore -- dist`, then run `npm run synth`, which leaves dist/ as it was when it refuses.',
  );
  expect(cdk8s.err).not.toContain('was not changed');

  const check = run(dir, 'scripts/run.mjs', 'check');
  expect(check.code).toBe(1);
  expect(check.err.trim().split('\n').at(-1)).toBe(
    'dist/ or clusters/ is stale. dist/ does not exist. Restore it from git with `git restore -- dist`, then run `npm run synth`, ' +
      'which leaves dist/ as it was when it refuses.',
  );

  gitIn(dir, 'restore', '--', 'dist');
  expect(gitIn(dir, 'status', '--porcelain', '--', 'dist')).toBe('');
  const refused = run(dir, 'scripts/run.mjs', 'synth');
  expect(refused.code).toBe(1);
  expect(refused.err.trim().split('\n').at(-1)).toBe('dist/ was not changed.');
  expect(gitIn(dir, 'status', '--porcelain', '--', 'dist')).toBe('');
}, 60_000); // a ceiling for the cdk8s CLI and two synths on a busy machine, not a speed check
