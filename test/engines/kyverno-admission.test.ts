// Kyverno v1.19.0 policy-webhook rules every synthesized ClusterPolicy must satisfy
// (api/kyverno/v1/image_verification_types.go, api/kyverno/v1/spec_types.go, pkg/validation/policy/validate.go).
import { describe, expect, test } from 'vitest';
import { IMAGE_VERIFICATION_POLICIES, nonEmpty, objectsIn, treeFor, writeConfig } from '../helpers';

// Each policy in each phase, so both the audit and the enforce rendering of every guardrail are covered.
const config = writeConfig(`
environments:
  - name: audit-env
    imagePatterns: [ghcr.io/acme/*, registry.acme.example/team/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: audit }
      require-sbom-attestation: { phase: audit }
      require-provenance-attestation: { phase: audit }
  - name: enforce-env
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/*, rekorUrl: https://rekor.acme.example }
    namespaces: [apps]
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
      require-provenance-attestation: { phase: enforce }
`);

const cases = ['audit-env', 'enforce-env'].flatMap((env) =>
  nonEmpty(IMAGE_VERIFICATION_POLICIES, 'image verification policies').map((policy) => ({ env, policy })),
);

describe.each(cases)('$env/$policy', ({ env, policy }) => {
  const tree = treeFor(config);
  const [cpol] = objectsIn(tree, `${env}/${policy}.yaml`);
  const entries: any[] = cpol.spec.rules.flatMap((r: any) => r.verifyImages ?? []);
  const enforce = env === 'enforce-env';
  const attestorSets: any[] = entries.flatMap((e) => [...(e.attestors ?? []), ...(e.attestations ?? []).flatMap((a: any) => a.attestors)]);
  const attestorEntries: any[] = attestorSets.flatMap((set) => set.entries);

  test('is one ClusterPolicy with a verifyImages rule', () => {
    expect(cpol).toMatchObject({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: policy } });
    expect(cpol.metadata.namespace).toBeUndefined();
    expect(entries.length).toBeGreaterThan(0);
  });

  test('the failure action sits on every verifyImages entry; the deprecated spec field is absent', () => {
    for (const entry of entries) expect(entry.failureAction).toBe(enforce ? 'Enforce' : 'Audit');
    expect(cpol.spec).not.toHaveProperty('validationFailureAction');
  });

  test('mutateDigest and verifyDigest are explicit: false under Audit, true under Enforce', () => {
    // The CRD defaults mutateDigest to true, and the webhook rejects that under Audit:
    // "mutateDigest must be set to false for ‘Audit’ failure action".
    for (const entry of entries) {
      expect(entry.mutateDigest).toBe(enforce);
      expect(entry.verifyDigest).toBe(enforce);
    }
  });

  test('every keyless attestor names a Rekor URL ("Either Rekor URL or roots are required")', () => {
    const keyless = attestorEntries.map((e) => e.keyless);
    expect(keyless.length).toBeGreaterThan(0);
    for (const k of keyless) expect(k.rekor.url).toMatch(/^https:\/\/\S+/);
    if (enforce) for (const k of keyless) expect(k.rekor.url).toBe('https://rekor.acme.example');
  });

  test('every attestor entry has exactly one of keys, certificates, keyless, attestor', () => {
    for (const entry of attestorEntries) {
      expect(['keys', 'certificates', 'keyless', 'attestor'].filter((k) => k in entry)).toHaveLength(1);
    }
    for (const set of attestorSets) expect(set.entries.length).toBeGreaterThan(0);
  });

  test('imageReferences is never empty and carries the environment patterns', () => {
    for (const entry of entries) {
      expect(entry.imageReferences).toEqual(enforce ? ['ghcr.io/acme/*'] : ['ghcr.io/acme/*', 'registry.acme.example/team/*']);
    }
  });

  test('webhook settings use webhookConfiguration, never the deprecated spec fields', () => {
    expect(cpol.spec).not.toHaveProperty('webhookTimeoutSeconds');
    expect(cpol.spec).not.toHaveProperty('failurePolicy');
    expect(cpol.spec.webhookConfiguration).toEqual({ timeoutSeconds: 30, failurePolicy: enforce ? 'Fail' : 'Ignore' });
  });

  test('matches Pods only (autogen covers controllers), no background scans, system namespaces excluded', () => {
    expect(cpol.spec.background).toBe(false);
    for (const rule of cpol.spec.rules) {
      expect(rule.name.length).toBeLessThanOrEqual(63 - 'autogen-cronjob-'.length);
      expect(rule.match.any).toEqual([{ resources: { kinds: ['Pod'], ...(enforce ? { namespaces: ['apps'] } : {}) } }]);
      expect(rule.exclude.any).toEqual([{ resources: { namespaces: ['flux-system', 'kube-system', 'kyverno'] } }]);
    }
  });

  test('carries the annotations Kyverno reports and UIs show', () => {
    for (const key of ['title', 'category', 'severity', 'description']) {
      expect(cpol.metadata.annotations[`policies.kyverno.io/${key}`]).toEqual(expect.any(String));
    }
  });
});

test('the SBOM policy checks an SPDX in-toto attestation signed by the environment signer', () => {
  const [cpol] = objectsIn(treeFor(config), 'enforce-env/require-sbom-attestation.yaml');
  const [entry] = cpol.spec.rules[0].verifyImages;
  expect(entry.attestors).toBeUndefined();
  expect(entry.attestations).toEqual([
    {
      name: 'sbom',
      type: 'https://spdx.dev/Document',
      attestors: [
        {
          entries: [
            {
              keyless: {
                issuer: 'https://token.actions.githubusercontent.com',
                subject: 'https://github.com/acme/*',
                rekor: { url: 'https://rekor.acme.example' },
              },
            },
          ],
        },
      ],
    },
  ]);
});
