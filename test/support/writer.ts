import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { MANIFEST_FILE, pathsManifest } from '../../src/output/manifest';
import { readTree, writeTreeAtomically } from '../../src/output/write';
import { tempDir, writeConfig } from '../helpers';

/** `tree` plus the manifest listing its paths: exactly what the writer writes for a tree that is not synth's output. */
export function withManifest(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree, [MANIFEST_FILE, pathsManifest(tree)]]);
}

/** A config file synth accepts, with one environment of each name. */
export function configOf(...names: string[]): string {
  const env = (name: string) => `
  - name: ${name}
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { verify-image-signatures: { phase: audit } }`;
  return writeConfig(`environments:${names.map(env).join('')}`);
}

/** A tree written before a test's write, and the one the test writes: one file changed, one unchanged, one removed, one added. */
export const OLD_TREE = new Map([
  ['env/keep.yaml', 'v1\n'],
  ['env/same.yaml', 'same\n'],
  ['env/old.yaml', 'old\n'],
]);
export const NEW_TREE = new Map([
  ['env/keep.yaml', 'v2\n'],
  ['env/same.yaml', 'same\n'],
  ['other/new.yaml', 'new\n'],
]);

/** Asserts the output directory holds exactly `tree` plus its manifest, and nothing of the writer's is left beside it. */
export function expectExactly(outdir: string, tree: Map<string, string>): void {
  expect(Object.fromEntries(readTree(outdir))).toEqual(Object.fromEntries(withManifest(tree)));
  expect(readdirSync(dirname(outdir))).toEqual(['dist']);
}

/** A fresh output directory `<temp>/dist` holding what synth wrote for `tree`. */
export function writtenOutput(tree: Map<string, string> = OLD_TREE): string {
  const outdir = join(tempDir(), 'dist');
  writeTreeAtomically(outdir, tree);
  return outdir;
}
