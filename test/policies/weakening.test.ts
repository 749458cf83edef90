// What the regression gate counts as weakening an enforced guardrail, judged on the engine-neutral definitions: every
// change that lets more through, and none that only narrows. The gate around it: test/output/weakening-gate.test.ts.
import { describe, expect, test } from 'vitest';
import type { Environment, PolicyName } from '../../src/model/environment';
import { publicTrustRoot, type PrivateTrustRoot } from '../../src/model/trust-root';
import { GUARDRAILS } from '../../src/policies';
import { resolveGuardrail } from '../../src/policies/guardrail';
import { weakeningsOf } from '../../src/policies/weakening';
import { testEnvironment } from '../helpers';

const ALL_ENFORCED = new Map(
  (['verify-image-signatures', 'require-sbom-attestation', 'restrict-image-registries', 'require-provenance-attestation'] as const).map(
    (name) => [name, { phase: 'enforce' as const }],
  ),
);

/** What `policy` lets through once the environment (every guardrail enforced) changes from `before` to `after`. */
function weakenings(policy: PolicyName, before: Partial<Environment>, after: Partial<Environment>): string[] {
  const resolve = (overrides: Partial<Environment>) =>
    resolveGuardrail(GUARDRAILS[policy], testEnvironment({ policies: ALL_ENFORCED, ...overrides }));
  return weakeningsOf(resolve(before), resolve(after));
}

const SIGNER = testEnvironment().signer;

test('an unchanged definition, or one whose words only change, weakens nothing', () => {
  for (const policy of Object.keys(GUARDRAILS) as PolicyName[]) expect(weakenings(policy, {}, {})).toEqual([]);
});

describe('phase and webhook', () => {
  test('demoting to audit weakens every guardrail, and failing open with it is said too', () => {
    const demoted = new Map([...ALL_ENFORCED].map(([name]) => [name, { phase: 'audit' as const }]));
    for (const policy of Object.keys(GUARDRAILS) as PolicyName[]) {
      expect(weakenings(policy, {}, { policies: demoted })).toEqual([
        'demoted from enforce to audit: violations are reported, no longer denied',
        'fails open (failurePolicy Fail → Ignore): Pods are admitted unchecked whenever Kyverno does not answer',
      ]);
    }
  });

  test('failurePolicy Fail → Ignore weakens; a shorter timeout weakens only while failing open', () => {
    const failOpen = { webhook: { timeoutSeconds: 30, failurePolicy: 'Ignore' as const } };
    expect(weakenings('verify-image-signatures', {}, failOpen)).toEqual([
      'fails open (failurePolicy Fail → Ignore): Pods are admitted unchecked whenever Kyverno does not answer',
    ]);
    expect(weakenings('verify-image-signatures', failOpen, { webhook: { ...failOpen.webhook, timeoutSeconds: 10 } })).toEqual([
      'gives up sooner (30s → 10s) and then admits unchecked (failurePolicy Ignore)',
    ]);
    expect(weakenings('verify-image-signatures', {}, { webhook: { timeoutSeconds: 10 } })).toEqual([]);
    expect(weakenings('verify-image-signatures', failOpen, {})).toEqual([]);
  });
});

describe('namespaces checked', () => {
  const excluded = ['flux-system', 'kube-system', 'kyverno'];
  test('excluding a namespace, or scoping a policy that checked every namespace, weakens it', () => {
    expect(weakenings('restrict-image-registries', {}, { excludeNamespaces: [...excluded, 'sandbox'] })).toEqual([
      'no longer checks namespace sandbox',
    ]);
    expect(weakenings('verify-image-signatures', {}, { namespaces: ['apps'] })).toEqual([
      'checks only namespaces apps, where it checked every namespace but the excluded ones',
    ]);
    expect(weakenings('verify-image-signatures', { namespaces: ['apps', 'web'] }, { namespaces: ['web'] })).toEqual([
      'no longer checks namespace apps',
    ]);
    expect(
      weakenings(
        'verify-image-signatures',
        { namespaces: ['apps', 'web'] },
        { namespaces: ['apps', 'web'], excludeNamespaces: [...excluded, 'web'] },
      ),
    ).toEqual(['no longer checks namespace web']);
  });

  test('checking more namespaces, or excluding one the scope never listed, weakens nothing', () => {
    expect(weakenings('verify-image-signatures', { namespaces: ['apps'] }, { namespaces: ['apps', 'web'] })).toEqual([]);
    expect(weakenings('verify-image-signatures', { namespaces: ['apps'] }, {})).toEqual([]);
    expect(weakenings('verify-image-signatures', { excludeNamespaces: [...excluded, 'sandbox'] }, {})).toEqual([]);
    expect(
      weakenings('verify-image-signatures', { namespaces: ['apps'] }, { namespaces: ['apps'], excludeNamespaces: [...excluded, 'x'] }),
    ).toEqual([]);
  });
});

