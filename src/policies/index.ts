import type { Environment, PolicyName } from '../model/environment';
import { resolveGuardrail, type Guardrail } from './guardrail';
import type { ImageVerification } from './definition';
import { requireProvenanceAttestation } from './require-provenance-attestation';
import { requireSbomAttestation } from './require-sbom-attestation';
import { restrictImageRegistries } from './restrict-image-registries';
import { verifyImageSignatures } from './verify-image-signatures';

/**
 * Every guardrail by policy name: the config's `policies` keys, the schema's, and what drills, readiness
 * checks and reports look for. A name of the model without its guardrail here, or under another guardrail's
 * name, does not compile.
 */
export const GUARDRAILS: { readonly [N in PolicyName]: Guardrail & { readonly policyName: N } } = {
  'verify-image-signatures': verifyImageSignatures,
  'require-sbom-attestation': requireSbomAttestation,
  'restrict-image-registries': restrictImageRegistries,
  'require-provenance-attestation': requireProvenanceAttestation,
};

/**
 * The resolved image verification definitions of an environment's enabled guardrails — signer, predicate type
 * and predicate conditions, defaults applied — from the very definitions its policies are rendered from, so
 * local checks can never drift from what the cluster enforces.
 */
export function imageVerificationsOf(env: Environment): ImageVerification[] {
  return [...env.policies.keys()].flatMap((name) => {
    const resolved = resolveGuardrail(GUARDRAILS[name], env);
    return resolved.check === 'imageVerification' ? [resolved.definition] : [];
  });
}
