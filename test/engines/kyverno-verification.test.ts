import { symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { attestationLimits, readsBundles, requiresSignedTimestamps } from '../../src/engines/kyverno-verification';
import { publicTrustRoot } from '../../src/model/trust-root';
import { runCli, tempDir } from '../helpers';

// What Kyverno v1.19.0 verifies by engine and trust root, as the engine tests measured it (docs/real-engines.md).

/** A config beside the sigstore fixture files: one trust root per way of giving up the log, on both engines. */
function config(): string {
  const dir = tempDir();
  symlinkSync(resolve('test/fixtures/sigstore'), join(dir, 'sigstore'), 'dir');
  const env = (name: string, engine: string, trustRoot: string) => `  - name: ${name}
    engine: ${engine}
    trustRoot: ${trustRoot}
    imagePatterns: [registry.lab.test/apps/*]
    signer: { issuer: https://issuer.lab.test, subject: https://git.lab.test/apps/* }
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: audit }
      require-provenance-attestation: { phase: audit }
`;
  const file = join(dir, 'environments.yaml');
  writeFileSync(
    file,
    `trustRoots:
  no-log:
    fulcio: { roots: sigstore/fulcio-root.pem }
    insecureIgnoreTlog: no Rekor here
    insecureIgnoreSCT: no CT log here
  no-log-with-tsa:
    fulcio: { roots: sigstore/fulcio-root.pem }
    tsa: { certificateChain: sigstore/tsa-chain.pem }
    insecureIgnoreTlog: no Rekor here
    insecureIgnoreSCT: no CT log here
  no-log-tuf:
    tuf: { mirror: https://tuf.lab.test, root: sigstore/tuf-root.json }
    insecureIgnoreTlog: no Rekor here
  logged:
    fulcio: { roots: sigstore/fulcio-root.pem }
    rekor: { url: https://rekor.lab.test, publicKey: sigstore/rekor.pub }
    insecureIgnoreSCT: no CT log here
environments:
${env('ivp-no-log', 'ImageValidatingPolicy', 'no-log')}${env('ivp-no-log-with-tsa', 'ImageValidatingPolicy', 'no-log-with-tsa')}${env('ivp-no-log-tuf', 'ImageValidatingPolicy', 'no-log-tuf')}${env('ivp-logged', 'ImageValidatingPolicy', 'logged')}${env('cp-no-log', 'ClusterPolicy', 'no-log')}${env('ivp-public', 'ImageValidatingPolicy', 'public')}`,
  );
  return file;
}

const file = config();
const environments = loadConfig(file);
const environment = (name: string) => environments.find((env) => env.name === name)!;

describe('what Kyverno v1.19.0 verifies, by engine and trust root', () => {
  it('ClusterPolicy reads the legacy signature format only; the ImageValidatingPolicy engine reads Sigstore bundles too', () => {
    expect(readsBundles('ClusterPolicy')).toBe(false);
    expect(readsBundles('ImageValidatingPolicy')).toBe(true);
  });

  it('signed timestamps are required where the policy names a timestamp authority, and by the ImageValidatingPolicy engine without a log', () => {
    const trustRoot = (name: string) => environment(name).signer.trustRoot;
    expect(requiresSignedTimestamps('ClusterPolicy', trustRoot('ivp-no-log-with-tsa'))).toBe(true);
    expect(requiresSignedTimestamps('ClusterPolicy', trustRoot('ivp-no-log'))).toBe(false);
    expect(requiresSignedTimestamps('ImageValidatingPolicy', trustRoot('ivp-no-log'))).toBe(true);
    expect(requiresSignedTimestamps('ImageValidatingPolicy', trustRoot('ivp-no-log-tuf'))).toBe(true);
    expect(requiresSignedTimestamps('ImageValidatingPolicy', trustRoot('ivp-logged'))).toBe(false);
    expect(requiresSignedTimestamps('ImageValidatingPolicy', publicTrustRoot())).toBe(false);
  });

  it('an ImageValidatingPolicy environment whose trust root ignores the log: each attestation guardrail, and whether any attestation can pass', () => {
    const limits = (name: string) => attestationLimits(environment(name)).map(({ policy, satisfiable }) => [policy, satisfiable]);
    expect(limits('ivp-no-log')).toEqual([
      ['require-sbom-attestation', false],
      ['require-provenance-attestation', false],
    ]);
    expect(limits('ivp-no-log-with-tsa')).toEqual([
      ['require-sbom-attestation', true],
      ['require-provenance-attestation', true],
    ]);
    expect(limits('ivp-no-log-tuf')).toEqual([
      ['require-sbom-attestation', 'unknown'],
      ['require-provenance-attestation', 'unknown'],
    ]);
    for (const unaffected of ['ivp-logged', 'cp-no-log', 'ivp-public']) expect(limits(unaffected), unaffected).toEqual([]);
  });

  it('synth writes the output and warns of each such guardrail, with the upstream issue', () => {
    const { code, out } = runCli('synth', '--config', file, '--outdir', join(tempDir(), 'dist'));
    expect(code).toBe(0);
    const warnings = out.split('\n').filter((line) => line.includes('kyverno/kyverno#17109'));
    expect(warnings).toHaveLength(6);
    expect(warnings[0]).toBe(
      'warning: environment "ivp-no-log": require-sbom-attestation (ImageValidatingPolicy, Kyverno v1.19.0) verifies https://spdx.dev/Document ' +
        'attestations signed with trust root "no-log", which ignores the transparency log, only in a Sigstore bundle (cosign v3\'s default format) ' +
        'and a signed timestamp, which trust root "no-log" cannot give (it names no timestamp authority): no attestation can pass; ' +
        'the legacy format is refused (kyverno/kyverno#17109)',
    );
  });
});
