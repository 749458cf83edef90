import type { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesVerifyImagesFailureAction as FailureAction,
  ClusterPolicySpecWebhookConfigurationFailurePolicy as WebhookFailurePolicy,
  type ClusterPolicySpecRulesVerifyImages,
  type ClusterPolicySpecRulesVerifyImagesAttestors,
} from '../../../imports/cpol-kyverno.io';
import { policyMetadata, type ImageVerification, type PolicyEngine } from '../../policies/guardrail';

/**
 * The `kyverno.io/v1` ClusterPolicy engine: what the seed and today's clusters run.
 *
 * Written so Kyverno v1.19.0's policy webhook admits it: the failure action sits on the verifyImages entry
 * (the spec-level field is deprecated), audit entries turn digest mutation and verification off explicitly
 * (the CRD defaults mutateDigest to true, which the webhook rejects under Audit), and every keyless attestor
 * names its Rekor URL (the webhook rejects one with neither Rekor URL nor roots).
 */
export const clusterPolicyEngine: PolicyEngine = {
  kind: 'ClusterPolicy',
  renderImageVerification(scope: Construct, check: ImageVerification): ClusterPolicy {
    const enforce = check.phase === 'enforce';
    const attestors: ClusterPolicySpecRulesVerifyImagesAttestors[] = [
      { entries: [{ keyless: { issuer: check.signer.issuer, subject: check.signer.subject, rekor: { url: check.signer.rekorUrl } } }] },
    ];
    const verifyImages: ClusterPolicySpecRulesVerifyImages = {
      imageReferences: [...check.imagePatterns],
      failureAction: enforce ? FailureAction.ENFORCE : FailureAction.AUDIT,
      mutateDigest: enforce,
      verifyDigest: enforce,
      required: true,
      ...(check.attestation
        ? { attestations: [{ name: check.attestation.name, type: check.attestation.predicateType, attestors }] }
        : { attestors }),
    };
    return new ClusterPolicy(scope, 'Resource', {
      metadata: policyMetadata(check),
      spec: {
        background: false,
        webhookConfiguration: {
          failurePolicy: check.failurePolicy === 'Fail' ? WebhookFailurePolicy.FAIL : WebhookFailurePolicy.IGNORE,
          timeoutSeconds: check.timeoutSeconds,
        },
        rules: [
          {
            name: check.ruleName,
            match: { any: [{ resources: { kinds: ['Pod'], namespaces: check.namespaces && [...check.namespaces] } }] },
            exclude: { any: [{ resources: { namespaces: [...check.excludeNamespaces] } }] },
            verifyImages: [verifyImages],
          },
        ],
      },
    });
  },
};
