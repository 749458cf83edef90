import type { ImageValidatingPolicySpecMatchConstraintsNamespaceSelectorMatchExpressions as NamespaceRequirement } from '../../../imports/ivpol-policies.kyverno.io';
import { NAMESPACE_NAME_LABEL } from '../../model/kubernetes';
import type { PolicyDefinition } from '../../policies/definition';
import { crdEnum } from '../engine';

/**
 * The Pod rule every policies.kyverno.io guardrail matches: one rule for `pods`, so Kyverno autogen covers controllers.
 *
 * Known gap: ephemeral containers added later (`kubectl debug`, an UPDATE of `pods/ephemeralcontainers`) are not
 * checked at admission. Kyverno registers the webhook rules of these kinds exactly as `resourceRules` lists them
 * (unlike ClusterPolicy, which adds the subresource to a Pod match), and v1.19.0's autogen check
 * (pkg/cel/autogen/support.go `CanAutoGen`) requires exactly one rule whose only resource is `pods`: listing the
 * subresource, in this rule or a second one, turns autogen off for every controller. kyverno/kyverno#17427 (merged
 * after v1.19.0) accepts `pods` plus `pods/ephemeralcontainers` in this one rule; add the subresource here once the
 * clusters run a release with it. No Pod is created with ephemeral containers (the API server refuses them on
 * create), so the `ephemeralContainers` validations fire on later UPDATEs of a debugged Pod: under Deny they block
 * metadata updates of a Pod carrying an image the policy refuses, by choice (docs/engines.md).
 */
export const POD_RESOURCE_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }];

/**
 * Namespace scope (`In`) and exclusions (`NotIn`), ANDed as ClusterPolicy's match and exclude blocks are. Both
 * policies.kyverno.io kinds take them as `matchConstraints.namespaceSelector.matchExpressions`.
 */
export function namespaceRequirements(definition: PolicyDefinition): NamespaceRequirement[] {
  const requirements: NamespaceRequirement[] = [];
  if (definition.namespaces) requirements.push({ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...definition.namespaces] });
  // A NotIn requirement with no values is invalid, and excluding nothing needs no requirement.
  if (definition.excludeNamespaces.length > 0) {
    requirements.push({ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...definition.excludeNamespaces] });
  }
  return requirements;
}

/**
 * The match condition that gives each policy a Kyverno webhook of its own (kyverno/kyverno#17275).
 *
 * Kyverno v1.19.0's webhook controller registers one webhook per policy ("fine-grained") when the policy has
 * match conditions that compile, `matchPolicy: Exact` or a webhook timeout; every other policy of the kind shares one
 * webhook per failure policy and selectors (pkg/controllers/webhook/validating.go:27-40 and 186-305), with no
 * timeout of its own (the API server's 10 s) and a handler that evaluates its policies one after another
 * (pkg/cel/policies/ivpol/engine/engine.go HandleValidating). Image verifications sharing one such webhook time out:
 * #17275, reported as "identical matchConstraints and no matchConditions". The timeout every policy carries
 * (`webhookConfiguration.timeoutSeconds`) already makes it fine-grained on v1.19.0; this condition makes it so
 * as the issue states the trigger, whatever a fix does with timeouts. test/support/kyverno-webhooks.ts models the
 * grouping, and test/engines/webhook-grouping.test.ts checks that no two generated policies of a cluster share a webhook.
 *
 * The expression is `true`: it lets every request through (a condition that could be false would skip the policy),
 * so nothing the policy checks changes. Kyverno copies it onto the webhook, wrapped per kind by autogen
 * (pkg/cel/autogen/match.go:67-96: `autogen-<name>`, `autogen-defaults-<name>`, `autogen-cronjobs-<name>`), and
 * whether it autogenerates reads `matchConstraints` only (support.go:13-42). The name stays a Kubernetes qualified
 * name (at most 63 characters) with those prefixes; the condition never reads `namespaceObject`, which the API
 * server leaves unset for webhooks (kyverno/kyverno#17069, not in v1.19.0).
 */
export const OWN_WEBHOOK_CONDITION = { name: 'guardrails-own-webhook', expression: 'true' } as const;

/** The generated enums of one policies.kyverno.io kind (each kind's CRD import has its own). */
interface AdmissionEnums<F extends string, A extends string> {
  readonly failurePolicy: Readonly<Record<string, F>>;
  readonly validationActions: Readonly<Record<string, A>>;
}

/**
 * How a policies.kyverno.io guardrail is admitted, the same for both kinds: audit reports and enforce denies,
 * the webhook's failure policy and timeout, Pods of the definition's namespaces, a webhook of its own, and whether
 * background scans run.
 */
export function admissionSpec<F extends string, A extends string>(
  enums: AdmissionEnums<F, A>,
  definition: PolicyDefinition,
  background: boolean,
) {
  return {
    validationActions: [crdEnum(enums.validationActions, definition.phase === 'enforce' ? 'Deny' : 'Audit')],
    failurePolicy: crdEnum(enums.failurePolicy, definition.failurePolicy),
    webhookConfiguration: { timeoutSeconds: definition.timeoutSeconds },
    evaluation: { background: { enabled: background } },
    matchConstraints: {
      resourceRules: POD_RESOURCE_RULES,
      namespaceSelector: { matchExpressions: namespaceRequirements(definition) },
    },
    matchConditions: [{ ...OWN_WEBHOOK_CONDITION }],
  };
}

/** The Ready status both policies.kyverno.io kinds report (their READY printer column reads the same field). */
export const POLICIES_KYVERNO_IO_READY = 'status.conditionStatus.ready == true';
