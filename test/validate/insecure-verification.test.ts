import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { insecureSwitches } from '../../src/model/trust-root';
import { imageVerificationsOf } from '../../src/policies';
import { synthesize } from '../../src/synthesize';
import { validateObject, validateTree } from '../../src/validate';
import { PRIVATE_SIGSTORE_CONFIG, objectsIn, runCli, tempDir } from '../helpers';

const environments = loadConfig(PRIVATE_SIGSTORE_CONFIG);
const synthesis = synthesize(environments);
const LAB_REASONS = {
  insecureIgnoreTlog: 'the lab signs in an isolated network without a Rekor instance',
  insecureIgnoreSCT: 'the lab CA runs no certificate transparency log',
};

describe('lint/insecure-verification', () => {
  it('reports every switch a trust root acknowledges as a warning, on every policy it weakens, with its reason', () => {
    const { findings, warnings } = validateTree(synthesis.tree, environments, synthesis.manifests);
    expect(findings).toEqual([]);
    const keyless = 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless';
    const attestationKeyless = 'spec.rules[0].verifyImages[0].attestations[0].attestors[0].entries[0].keyless';
    expect(warnings.map(({ env, file, path, rule, severity }) => `${env}/${file} ${path} ${rule} ${severity}`)).toEqual([
      // In path order: lab-next/ sorts before lab/.
      'lab-next/require-sbom-attestation.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreSCT lint/insecure-verification warning',
      'lab-next/require-sbom-attestation.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreTlog lint/insecure-verification warning',
      'lab-next/verify-image-signatures.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreSCT lint/insecure-verification warning',
      'lab-next/verify-image-signatures.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreTlog lint/insecure-verification warning',
      `lab/require-sbom-attestation.yaml ${attestationKeyless}.ctlog.ignoreSCT lint/insecure-verification warning`,
      `lab/require-sbom-attestation.yaml ${attestationKeyless}.rekor.ignoreTlog lint/insecure-verification warning`,
      `lab/verify-image-signatures.yaml ${keyless}.ctlog.ignoreSCT lint/insecure-verification warning`,
      `lab/verify-image-signatures.yaml ${keyless}.rekor.ignoreTlog lint/insecure-verification warning`,
    ]);
    expect(warnings.find((w) => w.path.endsWith('rekor.ignoreTlog'))?.message).toBe(
      `signatures are accepted without a transparency log entry: trust root "lab-ca" sets insecureIgnoreTlog (${LAB_REASONS.insecureIgnoreTlog})`,
    );
  });

  it('refuses a switch no trust root acknowledges, in either engine', () => {
    const corp = environments.find((env) => env.name === 'corp');
    const policy = objectsIn(synthesis.tree, 'corp/verify-image-signatures.yaml')[0];
    policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.rekor.ignoreTlog = true;
    expect(validateObject(policy, { environment: corp }).filter((v) => v.rule === 'lint/insecure-verification')).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keyless', 'rekor', 'ignoreTlog'],
        message:
          'signatures are accepted without a transparency log entry, and no trust root of the config sets insecureIgnoreTlog with a reason',
        rule: 'lint/insecure-verification',
      },
    ]);
    const next = objectsIn(synthesis.tree, 'corp-next/verify-image-signatures.yaml')[0];
    next.spec.attestors[0].cosign.ctlog.insecureIgnoreSCT = true;
    const corpNext = environments.find((env) => env.name === 'corp-next');
    expect(validateObject(next, { environment: corpNext }).map((v) => [v.rule, v.severity])).toEqual([
      ['lint/insecure-verification', undefined],
    ]);
  });

  it('synth prints each warning and writes the output', () => {
    const dir = tempDir();
    const { code, out } = runCli('synth', '--config', PRIVATE_SIGSTORE_CONFIG, '--outdir', join(dir, 'dist'));
    expect(code).toBe(0);
    const warnings = out.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toHaveLength(8);
    expect(warnings[0]).toMatch(
      /^warning: lab-next\/require-sbom-attestation\.yaml: spec\.attestors\[0\]\.cosign\.ctlog\.insecureIgnoreSCT: .* \(the lab CA runs no certificate transparency log\) \[lint\/insecure-verification\]$/,
    );
  });
});

describe('the switches in the resolved definition (what a comparison of an enforced policy before and after reads)', () => {
  it('each image verification of a weakened environment names its switches and reasons; any other names none', () => {
    for (const env of environments) {
      for (const check of imageVerificationsOf(env)) {
        const expected = env.name.startsWith('lab') ? Object.entries(LAB_REASONS).map(([name, reason]) => ({ name, reason })) : [];
        expect(insecureSwitches(check.signer.trustRoot), `${env.name}/${check.name}`).toEqual(expected);
      }
    }
  });
});
