import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from './helpers';

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

// The hook's verdicts (stale, invalid, partially staged, current) are tested through a real commit in
// test/commands/check-staged.test.ts; this file tests installing it.
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
