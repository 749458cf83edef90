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

/** The generated enums of one policies.kyverno.io kind (each kind's CRD import has its own). */
interface AdmissionEnums<F extends string, A extends string> {
  readonly failurePolicy: Readonly<Record<string, F>>;
  readonly validationActions: Readonly<Record<string, A>>;
}

/**
 * How a policies.kyverno.io guardrail is admitted, the same for both kinds: audit reports and enforce denies,
 * the webhook's failure policy and timeout, Pods of the definition's namespaces, and whether background scans run.
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
  };
}

/** The Ready status both policies.kyverno.io kinds report (their READY printer column reads the same field). */
export const POLICIES_KYVERNO_IO_READY = 'status.conditionStatus.ready == true';
