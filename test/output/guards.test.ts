import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { OutputGuardError, assertNoEmptyEnvironment } from '../../src/output/guards';
import { readTree } from '../../src/output/write';
import { synthesizeTree } from '../../src/synthesize';
import { THREE_ENVIRONMENTS_CONFIG, runCli, tempDir, writeConfig } from '../helpers';

/** Staging audits both image verification guardrails, production enforces them. */
const BASE = `environments:
  - name: staging
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: audit }
      require-sbom-attestation: { phase: audit }

  # Block at admission.
  - name: production
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
`;

/** The base config with one line removed (the line must occur exactly once). */
function baseWithout(line: string): string {
  expect(BASE.split(line).length, line).toBe(2);
  return BASE.replace(`${line}\n`, '');
}

const PRODUCTION_SBOM = '      require-sbom-attestation: { phase: enforce }';
const STAGING_SBOM = '      require-sbom-attestation: { phase: audit }';

describe('empty environments', () => {
  test('a config with no policy for an environment is refused with file:line', () => {
    const text = BASE.replace(
      '    policies:\n      verify-image-signatures: { phase: enforce }\n      require-sbom-attestation: { phase: enforce }',
      '    policies: {}',
    );
    expect(text).not.toBe(BASE);
    const outdir = tempDir();
    const { code, err } = runCli('synth', '--config', writeConfig(text), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toMatch(/environments\.yaml:\d+:\d+: environment "production": policies: must enable at least one policy/);
    expect(readTree(outdir).size).toBe(0);
  });

  test('synthesized output with no policy in an environment is refused', () => {
    const [production] = loadConfig(THREE_ENVIRONMENTS_CONFIG).filter((env) => env.name === 'production');
    const empty = { ...production, policies: new Map() };
    const tree = synthesizeTree([empty]);
    expect(() => assertNoEmptyEnvironment(tree, ['production'])).toThrow(OutputGuardError);
    expect(() => assertNoEmptyEnvironment(tree, ['production'])).toThrow(/production\/ would hold no policy/);
    expect(() => assertNoEmptyEnvironment(synthesizeTree([production]), ['production'])).not.toThrow();
  });
});

describe('dropping an enforced policy', () => {
  function synthesizedOutdir(): string {
    const outdir = join(tempDir(), 'dist');
    expect(runCli('synth', '--config', writeConfig(BASE), '--outdir', outdir).code).toBe(0);
    return outdir;
  }

  test('is refused, naming <env>/<policy>, and nothing is written', () => {
    const outdir = synthesizedOutdir();
    const before = readTree(outdir);
    const { code, err } = runCli('synth', '--config', writeConfig(baseWithout(PRODUCTION_SBOM)), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain('production/require-sbom-attestation: enforced in the committed production/require-sbom-attestation.yaml');
    expect(err).toContain('--allow-removal production/require-sbom-attestation');
    expect(readTree(outdir)).toEqual(before);
  });

  test('deleting a whole enforcing environment is refused for each of its enforced policies', () => {
    const outdir = synthesizedOutdir();
    const text = BASE.slice(0, BASE.indexOf('  # Block at admission'));
    const { code, err } = runCli('synth', '--config', writeConfig(text), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain('production/verify-image-signatures:');
    expect(err).toContain('production/require-sbom-attestation:');
  });

  test('is allowed with --allow-removal <env>/<policy>', () => {
    const outdir = synthesizedOutdir();
    const config = writeConfig(baseWithout(PRODUCTION_SBOM));
    const { code } = runCli('synth', '--config', config, '--outdir', outdir, '--allow-removal', 'production/require-sbom-attestation');
    expect(code).toBe(0);
    expect(existsSync(join(outdir, 'production/require-sbom-attestation.yaml'))).toBe(false);
    expect(existsSync(join(outdir, 'production/verify-image-signatures.yaml'))).toBe(true);
  });

  test('an override for another policy does not allow it', () => {
    const outdir = synthesizedOutdir();
    const config = writeConfig(baseWithout(PRODUCTION_SBOM));
    const { code } = runCli('synth', '--config', config, '--outdir', outdir, '--allow-removal', 'production/verify-image-signatures');
    expect(code).toBe(1);
  });

  test('a policy in audit may be dropped without an override', () => {
    const outdir = synthesizedOutdir();
    const text = baseWithout(STAGING_SBOM);
    expect(runCli('synth', '--config', writeConfig(text), '--outdir', outdir).code).toBe(0);
    expect(existsSync(join(outdir, 'staging/require-sbom-attestation.yaml'))).toBe(false);
  });

  test('the committed state is git HEAD: wiping dist/ (as `cdk8s synth` does) does not bypass the guard', () => {
    const repo = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    const outdir = join(repo, 'dist');
    expect(runCli('synth', '--config', writeConfig(BASE), '--outdir', outdir).code).toBe(0);
    git('add', 'dist');
    git('commit', '-q', '-m', 'dist');
    rmSync(outdir, { recursive: true });
    mkdirSync(outdir);
    const { code, err } = runCli('synth', '--config', writeConfig(baseWithout(PRODUCTION_SBOM)), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain('at git HEAD');
    expect(err).toContain('production/require-sbom-attestation:');
  });
});
