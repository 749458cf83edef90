import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { OutputGuardError, assertNoEmptyEnvironment } from '../../src/output/guards';
import { readTree } from '../../src/output/write';
import { synthesizeTree } from '../../src/synthesize';
import { THREE_ENVIRONMENTS_CONFIG, runCli, tempDir, writeConfig } from '../helpers';

/** A config whose production environment enables no policy. */
const NO_POLICY = `environments:
  - name: staging
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { verify-image-signatures: { phase: audit } }
  - name: production
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: {}
`;

describe('empty environments', () => {
  test('a config with no policy for an environment is refused with file:line', () => {
    const outdir = tempDir();
    const { code, err } = runCli('synth', '--config', writeConfig(NO_POLICY), '--outdir', outdir);
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
