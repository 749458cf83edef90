import type { Construct } from 'constructs';
import {
  ImageValidatingPolicy,
  ImageValidatingPolicySpecFailurePolicy as FailurePolicy,
  ImageValidatingPolicySpecValidationActions as ValidationAction,
  type ImageValidatingPolicySpecAttestorsCosignKeylessIdentities as KeylessIdentity,
  type ImageValidatingPolicySpecMatchConstraintsNamespaceSelectorMatchExpressions as NamespaceRequirement,
  type ImageValidatingPolicySpecValidations as Validation,
} from '../../../imports/ivpol-policies.kyverno.io';
import { globToRegExp } from '../../model/glob';
import type { Signer } from '../../model/environment';
import { policyMetadata, type ImageVerification, type PolicyEngine } from '../../policies/guardrail';

/** The immutable label the API server puts on every Namespace: selecting on it cannot be spoofed. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Key of the one attestor each policy declares; a CEL identifier, so validations can say `attestors.signer`. */
const ATTESTOR = 'signer';

/**
 * The image lists Kyverno extracts from a Pod (and, through autogen, from a controller's Pod template), each with
 * how a message names it. Kyverno reads a missing list as `[]` and filters each list down to the images matching
 * `matchImageReferences`, so `images.<list>.all(…)` holds for a Pod without, say, init containers.
 */
const CONTAINER_LISTS = [
  { variable: 'containers', noun: 'container' },
  { variable: 'initContainers', noun: 'init container' },
  { variable: 'ephemeralContainers', noun: 'ephemeral container' },
] as const;

/**
 * The `policies.kyverno.io/v1` ImageValidatingPolicy engine, semantically equivalent to the ClusterPolicy one:
 * - it matches `pods` on CREATE and UPDATE with exactly one resource rule, no `excludeResourceRules` and no
 *   `objectSelector`, so Kyverno's autogen extends it to Pod controllers as ClusterPolicy's does; namespace
 *   scope and exclusions go through `namespaceSelector` instead;
 * - an identity `subject` is matched exactly here, so the ClusterPolicy subject glob becomes `subjectRegExp`
 *   (and an issuer glob `issuerRegExp`);
 * - audit reports without blocking or touching digests, enforce denies and pins digests, as ClusterPolicy does;
 * - one CEL validation per container list, so every image of the Pod is checked, init and ephemeral included.
 */
export const imageValidatingPolicyEngine: PolicyEngine = {
  kind: 'ImageValidatingPolicy',
  renderImageVerification(scope: Construct, check: ImageVerification): ImageValidatingPolicy {
    const enforce = check.phase === 'enforce';
    return new ImageValidatingPolicy(scope, 'Resource', {
      metadata: policyMetadata(check),
      spec: {
        validationActions: [enforce ? ValidationAction.DENY : ValidationAction.AUDIT],
        failurePolicy: check.failurePolicy === 'Fail' ? FailurePolicy.FAIL : FailurePolicy.IGNORE,
        webhookConfiguration: { timeoutSeconds: check.timeoutSeconds },
        evaluation: { background: { enabled: false } },
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
          namespaceSelector: { matchExpressions: namespaceRequirements(check) },
        },
        matchImageReferences: check.imagePatterns.map((glob) => ({ glob })),
        // Kyverno defaults all three to true; spelled out so each phase reads the same in every policy.
        validationConfigurations: { mutateDigest: enforce, verifyDigest: enforce, required: true },
        attestors: [
          {
            name: ATTESTOR,
            cosign: { keyless: { identities: [keylessIdentity(check.signer)] }, ctlog: { url: check.signer.rekorUrl } },
          },
        ],
        attestations: check.attestation && [{ name: check.attestation.name, intoto: { type: check.attestation.predicateType } }],
        validations: CONTAINER_LISTS.map((list) => validation(check, list)),
      },
    });
  },
};

/** Namespace scope (`In`) and exclusions (`NotIn`), ANDed as ClusterPolicy's match and exclude blocks are. */
function namespaceRequirements(check: ImageVerification): NamespaceRequirement[] {
  const requirements: NamespaceRequirement[] = [];
  if (check.namespaces) requirements.push({ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...check.namespaces] });
  // A NotIn requirement with no values is invalid, and excluding nothing needs no requirement.
  if (check.excludeNamespaces.length > 0) {
    requirements.push({ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...check.excludeNamespaces] });
  }
  return requirements;
}

/** ClusterPolicy matches issuer and subject as globs; here both match exactly unless given as regexps. */
function keylessIdentity(signer: Signer): KeylessIdentity {
  const issuer = signer.issuer.includes('*') ? { issuerRegExp: globToRegExp(signer.issuer) } : { issuer: signer.issuer };
  return { ...issuer, subjectRegExp: globToRegExp(signer.subject) };
}

/** The validation that every image in one container list passes the check, with a message naming list and signer. */
function validation(check: ImageVerification, list: (typeof CONTAINER_LISTS)[number]): Validation {
  const verified = check.attestation
    ? `verifyAttestationSignatures(image, attestations.${check.attestation.name}, [attestors.${ATTESTOR}])`
    : `verifyImageSignatures(image, [attestors.${ATTESTOR}])`;
  return {
    // Both functions return how many of the given attestors verified the image.
    expression: `images.${list.variable}.all(image, ${verified} > 0)`,
    message: `${list.noun} ${check.message} (subject ${check.signer.subject}, issuer ${check.signer.issuer})`,
  };
}
