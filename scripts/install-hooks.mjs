#!/usr/bin/env node
// Installs the git pre-commit hook that runs the drift gate on what is being committed (`check --staged`) in the
// current checkout. The hook starts the runner with node itself: `npm run` would add npm's own start-up to every commit.
// Run by `npm install` / `npm ci` through the `prepare` script; safe to run again by hand.
//
// Does nothing when CI is set (CI runs `npm run check -- --full` itself) or outside a git checkout (e.g. an unpacked
// tarball). A pre-commit hook this script did not write is left alone, with a message saying what to add.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MARKER = '# supply-chain-guardrails drift gate';

const HOOK = `#!/bin/sh
${MARKER} (installed by \`npm install\` via scripts/install-hooks.mjs)
# Checks the commit, not the working tree: the staged environments.yaml must be valid and synthesize exactly the
# staged dist/, clusters/ entry points and policy lock, and none of them may have unstaged changes.
cd "$(git rev-parse --show-toplevel)" || exit 1
if ! node scripts/run.mjs check --staged; then
  echo "pre-commit: commit blocked." >&2
  exit 1
fi
`;

function installHook() {
  if (process.env.CI) return 'CI is set: git hook not installed';
  let hooksDir;
  try {
    // --git-path honours core.hooksPath and linked worktrees (whose hooks live in the common git directory).
    const path = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    hooksDir = resolve(path.trim());
  } catch {
    return 'not a git checkout: git hook not installed';
  }
  const hook = join(hooksDir, 'pre-commit');
  if (existsSync(hook)) {
    const current = readFileSync(hook, 'utf8');
    if (current === HOOK) return `${hook} is up to date`;
    if (!current.includes(MARKER)) {
      return `${hook} exists and was not written by this project, so it was left unchanged. To block commits with stale output, add \`node scripts/run.mjs check --staged || exit 1\` to it.`;
    }
  }
  mkdirSync(hooksDir, { recursive: true });
  writeFileSync(hook, HOOK);
  chmodSync(hook, 0o755);
  return `installed ${hook}: commits are blocked unless the staged output is what the staged config synthesizes`;
}

console.log(`prepare: ${installHook()}`);
