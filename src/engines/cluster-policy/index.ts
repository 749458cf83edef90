import type { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
  ClusterPolicySpecRulesValidateFailureAction as ValidateFailureAction,
  ClusterPolicySpecRulesVerifyImagesAttestationsConditionsAllOperator as AllOperator,
  ClusterPolicySpecRulesVerifyImagesAttestationsConditionsAnyOperator as AnyOperator,
  ClusterPolicySpecRulesVerifyImagesFailureAction as FailureAction,
  ClusterPolicySpecWebhookConfigurationFailurePolicy as WebhookFailurePolicy,
  type ClusterPolicySpec,
  type ClusterPolicySpecRules,
  type ClusterPolicySpecRulesVerifyImages,
  type ClusterPolicySpecRulesVerifyImagesAttestationsConditions as AttestationConditions,
  type ClusterPolicySpecRulesVerifyImagesAttestors,
  type ClusterPolicySpecRulesVerifyImagesAttestorsEntriesKeyless as Keyless,
} from '../../../imports/cpol-kyverno.io';
import { registryRestrictionValidations } from '../cel';
import { crdEnum, type PolicyEngine, type RenderedKind } from '../engine';
import { goDuration } from '../../model/duration';
import type { ImageVerification, PolicyDefinition, RegistryRestriction } from '../../policies/definition';
import { policyMetadata } from '../../policies/metadata';
import { fieldPath, type PredicateCondition } from '../../policies/predicate';
import { PUBLIC_REKOR_URL, rootsPem, type TrustRoot } from '../../model/trust-root';
import { autogenRuleName, reportedRuleNames } from './rule-names';
import { imageGlobSpellings, type ImageSpelling } from '../../model/image-spellings';
import { splitImageReference } from '../../model/image-reference';

/** Both guardrail checks render as a ClusterPolicy with one Pod rule. */
const CLUSTER_POLICY: RenderedKind = {
  ...ClusterPolicy.GVK,
  ready: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  // Older reports leave the source out.
  reportSources: ['kyverno', undefined],
  reportedRules: reportedRuleNames,
  testSelector: (rule) => ({ rule: autogenRuleName(rule, 'pod-controller') }),
};

/**
 * The `kyverno.io/v1` ClusterPolicy engine: what today's clusters run.
 *
 * Written so Kyverno v1.19.0's policy webhook admits it: the failure action sits on the verifyImages entry
 * (the spec-level field is deprecated), audit entries turn digest mutation and verification off explicitly
 * (the CRD defaults mutateDigest to true, which the webhook rejects under Audit), and every keyless attestor
 * names its Rekor URL (the webhook rejects one with neither Rekor URL nor roots, and a `rekor` without URL). A
 * private trust root is given in the attestor's own fields (see {@link keylessTrust}). The registry restriction is
 * a `validate` rule with its own (rule-level) failure action.
 */
export const clusterPolicyEngine = {
  kind: 'ClusterPolicy',
  renders: { imageVerification: CLUSTER_POLICY, registryRestriction: CLUSTER_POLICY },
  renderImageVerification(scope: Construct, check: ImageVerification): ClusterPolicy {
    const enforce = check.phase === 'enforce';
    const attestors: ClusterPolicySpecRulesVerifyImagesAttestors[] = [
      { entries: [{ keyless: { issuer: check.signer.issuer, subject: check.signer.subject, ...keylessTrust(check.signer.trustRoot) } }] },
    ];
    const verifyImages: ClusterPolicySpecRulesVerifyImages = {
      imageReferences: imageReferences(check.imagePatterns),
      failureAction: enforce ? FailureAction.ENFORCE : FailureAction.AUDIT,
      mutateDigest: enforce,
      verifyDigest: enforce,
      required: true,
      ...(check.attestation
        ? {
            attestations: [
              {
                name: check.attestation.name,
                type: check.attestation.predicateType,
                attestors,
                conditions: check.attestation.conditions.length > 0 ? check.attestation.conditions.map(attestationConditions) : undefined,
              },
            ],
          }
        : { attestors }),
    };
    return new ClusterPolicy(scope, 'Resource', {
      metadata: policyMetadata(check),
      spec: policySpec(check, { ...podRule(check), verifyImages: [verifyImages] }, false),
    });
  },

  renderRegistryRestriction(scope: Construct, restriction: RegistryRestriction): ClusterPolicy {
    return new ClusterPolicy(scope, 'Resource', {
      metadata: policyMetadata(restriction),
      // Background scans cost no registry calls here and report Pods that were running before the policy.
      spec: policySpec(
        restriction,
        {
          // A Pod being deleted has no `object` for the CEL to read, and needs no image check.
          ...podRule(restriction, [Operation.CREATE, Operation.UPDATE]),
          validate: {
            failureAction: restriction.phase === 'enforce' ? ValidateFailureAction.ENFORCE : ValidateFailureAction.AUDIT,
            // CEL, not a pattern: the same expression as the ValidatingPolicy engine's (see registryRestrictionValidations).
            cel: { expressions: registryRestrictionValidations(restriction) },
          },
        },
        true,
      ),
    });
  },
  webhookRules: 'kyverno.io/v1',
} satisfies PolicyEngine;

