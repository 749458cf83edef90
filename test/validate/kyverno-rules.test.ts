import { describe, expect, it } from 'vitest';
import { validateObject } from '../../src/validate';
import { admissionAuditPerEntry, WEBHOOK_RULES } from '../../src/validate/kyverno-rules';
import { fixtureObject, objectsIn, treeWithEngine } from '../helpers';

const AUDIT_SBOM = 'develop/require-sbom-attestation.yaml';
const ENFORCE_SIGNATURES = 'production/verify-image-signatures.yaml';

/** The violations of one rule only. */
function violationsOf(rule: string, policy: object) {
  return validateObject(policy as Record<string, unknown>).filter((v) => v.rule === rule);
}

describe('effective failure action (validate.go)', () => {
  it('defaults to Audit from the CRD default of spec.validationFailureAction', () => {
    expect(admissionAuditPerEntry({}, { verifyImages: [{}] })).toEqual([true]);
    expect(admissionAuditPerEntry({ validationFailureAction: 'Enforce' }, { verifyImages: [{}] })).toEqual([false]);
    expect(admissionAuditPerEntry({ validationFailureAction: 'enforce' }, { verifyImages: [{}] })).toEqual([false]);
  });

  it("lets an entry without failureAction inherit the previous entry's explicit action, not the spec's", () => {
    const rule = { verifyImages: [{}, { failureAction: 'Enforce' }, {}, { failureAction: 'Audit' }, {}] };
    expect(admissionAuditPerEntry({ validationFailureAction: 'Audit' }, rule)).toEqual([true, false, false, true, true]);
  });

  it('starts again from the spec for every rule', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    const second = structuredClone(policy.spec.rules[0]);
    second.name = 'second';
    delete second.verifyImages[0].failureAction;
    policy.spec.rules.push(second);
    expect(violationsOf('kyverno/mutate-digest-audit', policy).map((v) => v.path)).toEqual([
      ['spec', 'rules', 1, 'verifyImages', 0, 'mutateDigest'],
    ]);
  });
});

