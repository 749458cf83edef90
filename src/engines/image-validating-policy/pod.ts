import type { ImageValidatingPolicySpecMatchConstraintsNamespaceSelectorMatchExpressions as NamespaceRequirement } from '../../../imports/ivpol-policies.kyverno.io';
import type { PolicyDefinition } from '../../policies/guardrail';

/** The immutable label the API server puts on every Namespace: selecting on it cannot be spoofed. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A Pod's three container lists, each with how a message names it; every image check covers all three. */
export const CONTAINER_LISTS = [
  { field: 'containers', noun: 'container' },
  { field: 'initContainers', noun: 'init container' },
  { field: 'ephemeralContainers', noun: 'ephemeral container' },
] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/** The Pod rule every policies.kyverno.io guardrail matches: one rule for `pods`, so Kyverno autogen covers controllers. */
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
