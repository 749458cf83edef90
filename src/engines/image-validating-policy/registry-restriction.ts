import type { Construct } from 'constructs';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy as FailurePolicy,
  ValidatingPolicySpecValidationActions as ValidationAction,
  type ValidatingPolicySpecValidations as Validation,
} from '../../../imports/vpol-policies.kyverno.io';
import { policyMetadata, type RegistryRestriction } from '../../policies/guardrail';
import { celMatchesAnyGlob } from './cel';
import { CONTAINER_LISTS, POD_RESOURCE_RULES, namespaceRequirements, type ContainerList } from './pod';

/**
 * The registry restriction as a `policies.kyverno.io/v1` ValidatingPolicy: it checks the Pod itself, not images
 * in a registry, so it is no ImageValidatingPolicy. Same matching, namespace scope and phase semantics as the
 * engine's ImageValidatingPolicies; background scans are on, as for the ClusterPolicy rendering, because they
 * cost no registry calls and report Pods that were already running before the policy.
 */
export function renderRegistryRestriction(scope: Construct, restriction: RegistryRestriction): ValidatingPolicy {
  const enforce = restriction.phase === 'enforce';
  return new ValidatingPolicy(scope, 'Resource', {
    metadata: policyMetadata(restriction),
    spec: {
      validationActions: [enforce ? ValidationAction.DENY : ValidationAction.AUDIT],
      failurePolicy: restriction.failurePolicy === 'Fail' ? FailurePolicy.FAIL : FailurePolicy.IGNORE,
      webhookConfiguration: { timeoutSeconds: restriction.timeoutSeconds },
      evaluation: { background: { enabled: true } },
      matchConstraints: {
        resourceRules: POD_RESOURCE_RULES,
        namespaceSelector: { matchExpressions: namespaceRequirements(restriction) },
      },
      validations: CONTAINER_LISTS.map((list) => validation(restriction, list)),
    },
  });
}

/** Every image in one container list (absent lists read as empty) matches an allowed glob. */
function validation(restriction: RegistryRestriction, list: ContainerList): Validation {
  return {
    expression: `object.spec.?${list.field}.orValue([]).all(container, ${celMatchesAnyGlob('container.image', restriction.allowedImages)})`,
    message: `${list.noun} ${restriction.message}`,
  };
}
