import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { git } from '../../src/output/git';
import { tempDir } from '../helpers';

/** A `git` first on PATH that records each start and answers like `git rev-parse --show-toplevel`. */
function recordingGit(): { started: () => boolean } {
  const bin = tempDir();
  const log = join(bin, 'started');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$@" >> '${log}'\npwd\n`);
  chmodSync(join(bin, 'git'), 0o755);
  process.env.PATH = `${bin}:${savedPath}`;
  return { started: () => existsSync(log) };
}

let savedPath: string | undefined;
let savedGitDir: string | undefined;
beforeEach(() => {
  savedPath = process.env.PATH;
  savedGitDir = process.env.GIT_DIR;
  delete process.env.GIT_DIR;
});
afterEach(() => {
  process.env.PATH = savedPath;
  if (savedGitDir === undefined) delete process.env.GIT_DIR;
  else process.env.GIT_DIR = savedGitDir;
});

describe('git is started only where it may find a repository', () => {
  test('not below any .git: no process, no answer', () => {
    const { started } = recordingGit();
    const dir = join(tempDir(), 'a', 'b');
    mkdirSync(dir, { recursive: true });
    expect(git(dir, ['rev-parse', '--show-toplevel'])).toBeUndefined();
    expect(started()).toBe(false);
  });

  test.each([
    ['a .git directory above', (root: string) => mkdirSync(join(root, '.git'))],
    ['a .git file above (a linked worktree or submodule)', (root: string) => writeFileSync(join(root, '.git'), 'gitdir: elsewhere\n')],
    ['a git directory above (a bare repository)', (root: string) => writeFileSync(join(root, 'HEAD'), 'ref: refs/heads/main\n')],
    ['GIT_DIR set', () => (process.env.GIT_DIR = '/elsewhere/.git')],
  ])('%s: git runs and answers', (_, arrange) => {
    const { started } = recordingGit();
    const root = tempDir();
    const dir = join(root, 'a', 'b');
    mkdirSync(dir, { recursive: true });
    arrange(root);
    expect(git(dir, ['rev-parse', '--show-toplevel'])?.toString().trim()).toBe(dir);
    expect(started()).toBe(true);
  });

  test('a symbolic link from outside into a work tree: git runs (it walks up the real path)', () => {
    const { started } = recordingGit();
    const root = tempDir();
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'sub'));
    const link = join(tempDir(), 'link');
    symlinkSync(join(root, 'sub'), link, 'dir');
    expect(git(link, ['rev-parse', '--show-toplevel'])).toBeDefined();
    expect(started()).toBe(true);
  });
});