/**
 * Each pattern, and the other spellings of the images it names (src/model/image-spellings.ts) that this engine can see:
 * Kyverno v1.19.0 matches `imageReferences` against its own spelling of a Pod's image (pkg/engine/utils/image.go:27-43),
 * which always names a registry (`docker.io/` added to a name without one: pkg/utils/image/infos.go:102-109, with the
 * defaults `defaultRegistry: docker.io` and `enableDefaultRegistryMutation: true` of pkg/config/config.go:290-291) and a
 * tag or a digest, never both (infos.go:34-46). An added spelling without a registry, without tag, digest or `*`, with
 * both, or whose `*` must stop at `/` (which this engine's `*` cannot) would never match, and is left out.
 */
function imageReferences(patterns: readonly string[]): string[] {
  const references = patterns.flatMap((pattern) => {
    const [itself, ...others] = imageGlobSpellings(pattern);
    return [itself.glob, ...others.filter(spelledByKyverno).map(({ glob }) => glob)];
  });
  return [...new Set(references)];
}

function spelledByKyverno({ glob, withinSegment }: ImageSpelling): boolean {
  const { host, tag, digest } = splitImageReference(glob);
  const tagOrDigest = tag === undefined || digest === undefined;
  return host !== undefined && !withinSegment && tagOrDigest && (tag !== undefined || digest !== undefined || glob.includes('*'));
}

/**
 * The trust fields of a keyless attestor, as Kyverno v1.19.0 reads them (pkg/engine/internal/imageverifier.go
 * cosign verifier options; pkg/image/verifiers/cpol/cosign/cosign.go buildCosignOptions):
 * - public: `rekor.url` only; Fulcio roots and log keys come from the public TUF repository;
 * - private: `roots` holds the Fulcio roots and intermediates (every certificate of it joins the root pool, so a
 *   signature without its chain still verifies), `rekor.{url,pubkey}` and `ctlog.{pubkey,tsaCertChain}`. Without a
 *   `rekor` block Kyverno checks the public Rekor log, so a trust root that ignores the log renders
 *   `rekor: {ignoreTlog: true}` with the public URL the webhook requires (the URL is never contacted then), and
 *   one that ignores SCTs `ctlog: {ignoreSCT: true}`.
 */
function keylessTrust(trustRoot: TrustRoot): Pick<Keyless, 'roots' | 'rekor' | 'ctlog'> {
  if (trustRoot.kind === 'public') return { rekor: { url: trustRoot.rekorUrl } };
  const material = trustRoot.material;
  if (material === undefined) throw new Error(`trust root ${trustRoot.name} has no PEM material for a ClusterPolicy`);
  return {
    roots: rootsPem(material),
    rekor: material.rekor ? { url: material.rekor.url, pubkey: material.rekor.publicKey.pem } : { url: PUBLIC_REKOR_URL, ignoreTlog: true },
    ctlog: {
      ...(material.ctlog ? { pubkey: material.ctlog.publicKey.pem } : { ignoreSct: true }),
      ...(material.tsa ? { tsaCertChain: material.tsa.certificateChain.pem } : {}),
    },
  };
}

/** The spec both ClusterPolicy guardrails share around their one rule. */
function policySpec(definition: PolicyDefinition, rule: ClusterPolicySpecRules, background: boolean): ClusterPolicySpec {
  return {
    background,
    webhookConfiguration: {
      failurePolicy: crdEnum(WebhookFailurePolicy, definition.failurePolicy),
      timeoutSeconds: definition.timeoutSeconds,
    },
    rules: [rule],
  };
}

/** A rule matching Pods only (autogen adds the Pod controllers) in the definition's namespaces. */
function podRule(definition: PolicyDefinition, operations?: Operation[]): Pick<ClusterPolicySpecRules, 'name' | 'match' | 'exclude'> {
  return {
    name: definition.ruleName,
    match: { any: [{ resources: { kinds: ['Pod'], namespaces: definition.namespaces && [...definition.namespaces], operations } }] },
    exclude: { any: [{ resources: { namespaces: [...definition.excludeNamespaces] } }] },
  };
}

/**
 * One `conditions` block per condition; Kyverno requires every block to hold, for every statement of the type.
 * Globs are compared with `Equals`, whose value is the wildcard pattern and key the predicate field; `AnyIn`
 * would also accept a field that is itself a wildcard (`*`), which a forged predicate could use.
 */
function attestationConditions(condition: PredicateCondition): AttestationConditions {
  const field = fieldPath(condition);
  switch (condition.kind) {
    case 'matchesAnyGlob':
      return {
        any: condition.globs.map((glob) => ({
          key: `{{ ${field} }}`,
          operator: AnyOperator.EQUALS,
          value: glob,
          message: condition.description,
        })),
      };
    case 'notOlderThan': {
      // time_since(layout, from, to): an empty layout parses RFC 3339, an empty `to` means now; a Go duration results.
      // Kyverno's numeric operators compare Go durations, so the age is bounded on both sides: a timestamp in the
      // future gives a negative age, which would otherwise pass forever.
      const age = `{{ time_since('', ${field}, '') }}`;
      return {
        all: [
          { key: age, operator: AllOperator.GREATER_THAN_OR_EQUALS, value: '0s', message: condition.description },
          {
            key: age,
            operator: AllOperator.LESS_THAN_OR_EQUALS,
            value: goDuration(condition.maxAgeSeconds),
            message: condition.description,
          },
        ],
      };
    }
  }
}
