import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { tempDir } from './support/temp-dirs';
export { tempDir } from './support/temp-dirs';
import { main } from '../src/cli';
import { ConfigError, loadConfig, parseConfig } from '../src/config/load';
import { POLICY_NAMES, type EngineKind, type Environment, type PolicyName } from '../src/model/environment';
import { FLUX_CONTROLLER_IMAGES } from '../src/model/flux-release';
import type { FileTree } from '../src/model/layout';
import { publicTrustRoot } from '../src/model/trust-root';
import { GUARDRAILS } from '../src/policies';
import { synthesizeTree } from '../src/synthesize';
import { currentGenerator } from '../src/generator';
import { CheckedRendering } from '../src/output/checked-rendering';
import { FleetOutput, planFleet, type OutputView } from '../src/output/fleet';
import { MANIFEST_FILE } from '../src/output/manifest';

/**
 * The product's test config: three environments (develop, staging, production) covering each phase. Tests of
 * behaviour use it, never the repository's environments.yaml, which users edit (test/policy-lock.test.ts locks that).
 */
export const THREE_ENVIRONMENTS_CONFIG = 'test/fixtures/three-environments.yaml';
/** The guardrails rendered as image verification (verifyImages / ImageValidatingPolicy); the registry restriction is not one. */
export const IMAGE_VERIFICATION_POLICIES: readonly PolicyName[] = POLICY_NAMES.filter(
  (policy) => GUARDRAILS[policy].check === 'imageVerification',
);
/** A test config with ImageValidatingPolicy environments and every setting that reaches a policy. */
export const MIXED_ENGINES_CONFIG = 'test/fixtures/mixed-engines.yaml';
/** A test config of private Sigstore instances (trustRoots), each described one way, on both engines. */
export const PRIVATE_SIGSTORE_CONFIG = 'test/fixtures/private-sigstore.yaml';

/**
 * A resolved environment for tests that render one policy directly: one enforced guardrail, the defaults the
 * config loader applies, and `overrides` on top.
 */
export function testEnvironment(overrides: Partial<Environment> = {}): Environment {
  return {
    name: 'test',
    cluster: 'test',
    engine: 'ClusterPolicy',
    imagePatterns: ['ghcr.io/acme/*'],
    signer: {
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'https://github.com/acme/*',
      trustRoot: publicTrustRoot(),
    },
    excludeNamespaces: ['flux-system', 'kube-system', 'kyverno'],
    controllers: [{ namespace: 'flux-system', images: FLUX_CONTROLLER_IMAGES, declaredBy: 'the controllers of Flux' }],
    webhook: { timeoutSeconds: 30 },
    thirdPartyImages: [],
    sbom: {},
    provenance: {},
    policies: new Map([['verify-image-signatures', { phase: 'enforce' }]]),
    flux: { kyvernoKustomization: 'kyverno', interval: '10m', retryInterval: '2m', timeout: '3m', sourceRef: 'flux-system' },
    delivery: { mode: 'git' },
    ...overrides,
  };
}

/**
 * A digest as a registry computes it (the hash of `seed`): tests need digests that are not placeholders, which
 * the config refuses (src/model/digest.ts).
 */
