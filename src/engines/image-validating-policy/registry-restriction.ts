import type { Construct } from 'constructs';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy as failurePolicy,
  ValidatingPolicySpecValidationActions as validationActions,
} from '../../../imports/vpol-policies.kyverno.io';
import type { RegistryRestriction } from '../../policies/definition';
import { policyMetadata } from '../../policies/metadata';
import { registryRestrictionValidations } from '../cel';
import type { RenderedKind } from '../engine';
import { POLICIES_KYVERNO_IO_READY, admissionSpec } from './pod';

/** The registry restriction's kind in this engine. */
export const VALIDATING_POLICY: RenderedKind = {
  ...ValidatingPolicy.GVK,
  ready: POLICIES_KYVERNO_IO_READY,
  reportSources: ['KyvernoValidatingPolicy'],
  testSelector: () => ({ isValidatingPolicy: true }),
};

/**
 * The registry restriction as a `policies.kyverno.io/v1` ValidatingPolicy: it checks the Pod itself, not images
 * in a registry, so it is no ImageValidatingPolicy. Same matching, namespace scope and phase semantics as the
 * engine's ImageValidatingPolicies; background scans are on, as for the ClusterPolicy rendering, because they
 * cost no registry calls and report Pods that were already running before the policy.
 */
export function renderRegistryRestriction(scope: Construct, restriction: RegistryRestriction): ValidatingPolicy {
  return new ValidatingPolicy(scope, 'Resource', {
    metadata: policyMetadata(restriction),
    spec: {
      ...admissionSpec({ failurePolicy, validationActions }, restriction, true),
      validations: registryRestrictionValidations(restriction),
    },
  });
}
