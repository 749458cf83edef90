// The user's policy lock: the only test that reads environments.yaml. Whatever environments it declares, each
// environment's policies and Flux objects must equal their reviewed files in test/policy-lock/; after an edit
// of the config, `npm run synth` and `npm run lock -- --accept` make this pass again.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assert, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config/load';
import { ACCEPT_COMMAND, compareLock, DEFAULT_LOCK_DIR, describeLockEntry, lockEntry, lockTree } from '../src/output/policy-lock';
import { readTree } from '../src/output/write';
import { synthesizeTree } from '../src/synthesize';

const USER_CONFIG = 'environments.yaml';
const environments = loadConfig(USER_CONFIG);
const expected = lockTree(environments, synthesizeTree(environments));
const locked = readTree(DEFAULT_LOCK_DIR);
const diff = compareLock(expected, DEFAULT_LOCK_DIR);

describe.each(environments.map((env) => env.name))('%s', (env) => {
  const paths = [...expected.keys()].filter((path) => lockEntry(path).environment === env);
  test.each(paths)('%s is the reviewed lock', (path) => {
    const entry = describeLockEntry(lockEntry(path));
    const lockFile = `${DEFAULT_LOCK_DIR}/${path}`;
    const current = locked.get(path);
    if (current === undefined) {
      // Like a first snapshot: written locally for review, never silently in CI.
      if (process.env.CI) assert.fail(`${entry}: ${lockFile} is missing; run \`${ACCEPT_COMMAND}\` and commit it`);
      mkdirSync(dirname(join(DEFAULT_LOCK_DIR, path)), { recursive: true });
      writeFileSync(join(DEFAULT_LOCK_DIR, path), expected.get(path)!);
      return;
    }
    expect(expected.get(path), `${entry} differs from ${lockFile}: review the change, then run \`${ACCEPT_COMMAND}\``).toBe(current);
  });
});

test('the lock holds no file for an environment or policy the config no longer renders', () => {
  const obsolete = diff.obsolete.map((entry) => `${describeLockEntry(entry)} (${DEFAULT_LOCK_DIR}/${entry.path})`);
  expect(obsolete, `obsolete lock files: run \`${ACCEPT_COMMAND}\` to delete them`).toEqual([]);
});
