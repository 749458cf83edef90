import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectCopy, runCli, tempDir } from './helpers';

const ROOT = resolve(import.meta.dirname, '..');

/** Environment for every spawned process: no CI flag, and no user or system git config (no foreign hooksPath). */
const ENV: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
delete ENV.CI;

function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = ENV) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const git = (cwd: string, ...args: string[]) => run(cwd, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
const installHooks = (cwd: string, env?: NodeJS.ProcessEnv) => run(cwd, 'node', [join(cwd, 'scripts/install-hooks.mjs')], env);

/** A git repository holding a copy of the project (node_modules linked), with nothing committed yet. */
function projectRepository(): string {
  const repo = projectCopy();
  expect(git(repo, 'init', '-q').code).toBe(0);
  // .gitignore's `node_modules/` does not match a symlink.
  writeFileSync(join(repo, '.git/info/exclude'), '/node_modules\n');
  return repo;
}

describe('pre-commit hook', () => {
  test('blocks a commit with stale or unstaged dist/ and allows one with current dist/', { timeout: 60_000 }, () => {
    const repo = projectRepository();
    const install = installHooks(repo);
    expect(install.out).toContain('installed');
    expect(git(repo, 'add', '-A').code).toBe(0);
    // Setup only: the final commit below is the one that shows a current dist/ passes the hook.
    expect(git(repo, 'commit', '-q', '--no-verify', '-m', 'initial').code).toBe(0);

    const config = join(repo, 'environments.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('verify-image-signatures: { phase: enforce }', 'verify-image-signatures: { phase: audit }'));
    const stale = git(repo, 'commit', '-q', '-am', 'demote without synth');
    expect(stale.code).not.toBe(0);
    expect(stale.err).toContain('changed: dist/production/verify-image-signatures.yaml');
    expect(stale.err).toContain('npm run synth');

    expect(runCli('synth', '--config', config, '--outdir', join(repo, 'dist')).code).toBe(0);
    expect(git(repo, 'add', 'environments.yaml').code).toBe(0);
    const unstaged = git(repo, 'commit', '-q', '-m', 'synthesized but dist not staged');
    expect(unstaged.code).not.toBe(0);
    expect(unstaged.err).toContain('git add environments.yaml dist clusters');

    expect(git(repo, 'commit', '-q', '-am', 'demote with synth').code).toBe(0);
    expect(git(repo, 'status', '--porcelain').out).toBe('');
  });
});

describe('prepare (scripts/install-hooks.mjs)', () => {
  const hookOf = (repo: string) => join(repo, '.git/hooks/pre-commit');

  test('installs nothing when CI is set', () => {
    const repo = tempDir();
    git(repo, 'init', '-q');
    mkdirSync(join(repo, 'scripts'));
    cpSync(join(ROOT, 'scripts/install-hooks.mjs'), join(repo, 'scripts/install-hooks.mjs'));
    const { code, out } = installHooks(repo, { ...ENV, CI: 'true' });
    expect(code).toBe(0);
    expect(out).toContain('CI is set');
    expect(existsSync(hookOf(repo))).toBe(false);
  });

  test('is a no-op outside a git checkout', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(ROOT, 'scripts/install-hooks.mjs'), join(dir, 'scripts/install-hooks.mjs'));
    const { code, out } = installHooks(dir, { ...ENV, GIT_CEILING_DIRECTORIES: dir.split('/').slice(0, -1).join('/') });
    expect(code).toBe(0);
    expect(out).toContain('not a git checkout');
  });

  test('leaves a foreign pre-commit hook alone and says so; replaces its own', () => {
    const repo = tempDir();
    git(repo, 'init', '-q');
    mkdirSync(join(repo, 'scripts'));
    cpSync(join(ROOT, 'scripts/install-hooks.mjs'), join(repo, 'scripts/install-hooks.mjs'));
    writeFileSync(hookOf(repo), '#!/bin/sh\necho mine\n');
    const foreign = installHooks(repo);
    expect(foreign.code).toBe(0);
    expect(foreign.out).toContain('left unchanged');
    expect(readFileSync(hookOf(repo), 'utf8')).toBe('#!/bin/sh\necho mine\n');

    writeFileSync(hookOf(repo), '#!/bin/sh\n# supply-chain-guardrails drift gate (an older version)\n');
    expect(installHooks(repo).out).toContain('installed');
    expect(readFileSync(hookOf(repo), 'utf8')).toContain('node scripts/run.mjs check');
  });
});
