import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { readTree } from '../src/output/write';
import { THREE_ENVIRONMENTS_CONFIG, runCli, tempDir } from './helpers';
import { configOf } from './support/writer';

/** A freshly synthesized output directory. */
function synthesized(): string {
  const outdir = join(tempDir(), 'dist');
  expect(runCli('synth', '--config', THREE_ENVIRONMENTS_CONFIG, '--outdir', outdir).code).toBe(0);
  return outdir;
}

/** Runs the drift gate and asserts that it wrote nothing. */
function check(outdir: string) {
  const before = readTree(outdir);
  const result = runCli('check', '--config', THREE_ENVIRONMENTS_CONFIG, '--outdir', outdir);
  expect(readTree(outdir)).toEqual(before);
  return result;
}

test('passes on a fresh synth', () => {
  const outdir = synthesized();
  const { code, out } = check(outdir);
  expect(code).toBe(0);
  expect(out).toContain('is current');
});

test('detects a hand-edited file', () => {
  const outdir = synthesized();
  appendFileSync(join(outdir, 'production/verify-image-signatures.yaml'), '# tweak\n');
  const { code, err } = check(outdir);
  expect(code).toBe(1);
  expect(err).toContain(`changed: ${outdir}/production/verify-image-signatures.yaml`);
  expect(err).toContain('npm run synth');
});

test('detects a deleted file', () => {
  const outdir = synthesized();
  rmSync(join(outdir, 'flux/staging/policies.yaml'));
  const { code, err } = check(outdir);
  expect(code).toBe(1);
  expect(err).toContain(`added:   ${outdir}/flux/staging/policies.yaml`);
});

test('detects an extra file', () => {
  const outdir = synthesized();
  writeFileSync(join(outdir, 'develop/extra-policy.yaml'), 'kind: ConfigMap\n');
  const { code, err } = check(outdir);
  expect(code).toBe(1);
  expect(err).toContain(`removed: ${outdir}/develop/extra-policy.yaml`);
});

test('reports a symbolic link or any other entry that is not a regular file', () => {
  const config = configOf('one');
  const outdir = join(tempDir(), 'dist');
  expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
  symlinkSync('verify-image-signatures.yaml', join(outdir, 'one', 'alias.yaml'));
  mkdirSync(join(outdir, 'one', 'nested'));
  symlinkSync('/etc', join(outdir, 'one', 'nested', 'etc'));
  const { code, err } = runCli('check', '--config', config, '--outdir', outdir);
  expect(code).toBe(1);
  expect(err).toContain(`${outdir}/one/alias.yaml is a symbolic link: synth writes only regular files`);
  expect(err).toContain(`${outdir}/one/nested/etc is a symbolic link: synth writes only regular files`);
});
