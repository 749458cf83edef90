import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { diffTrees, readTree, writeTreeAtomically } from '../src/output/write';
import { runCli, tempDir, writeConfig } from './helpers';

test('the written tree replaces the old one exactly: stale files of removed policies disappear', () => {
  const outdir = join(tempDir(), 'dist');
  writeTreeAtomically(outdir, new Map([['a/old.yaml', 'old\n'], ['a/keep.yaml', 'v1\n']]));
  writeTreeAtomically(outdir, new Map([['a/keep.yaml', 'v2\n'], ['b/new.yaml', 'new\n']]));
  expect(Object.fromEntries(readTree(outdir))).toEqual({ 'a/keep.yaml': 'v2\n', 'b/new.yaml': 'new\n' });
  expect(readdirSync(dirname(outdir))).toEqual(['dist']);
});

test('a failure while writing leaves the previous tree exactly as it was, with nothing left beside it', () => {
  const outdir = join(tempDir(), 'dist');
  writeTreeAtomically(outdir, new Map([['env/policy.yaml', 'v1\n']]));
  // 'x' as a file and as a directory cannot both be written: the write fails halfway.
  const impossible = new Map([['env/policy.yaml', 'v2\n'], ['x', 'file\n'], ['x/y.yaml', 'child\n']]);
  expect(() => writeTreeAtomically(outdir, impossible)).toThrow();
  expect(Object.fromEntries(readTree(outdir))).toEqual({ 'env/policy.yaml': 'v1\n' });
  expect(readdirSync(dirname(outdir))).toEqual(['dist']);
});

test('an unchanged tree is not rewritten', () => {
  const outdir = join(tempDir(), 'dist');
  const tree = new Map([['env/policy.yaml', 'v1\n']]);
  expect(writeTreeAtomically(outdir, tree)).toBe(true);
  expect(writeTreeAtomically(outdir, tree)).toBe(false);
});

test('diffTrees lists added, changed and removed files', () => {
  const diff = diffTrees(new Map([['a', '1'], ['b', '2']]), new Map([['b', '3'], ['c', '4']]));
  expect(diff).toEqual({ added: ['a'], changed: ['b'], removed: ['c'] });
});

test('removing an environment from the config removes its directory on the next synth', () => {
  const dir = tempDir();
  const outdir = join(dir, 'dist');
  const env = (name: string) => `
  - name: ${name}
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { verify-image-signatures: { phase: audit } }`;
  expect(runCli('synth', '--config', writeConfig(`environments:${env('one')}${env('two')}`), '--outdir', outdir).code).toBe(0);
  expect(existsSync(join(outdir, 'two/verify-image-signatures.yaml'))).toBe(true);
  expect(runCli('synth', '--config', writeConfig(`environments:${env('one')}`), '--outdir', outdir).code).toBe(0);
  expect(readdirSync(outdir).sort()).toEqual(['flux', 'one']);
  expect(readdirSync(join(outdir, 'flux'))).toEqual(['one']);
  // and a file planted by hand is gone too: dist/ is wholly owned by synth
  writeFileSync(join(outdir, 'one', 'hand-written.yaml'), 'x: 1\n');
  expect(runCli('synth', '--config', writeConfig(`environments:${env('one')}`), '--outdir', outdir).code).toBe(0);
  expect(readdirSync(join(outdir, 'one')).sort()).toEqual(['kustomization.yaml', 'verify-image-signatures.yaml']);
});
