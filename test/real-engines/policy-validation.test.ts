import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { ENGINE_KINDS } from '../../src/model/environment';
import { validateObject } from '../../src/validate';
import { WEBHOOK_RULES } from '../../src/validate/kyverno-rules';
import { formatFieldPath } from '../../src/model/field-path';
import { fixtureObject, nonEmpty, objectsIn, tempDir, treeWithEngine } from '../helpers';
import { engineTestConfigs, expectedRuleCount, kyvernoApply, writeObjects, writeTree } from './support/kyverno';

/** A Pod whose image no environment governs or allows: every policy loads and is evaluated, none verifies an image. */
const NEUTRAL_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'neutral', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'example.invalid/neutral:1' }] },
};

describe.each(engineTestConfigs())('Kyverno v1.19.0 loads every policy of %s', (config) => {
  it.each(ENGINE_KINDS)('rendered as %s: every policy loads and passes the CLI policy validation', async (engine) => {
    const dir = tempDir();
    const tree = treeWithEngine(engine, config);
    writeTree(tree, dir);
    const pod = writeObjects(join(dir, 'neutral-pod.yaml'), [NEUTRAL_POD]);
    for (const env of nonEmpty(loadConfig(config), 'environments')) {
      const policies = [...env.policies.keys()].flatMap((name) => objectsIn(tree, `${env.name}/${name}.yaml`));
      const report = await kyvernoApply([join(dir, env.name), '--resource', pod]);
      const where = `${config} ${env.name} (${engine}):\n${report.output}`;
      expect(report.refused, where).toEqual([]);
      expect(report.error, where).toBe(0);
      // A policy the loader refuses is dropped without a word (fatal errors are logged at -v 3): count the rules.
      expect(report.rulesApplied, where).toBe(policies.reduce((sum, policy) => sum + expectedRuleCount(policy), 0));
      // Only the registry restriction judges an image it does not govern, and only where the Pod's namespace is in scope.
      expect(report.stdout, where).not.toMatch(
        /policy (verify-image-signatures|require-sbom-attestation|require-provenance-attestation) -> .* failed/,
      );
    }
  });
});

/** A valid enforced ClusterPolicy, to break one way per case. */
const BASE = 'production/verify-image-signatures.yaml';
const attestor = (p: any) => p.spec.rules[0].verifyImages[0].attestors[0];

/**
 * One policy per rule of the product's copy of Kyverno's webhook checks (src/validate/kyverno-rules.ts), breaking
 * exactly what the rule guards. Each must be refused by the product and by Kyverno's own policy validation.
 */
const KNOWN_BAD: Record<string, (policy: any) => void> = {
  'kyverno/mutate-digest-audit': (p) => {
    p.spec.rules[0].verifyImages[0].failureAction = 'Audit';
    p.spec.rules[0].verifyImages[0].mutateDigest = true;
  },
  'kyverno/image-reference-required': (p) => {
    delete p.spec.rules[0].verifyImages[0].imageReferences;
  },
  'kyverno/attestor-entry-required': (p) => {
    attestor(p).entries = [];
  },
  'kyverno/attestor-count': (p) => {
    attestor(p).count = 2;
  },
  'kyverno/attestor-kind': (p) => {
    attestor(p).entries[0].keys = { publicKeys: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' };
  },
  'kyverno/keyless-rekor-or-roots': (p) => {
    delete attestor(p).entries[0].keyless.rekor;
  },
  'kyverno/rekor-url-required': (p) => {
    attestor(p).entries[0].keyless.rekor = {};
  },
  'kyverno/webhook-timeout-range': (p) => {
    p.spec.webhookConfiguration.timeoutSeconds = 31;
  },
  'kyverno/deprecated-field-conflict': (p) => {
    p.spec.failurePolicy = 'Fail';
  },
  'kyverno/cluster-policy-namespace': (p) => {
    p.metadata.namespace = 'default';
  },
  'kyverno/policy-name-length': (p) => {
    p.metadata.name = 'a'.repeat(64);
  },
};

describe('known-bad ClusterPolicies: refused by src/validate/ and by Kyverno v1.19.0', () => {
  it('has a known-bad policy for every webhook rule the product mirrors', () => {
    expect(Object.keys(KNOWN_BAD).sort()).toEqual(WEBHOOK_RULES['kyverno.io/v1'].map((rule) => rule.id).sort());
  });

  it.each(Object.keys(KNOWN_BAD))('%s', async (ruleId) => {
    const policy = fixtureObject(BASE);
    KNOWN_BAD[ruleId](policy);
    const findings = validateObject(policy).filter((v) => v.rule === ruleId);
    expect(findings).toHaveLength(1);
    const file = writeObjects(join(tempDir(), 'policy.yaml'), [policy]);
    const pod = writeObjects(join(tempDir(), 'pod.yaml'), [NEUTRAL_POD]);
    const report = await kyvernoApply([file, '--resource', pod]);
    // Refused by the CLI's policy validation, which is the webhook's (pkg/validation/policy Validate): loaded (its
    // rules counted), listed with its reason, counted as an error, exit 1.
    expect(report.refused, `${ruleId}: Kyverno accepted the policy:\n${report.output}`).toHaveLength(1);
    expect(report.code).toBe(1);
    // The product's finding is Kyverno's: the same message, at the same field where Kyverno names one.
    const [{ message, path }] = findings;
    const reason = report.refused[0];
    expect(reason).toContain(message);
    const kyvernoField = /: (spec\.[^:]*): /.exec(reason)?.[1];
    if (kyvernoField !== undefined) expect(formatFieldPath(path)).toBe(kyvernoField);
  });
});