export function testDigest(seed: string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(seed).digest('hex')}`;
}

/**
 * Every item of a list a test loops over, after checking it is neither empty nor holding `undefined`: a loop
 * over nothing passes whatever the product does.
 */
export function nonEmpty<T>(items: Iterable<T>, what: string): T[] {
  const list = [...items];
  if (list.length === 0) throw new Error(`${what}: the test would loop over nothing`);
  if (list.some((item) => item === undefined)) throw new Error(`${what}: holds undefined`);
  return list;
}

/** A fixture's environments, for tests that loop over them: never an empty loop. */
export function fixtureEnvironments(configFile: string = THREE_ENVIRONMENTS_CONFIG): Environment[] {
  return nonEmpty(loadConfig(configFile), `the environments of ${configFile}`);
}

/** Writes `text` as a config file in a temporary directory and returns its path. */
export function writeConfig(text: string, name = 'environments.yaml'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** Runs a CLI command in-process, capturing what it prints. */
export function runCli(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The tree synth writes for a config file. */
export function treeFor(configFile: string = THREE_ENVIRONMENTS_CONFIG): FileTree {
  return synthesizeTree(loadConfig(configFile));
}

/** Everything synth writes into the output directory for a config file: the tree and its manifest. */
export function outputTreeFor(configFile: string = THREE_ENVIRONMENTS_CONFIG): FileTree {
  const environments = loadConfig(configFile);
  const rendering = new CheckedRendering(environments);
  const nothing: OutputView = { paths: [], idOf: () => '', read: () => '' };
  const options = { generator: currentGenerator(), full: true, sharedClusters: rendering.sharedClusters };
  const fleet = new FleetOutput(
    planFleet(environments, nothing, () => undefined, options),
    rendering,
    currentGenerator(),
    nothing,
  );
  const tree: FileTree = new Map([...fleet.files()].map(([path, content]) => [path, content as string]));
  return new Map([...tree, [MANIFEST_FILE, fleet.manifest()]]);
}

/** The Kubernetes objects in one file of a tree. */
export function objectsIn(tree: FileTree, path: string): any[] {
  const text = tree.get(path);
  if (text === undefined) throw new Error(`${path} is not in the tree (has: ${[...tree.keys()].join(', ')})`);
  return parseAllDocuments(text).map((d) => d.toJS());
}

/** The tree synth writes for a config file with every environment switched to `engine`. */
export function treeWithEngine(engine: EngineKind, configFile: string = THREE_ENVIRONMENTS_CONFIG): FileTree {
  return synthesizeTree(loadConfig(configFile).map((env): Environment => ({ ...env, engine })));
}

let fixtureTree: FileTree | undefined;

/** A fresh copy of the first object of a file of the three-environments fixture's tree, to mutate in a test. */
export function fixtureObject(path: string): any {
  fixtureTree ??= treeFor();
  return objectsIn(fixtureTree, path)[0];
}

/** Everything a copy of the project needs to build and run the app (node_modules is linked, not copied). */
const PROJECT_FILES = [
  '.gitignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'environments.schema.json',
  'src',
  'imports',
  'scripts',
];

/**
 * A temporary directory holding `config` as its environments.yaml and what synth writes for it (dist/ and
 * clusters/): all that the commands read and write when they run in this process.
 */
export function synthesizedProject(config: string = THREE_ENVIRONMENTS_CONFIG): string {
  const dir = tempDir();
  cpSync(config, join(dir, 'environments.yaml'));
  const synth = runCli('synth', '--config', join(dir, 'environments.yaml'), '--outdir', join(dir, 'dist'));
  if (synth.code !== 0) throw new Error(`synth of ${config} failed in ${dir}:\n${synth.err}`);
  return dir;
}

/**
 * A copy of the project in a temporary directory, sharing node_modules, for tests that edit files or run git.
 * Its environments.yaml is `config` (a fixture, not the user's file) and its dist/ is synthesized from it.
 */
export function projectCopy(config: string = THREE_ENVIRONMENTS_CONFIG): string {
  const root = resolve(import.meta.dirname, '..');
  const dir = synthesizedProject(config);
  for (const file of PROJECT_FILES) cpSync(join(root, file), join(dir, file), { recursive: true });
  // The compiled bundle too, when there is one: its inputs are the same, so the copy need not rebuild it.
  if (existsSync(join(root, '.build'))) cpSync(join(root, '.build'), join(dir, '.build'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The pinned CRDs are an input of the generator's identity (scripts/bundle-inputs.mjs), read only: linked too.
  symlinkSync(join(root, 'crds'), join(dir, 'crds'), 'dir');
  return dir;
}

/** Runs git in `dir` without the user's or the system's config (no foreign hooks), as a fixed identity; expects success, returns its output. */
export function gitIn(dir: string, ...args: string[]): string {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, env, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** The problems of a config text as printed (file:line:col: environment "x": field: message), or [] when it loads. */
export function configRefusals(text: string): string[] {
  try {
    parseConfig(text, 'environments.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
}
