import type { Construct } from 'constructs';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy as FailurePolicy,
  ValidatingPolicySpecValidationActions as ValidationAction,
} from '../../../imports/vpol-policies.kyverno.io';
import { policyMetadata, type RegistryRestriction } from '../../policies/guardrail';
import { registryRestrictionValidations } from '../cel';
import { POD_RESOURCE_RULES, namespaceRequirements } from './pod';

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
      validations: registryRestrictionValidations(restriction),
    },
  });
}