describe('image patterns: an added pattern widens the registry restriction, a removed one narrows what is verified', () => {
  test('an added pattern', () => {
    const added = { imagePatterns: ['ghcr.io/acme/*', 'registry.acme.example/*'] };
    expect(weakenings('restrict-image-registries', {}, added)).toEqual(['admits images matching registry.acme.example/*']);
    expect(weakenings('verify-image-signatures', {}, added)).toEqual([]);
  });

  test('a removed or narrowed pattern', () => {
    const before = { imagePatterns: ['ghcr.io/acme/*', 'registry.acme.example/*'] };
    expect(weakenings('verify-image-signatures', before, {})).toEqual(['no longer verifies every image matching registry.acme.example/*']);
    expect(weakenings('require-sbom-attestation', {}, { imagePatterns: ['ghcr.io/acme/app/*'] })).toEqual([
      'no longer verifies every image matching ghcr.io/acme/*',
    ]);
    expect(weakenings('restrict-image-registries', before, {})).toEqual([]);
    expect(weakenings('restrict-image-registries', {}, { imagePatterns: ['ghcr.io/acme/app/*'] })).toEqual([]);
  });

  test('a widened pattern widens the restriction only', () => {
    const before = { imagePatterns: ['ghcr.io/acme/app/*'] };
    expect(weakenings('restrict-image-registries', before, {})).toEqual(['admits images matching ghcr.io/acme/*']);
    expect(weakenings('verify-image-signatures', before, {})).toEqual([]);
  });

  test('an added third-party image widens the restriction; a removed one narrows it', () => {
    expect(weakenings('restrict-image-registries', {}, { thirdPartyImages: ['docker.io/library/nginx:*'] })).toEqual([
      'admits images matching docker.io/library/nginx:*',
    ]);
    expect(weakenings('restrict-image-registries', { thirdPartyImages: ['docker.io/library/nginx:*'] }, {})).toEqual([]);
    // Already admitted by an image pattern: nothing more gets through.
    expect(weakenings('restrict-image-registries', {}, { thirdPartyImages: ['ghcr.io/acme/base:1'] })).toEqual([]);
  });
});

