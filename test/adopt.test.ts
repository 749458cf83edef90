// Adopting the product means editing environments.yaml. For each kind of edit, in a project directory: the
// policy lock fails naming what changed and the accept command; after synth and `lock --accept`, the lock and
// the drift gate pass again. (scripts/prove-adoption.mjs runs the whole suite after each edit, in CI.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { MANIFEST_FILE } from '../src/output/manifest';
import { ACCEPT_COMMAND } from '../src/output/policy-lock';
import { readTree } from '../src/output/write';
import { ADOPTION_EDITS } from '../scripts/adoption-edits.mjs';
import { runCli, synthesizedProject, THREE_ENVIRONMENTS_CONFIG } from './helpers';

/** What the lock check must print before each edit is accepted, and the environments the accepted lock holds. */
const EXPECTED: Record<string, { reported: readonly RegExp[]; lockedEnvironments: readonly string[] }> = {
  'add an environment qa': {
    reported: [/new: +environment qa, policy verify-image-signatures/, /new: +environment qa, Flux objects flux\/policies/],
    lockedEnvironments: ['develop', 'production', 'qa', 'staging'],
  },
  'rename an environment': {
    reported: [
      /new: +environment preprod, policy require-sbom-attestation/,
      /obsolete: environment staging, policy require-sbom-attestation/,
    ],
    lockedEnvironments: ['develop', 'preprod', 'production'],
  },
  'remove an environment': {
    reported: [
      /obsolete: environment develop, policy restrict-image-registries/,
      /obsolete: environment develop, Flux objects flux\/policies/,
    ],
    lockedEnvironments: ['production', 'staging'],
  },
  'promote a policy': {
    reported: [/changed: +environment staging, policy verify-image-signatures/],
    lockedEnvironments: ['develop', 'production', 'staging'],
  },
  'disable a policy': {
    reported: [/obsolete: environment production, policy require-provenance-attestation/],
    lockedEnvironments: ['develop', 'production', 'staging'],
  },
  "replace the file with one's own dev and prod": {
    reported: [
      /new: +environment prod, policy verify-image-signatures/,
      /obsolete: environment production, policy verify-image-signatures/,
    ],
    lockedEnvironments: ['dev', 'prod'],
  },
};

test('every adoption edit has its expectations, and no expectation is left without an edit', () => {
  expect(ADOPTION_EDITS.map(({ name }) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(ADOPTION_EDITS)('$name', ({ name, edit, allowWeakening }) => {
  const { reported, lockedEnvironments } = EXPECTED[name];
  test('fails the lock naming the change and the accept command; synth and lock --accept make lock and drift gate pass', () => {
    const dir = synthesizedProject(THREE_ENVIRONMENTS_CONFIG);
    const config = join(dir, 'environments.yaml');
    const outdir = join(dir, 'dist');
    const lockDir = join(dir, 'test', 'policy-lock');
    const lock = (...args: string[]) => runCli('lock', '--config', config, '--lock-dir', lockDir, ...args);
    const check = () => runCli('check', '--config', config, '--outdir', outdir);
    expect(lock('--accept').code).toBe(0);
    const neighbour = join(dir, 'test', 'three-environments.yaml');
    writeFileSync(neighbour, readFileSync(config)); // a file beside the lock directory that accepting must not touch

    const { environments } = parse(readFileSync(config, 'utf8'));
    writeFileSync(config, stringify({ environments: edit(environments) }));
    const before = lock();
    expect(before.code).toBe(1);
    for (const line of reported) expect(before.err).toMatch(line);
    expect(before.err).toContain(ACCEPT_COMMAND);

    expect(runCli('synth', '--config', config, '--outdir', outdir, ...allowWeakening.flatMap((p) => ['--allow-weakening', p])).code).toBe(
      0,
    );
    expect(lock('--accept').code).toBe(0);
    expect(lock()).toMatchObject({ code: 0, err: '' });
    expect(check()).toMatchObject({ code: 0, err: '' });
    expect(
      readdirSync(lockDir)
        .filter((name) => name !== MANIFEST_FILE)
        .sort(),
    ).toEqual(lockedEnvironments);
    expect(existsSync(neighbour)).toBe(true);
  });
});

test('an invalid config leaves the lock untouched and says why', () => {
  const dir = synthesizedProject(THREE_ENVIRONMENTS_CONFIG);
  const config = join(dir, 'environments.yaml');
  const lockDir = join(dir, 'test', 'policy-lock');
  expect(runCli('lock', '--config', config, '--lock-dir', lockDir, '--accept').code).toBe(0);
  const locked = readTree(lockDir);
  writeFileSync(config, 'environments:\n  - name: Not_A_Label\n');
  const { code, err } = runCli('lock', '--config', config, '--lock-dir', lockDir, '--accept');
  expect(code).toBe(1);
  expect(err).toContain('must be a DNS-1123 label');
  expect(readTree(lockDir)).toEqual(locked);
});