describe('Kyverno v1.19.0 policy webhook rules', () => {
  it('has a source citation for every rule', () => {
    for (const rule of Object.values(WEBHOOK_RULES).flat())
      expect(rule.source).toMatch(/^kyverno\/kyverno@v1\.19\.0 (api|pkg)\/\S+\.go \S+/);
  });

  it('run on the kinds of the engines that name their set: ClusterPolicies, not the policies.kyverno.io kinds', () => {
    const clusterPolicy = fixtureObject(ENFORCE_SIGNATURES);
    const imageValidatingPolicy = objectsIn(treeWithEngine('ImageValidatingPolicy'), ENFORCE_SIGNATURES)[0];
    const webhookFindings = (policy: object) =>
      validateObject(policy as Record<string, unknown>)
        .map((v) => v.rule)
        .filter((rule) => rule.startsWith('kyverno/'));
    for (const policy of [clusterPolicy, imageValidatingPolicy]) policy.metadata.namespace = 'default';
    expect(webhookFindings(clusterPolicy)).toEqual(['kyverno/cluster-policy-namespace']);
    expect(webhookFindings(imageValidatingPolicy)).toEqual([]);
  });

  it('kyverno/mutate-digest-audit: mutateDigest left at its CRD default under Audit', () => {
    const policy = fixtureObject(AUDIT_SBOM);
    delete policy.spec.rules[0].verifyImages[0].mutateDigest;
    expect(violationsOf('kyverno/mutate-digest-audit', policy)).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0, 'mutateDigest'],
        message: 'Invalid value: true: mutateDigest must be set to false for ‘Audit’ failure action',
        rule: 'kyverno/mutate-digest-audit',
      },
    ]);
    expect(violationsOf('kyverno/mutate-digest-audit', fixtureObject(AUDIT_SBOM))).toEqual([]);
    expect(violationsOf('kyverno/mutate-digest-audit', fixtureObject(ENFORCE_SIGNATURES))).toEqual([]);
  });

  it('kyverno/mutate-digest-audit: an entry inheriting Audit from the previous entry', () => {
    const policy = fixtureObject(AUDIT_SBOM);
    const [audit] = policy.spec.rules[0].verifyImages;
    policy.spec.validationFailureAction = 'Enforce';
    const inheriting = { ...structuredClone(audit), mutateDigest: true };
    delete inheriting.failureAction;
    policy.spec.rules[0].verifyImages.push(inheriting);
    expect(violationsOf('kyverno/mutate-digest-audit', policy).map((v) => v.path)).toEqual([
      ['spec', 'rules', 0, 'verifyImages', 1, 'mutateDigest'],
    ]);
  });

  it('kyverno/image-reference-required', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    policy.spec.rules[0].verifyImages[0].imageReferences = [];
    expect(violationsOf('kyverno/image-reference-required', policy)).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0],
        message: 'An image reference is required',
        rule: 'kyverno/image-reference-required',
      },
    ]);
    delete policy.spec.rules[0].verifyImages[0].imageReferences;
    policy.spec.rules[0].verifyImages[0].image = 'ghcr.io/acme/app';
    expect(violationsOf('kyverno/image-reference-required', policy)).toEqual([]);
  });

  it('kyverno/attestor-entry-required and kyverno/attestor-count, in attestations too', () => {
    const policy = fixtureObject(AUDIT_SBOM);
    const set = policy.spec.rules[0].verifyImages[0].attestations[0].attestors[0];
    const at = ['spec', 'rules', 0, 'verifyImages', 0, 'attestations', 0, 'attestors', 0];
    set.count = 2;
    expect(violationsOf('kyverno/attestor-count', policy)).toEqual([
      { path: at, message: 'Count cannot exceed length of entries', rule: 'kyverno/attestor-count' },
    ]);
    set.count = 1;
    expect(violationsOf('kyverno/attestor-count', policy)).toEqual([]);
    set.entries = [];
    expect(violationsOf('kyverno/attestor-entry-required', policy)).toEqual([
      { path: at, message: 'An entry is required', rule: 'kyverno/attestor-entry-required' },
    ]);
  });

  it('kyverno/attestor-kind: exactly one of keys, certificates, keyless, attestor', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    const entry = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0];
    entry.keys = { publicKeys: 'PEM' };
    const message = 'keys, certificates, keyless, or a nested attestor is required';
    expect(violationsOf('kyverno/attestor-kind', policy)).toEqual([
      { path: ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0], message, rule: 'kyverno/attestor-kind' },
    ]);
    delete entry.keys;
    delete entry.keyless;
    expect(violationsOf('kyverno/attestor-kind', policy)).toHaveLength(1);
    entry.keys = { publicKeys: 'PEM' };
    expect(violationsOf('kyverno/attestor-kind', policy)).toEqual([]);
  });

  it('kyverno/keyless-rekor-or-roots and kyverno/rekor-url-required, in nested attestor sets too', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    const entries = policy.spec.rules[0].verifyImages[0].attestors[0].entries;
    const keyless = entries[0].keyless;
    const at = ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keyless'];
    delete keyless.rekor;
    expect(violationsOf('kyverno/keyless-rekor-or-roots', policy)).toEqual([
      { path: at, message: 'Either Rekor URL or roots are required', rule: 'kyverno/keyless-rekor-or-roots' },
    ]);
    keyless.roots = 'PEM';
    expect(violationsOf('kyverno/keyless-rekor-or-roots', policy)).toEqual([]);
    keyless.rekor = { ignoreTlog: true };
    expect(violationsOf('kyverno/rekor-url-required', policy)).toEqual([
      { path: at, message: 'An URL is required', rule: 'kyverno/rekor-url-required' },
    ]);
    entries.push({ attestor: { entries: [{ keyless: { issuer: 'https://x.example', subject: 'a@x.example', rekor: {} } }] } });
    expect(violationsOf('kyverno/rekor-url-required', policy).map((v) => v.path)).toContainEqual([
      'spec',
      'rules',
      0,
      'verifyImages',
      0,
      'attestors',
      0,
      'entries',
      1,
      'attestor',
      'entries',
      0,
      'keyless',
    ]);
  });

  it('kyverno/webhook-timeout-range, for the current and the deprecated field', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    policy.spec.webhookConfiguration.timeoutSeconds = 31;
    policy.spec.webhookTimeoutSeconds = 0;
    expect(violationsOf('kyverno/webhook-timeout-range', policy)).toEqual([
      {
        path: ['spec', 'webhookTimeoutSeconds'],
        message: 'Invalid value: 0: the timeout value must be between 1 and 30 seconds',
        rule: 'kyverno/webhook-timeout-range',
      },
      {
        path: ['spec', 'webhookConfiguration', 'timeoutSeconds'],
        message: 'Invalid value: 31: the timeout value must be between 1 and 30 seconds',
        rule: 'kyverno/webhook-timeout-range',
      },
    ]);
    policy.spec.webhookConfiguration.timeoutSeconds = 30;
    delete policy.spec.webhookTimeoutSeconds;
    expect(violationsOf('kyverno/webhook-timeout-range', policy)).toEqual([]);
  });

  it('kyverno/deprecated-field-conflict: deprecated and current webhook fields both set', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    policy.spec.webhookTimeoutSeconds = 30;
    policy.spec.failurePolicy = 'Fail';
    expect(violationsOf('kyverno/deprecated-field-conflict', policy)).toEqual([
      {
        path: ['spec', 'webhookTimeoutSeconds'],
        message: 'Forbidden: remove the deprecated field and use spec.webhookConfiguration.timeoutSeconds instead',
        rule: 'kyverno/deprecated-field-conflict',
      },
      {
        path: ['spec', 'failurePolicy'],
        message: 'Forbidden: remove the deprecated field and use spec.webhookConfiguration.failurePolicy instead',
        rule: 'kyverno/deprecated-field-conflict',
      },
    ]);
    delete policy.spec.webhookConfiguration;
    expect(violationsOf('kyverno/deprecated-field-conflict', policy)).toEqual([]);
  });

  it('kyverno/cluster-policy-namespace', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    expect(violationsOf('kyverno/cluster-policy-namespace', policy)).toEqual([]);
    policy.metadata.namespace = 'kyverno';
    expect(violationsOf('kyverno/cluster-policy-namespace', policy)).toEqual([
      {
        path: ['metadata', 'namespace'],
        message: 'A clusterpolicy should not have the namespace defined',
        rule: 'kyverno/cluster-policy-namespace',
      },
    ]);
  });

  it('kyverno/policy-name-length: at most 63 bytes', () => {
    const policy = fixtureObject(ENFORCE_SIGNATURES);
    policy.metadata.name = 'x'.repeat(63);
    expect(violationsOf('kyverno/policy-name-length', policy)).toEqual([]);
    policy.metadata.name = 'x'.repeat(64);
    expect(violationsOf('kyverno/policy-name-length', policy)).toEqual([
      { path: ['metadata', 'name'], message: 'Too long: may not be more than 63 bytes', rule: 'kyverno/policy-name-length' },
    ]);
  });

  it('never throws on a malformed policy', () => {
    const malformed = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: 7,
      spec: { rules: [null, { verifyImages: 'x' }, { verifyImages: [{ attestors: [{ entries: [null] }] }] }] },
    };
    expect(() => validateObject(malformed)).not.toThrow();
  });
});