describe('signer identities and trust', () => {
  test('a subject that matches more identities, another issuer, another transparency log weaken every signature check', () => {
    const narrow = { signer: { ...SIGNER, subject: 'https://github.com/acme/app/*' } };
    for (const policy of ['verify-image-signatures', 'require-sbom-attestation'] as const) {
      expect(weakenings(policy, narrow, {})).toEqual([
        'accepts signer subject https://github.com/acme/* (was https://github.com/acme/app/*)',
      ]);
      expect(weakenings(policy, {}, narrow)).toEqual([]);
      expect(weakenings(policy, {}, { signer: { ...SIGNER, issuer: 'https://gitlab.example.com' } })).toEqual([
        'accepts certificates of issuer https://gitlab.example.com (was https://token.actions.githubusercontent.com)',
      ]);
      expect(weakenings(policy, {}, { signer: { ...SIGNER, trustRoot: publicTrustRoot('https://rekor.example.com') } })).toEqual([
        'trusts another Sigstore instance (public, Rekor https://rekor.sigstore.dev → public, Rekor https://rekor.example.com)',
      ]);
    }
    expect(weakenings('restrict-image-registries', narrow, {})).toEqual([]);
  });

  test('a trust root that gains an insecure switch, or trusts other roots, weakens; one that drops a switch does not', () => {
    const corp: PrivateTrustRoot = {
      kind: 'private',
      name: 'corp',
      source: { form: 'files' },
      material: { fulcio: { roots: { pem: 'ROOT A' } }, rekor: { url: 'https://rekor.corp.example', publicKey: { pem: 'REKOR KEY' } } },
    };
    const signedUnder = (trustRoot: PrivateTrustRoot) => ({ signer: { ...SIGNER, trustRoot } });
    const withoutLog = { ...corp, material: { fulcio: corp.material!.fulcio }, insecureIgnoreTlog: 'the log is offline' };
    expect(weakenings('verify-image-signatures', signedUnder(corp), signedUnder(withoutLog))).toEqual([
      'trusts another Sigstore instance (private corp → private corp)',
      'signatures are accepted without a transparency log entry (trust root corp: insecureIgnoreTlog)',
    ]);
    expect(weakenings('verify-image-signatures', signedUnder(corp), signedUnder({ ...corp, insecureIgnoreSCT: 'no CT log yet' }))).toEqual([
      'signing certificates are accepted without a certificate transparency timestamp (SCT) (trust root corp: insecureIgnoreSCT)',
    ]);
    expect(
      weakenings(
        'require-sbom-attestation',
        signedUnder(corp),
        signedUnder({ ...corp, material: { ...corp.material!, fulcio: { roots: { pem: 'ROOT B' } } } }),
      ),
    ).toEqual(['trusts another Sigstore instance (private corp → private corp)']);
    expect(weakenings('verify-image-signatures', {}, signedUnder(corp))).toEqual([
      'trusts another Sigstore instance (public, Rekor https://rekor.sigstore.dev → private corp)',
    ]);
    expect(weakenings('verify-image-signatures', signedUnder({ ...corp, insecureIgnoreSCT: 'no CT log yet' }), signedUnder(corp))).toEqual(
      [],
    );
  });

  test('a wider provenance signer weakens the provenance check only', () => {
    const provenanceSigner = { ...SIGNER, subject: 'https://github.com/acme/build/*' };
    const wider = { provenance: { provenanceSigner: { ...SIGNER, subject: 'https://github.com/acme/*' } } };
    expect(weakenings('require-provenance-attestation', { provenance: { provenanceSigner } }, wider)).toEqual([
      'accepts signer subject https://github.com/acme/* (was https://github.com/acme/build/*)',
      // The builder allowed by default is the provenance signer.
      'accepts runDetails.builder.id matching https://github.com/acme/* in the attestation',
    ]);
    expect(weakenings('verify-image-signatures', { provenance: { provenanceSigner } }, wider)).toEqual([]);
  });
});

describe('attestations', () => {
  test('another SBOM format, a longer or no maximum age weaken the SBOM check; a shorter or a new one do not', () => {
    expect(weakenings('require-sbom-attestation', {}, { sbom: { format: 'cyclonedx' } })).toEqual([
      'accepts a https://cyclonedx.org/bom attestation instead of https://spdx.dev/Document',
    ]);
    const month = { sbom: { maxAgeSeconds: 30 * 86_400 } };
    expect(weakenings('require-sbom-attestation', month, { sbom: { maxAgeSeconds: 90 * 86_400 } })).toEqual([
      'accepts creationInfo.created up to 2160h old (was 720h)',
    ]);
    expect(weakenings('require-sbom-attestation', month, {})).toEqual(['no longer checks creationInfo.created in the attestation']);
    expect(weakenings('require-sbom-attestation', month, { sbom: { maxAgeSeconds: 86_400 } })).toEqual([]);
    expect(weakenings('require-sbom-attestation', {}, month)).toEqual([]);
  });

  test('an added or wider builder or source repository weakens the provenance check; a removed one does not', () => {
    const builderIds = ['https://github.com/acme/build/.github/workflows/release.yml@refs/heads/main'];
    const sourceRepositories = ['https://github.com/acme/app'];
    const before = { provenance: { builderIds, sourceRepositories } };
    expect(
      weakenings('require-provenance-attestation', before, {
        provenance: { builderIds: [...builderIds, 'https://github.com/acme/other/*'], sourceRepositories },
      }),
    ).toEqual(['accepts runDetails.builder.id matching https://github.com/acme/other/* in the attestation']);
    expect(
      weakenings('require-provenance-attestation', before, {
        provenance: { builderIds, sourceRepositories: ['https://github.com/acme/*'] },
      }),
    ).toEqual(['accepts buildDefinition.externalParameters.workflow.repository matching https://github.com/acme/* in the attestation']);
    expect(
      weakenings(
        'require-provenance-attestation',
        { provenance: { builderIds, sourceRepositories: [...sourceRepositories, 'https://github.com/acme/web'] } },
        before,
      ),
    ).toEqual([]);
  });
});
