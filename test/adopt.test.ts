// Adopting the product means editing environments.yaml. For each kind of edit, in a copy of the project: the
// policy lock fails naming what changed and the accept command; after synth and `lock --accept`, the lock and
// the drift gate pass again. (scripts/prove-adoption.mjs runs the whole suite after such an edit.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { MANIFEST_FILE } from '../src/output/ownership';
import { ACCEPT_COMMAND } from '../src/output/policy-lock';
import { readTree } from '../src/output/write';
import { projectCopy, runCli, THREE_ENVIRONMENTS_CONFIG } from './helpers';

interface EnvironmentEntry {
  name: string;
  policies: Record<string, { phase: string }>;
  [field: string]: unknown;
}

const named = (environments: EnvironmentEntry[], name: string) => environments.find((env) => env.name === name)!;

/** An environment of the user's own, in the shape the README shows. */
const ownEnvironment = (name: string, phase: string): EnvironmentEntry => ({
  name,
  imagePatterns: ['registry.example.com/shop/*'],
  signer: { issuer: 'https://gitlab.example.com', subject: 'https://gitlab.example.com/shop/*' },
  policies: { 'verify-image-signatures': { phase }, 'restrict-image-registries': { phase } },
});

interface Edit {
  readonly name: string;
  readonly edit: (environments: EnvironmentEntry[]) => EnvironmentEntry[];
  /** Lines the lock check must print before the change is accepted. */
  readonly reported: readonly RegExp[];
  /** Environment directories the accepted lock holds. */
  readonly lockedEnvironments: readonly string[];
  /** Policies the fixture enforces that the edit removes on purpose (synth's guard asks for each). */
  readonly allowRemoval?: readonly string[];
}

const EDITS: readonly Edit[] = [
  {
    name: 'add an environment qa',
    edit: (envs) => [...envs, { ...named(envs, 'staging'), name: 'qa' }],
    reported: [/new: +environment qa, policy verify-image-signatures/, /new: +environment qa, Flux objects flux\/policies/],
    lockedEnvironments: ['develop', 'production', 'qa', 'staging'],
  },
  {
    name: 'rename an environment',
    edit: (envs) => envs.map((env) => (env.name === 'staging' ? { ...env, name: 'preprod' } : env)),
    reported: [/new: +environment preprod, policy require-sbom-attestation/, /obsolete: environment staging, policy require-sbom-attestation/],
    lockedEnvironments: ['develop', 'preprod', 'production'],
  },
  {
    name: 'remove an environment',
    edit: (envs) => envs.filter((env) => env.name !== 'develop'),
    reported: [/obsolete: environment develop, policy restrict-image-registries/, /obsolete: environment develop, Flux objects flux\/policies/],
    lockedEnvironments: ['production', 'staging'],
  },
  {
    name: 'promote a policy',
    edit: (envs) => {
      named(envs, 'staging').policies['verify-image-signatures'] = { phase: 'enforce' };
      return envs;
    },
    reported: [/changed: +environment staging, policy verify-image-signatures/],
    lockedEnvironments: ['develop', 'production', 'staging'],
  },
  {
    name: 'disable a policy',
    edit: (envs) => {
      delete named(envs, 'production').policies['require-provenance-attestation'];
      return envs;
    },
    reported: [/obsolete: environment production, policy require-provenance-attestation/],
    lockedEnvironments: ['develop', 'production', 'staging'],
  },
  {
    name: "replace the file with one's own dev and prod",
    edit: () => [ownEnvironment('dev', 'audit'), ownEnvironment('prod', 'enforce')],
    reported: [/new: +environment prod, policy verify-image-signatures/, /obsolete: environment production, policy verify-image-signatures/],
    lockedEnvironments: ['dev', 'prod'],
    // Dropping production's enforcement is what synth's guard exists to question.
    allowRemoval: ['production/verify-image-signatures', 'production/require-sbom-attestation', 'production/restrict-image-registries'],
  },
];

describe.each(EDITS)('$name', ({ edit, reported, lockedEnvironments, allowRemoval = [] }) => {
  test('fails the lock naming the change and the accept command; synth and lock --accept make lock and drift gate pass', () => {
    const dir = projectCopy(THREE_ENVIRONMENTS_CONFIG);
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
    expect(check().code).toBe(1);

    expect(runCli('synth', '--config', config, '--outdir', outdir, ...allowRemoval.flatMap((p) => ['--allow-removal', p])).code).toBe(0);
    expect(lock('--accept').code).toBe(0);
    expect(lock()).toMatchObject({ code: 0, err: '' });
    expect(check()).toMatchObject({ code: 0, err: '' });
    expect(readdirSync(lockDir).filter((name) => name !== MANIFEST_FILE).sort()).toEqual(lockedEnvironments);
    expect(existsSync(neighbour)).toBe(true);
  });
});

test('an invalid config leaves the lock untouched and says why', () => {
  const dir = projectCopy(THREE_ENVIRONMENTS_CONFIG);
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
