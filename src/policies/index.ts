import type { Construct } from 'constructs';
import type { Environment, PolicyName } from '../model/environment';
import type { GuardrailProps } from './guardrail';
import { RequireProvenanceAttestation } from './require-provenance-attestation';
import { RequireSbomAttestation } from './require-sbom-attestation';
import { RestrictImageRegistries } from './restrict-image-registries';
import { VerifyImageSignatures } from './verify-image-signatures';

/** Adds one guardrail: the props every guardrail shares, plus the environment settings only this one reads. */
type GuardrailFactory = (scope: Construct, id: string, common: GuardrailProps, environment: Environment) => Construct;

/** Every guardrail by policy name; the config's `policies` keys are these names. */
export const GUARDRAILS: Readonly<Record<PolicyName, GuardrailFactory>> = {
  'verify-image-signatures': (scope, id, common) => new VerifyImageSignatures(scope, id, common),
  'require-sbom-attestation': (scope, id, common, env) => new RequireSbomAttestation(scope, id, { ...common, ...env.sbom }),
  'restrict-image-registries': (scope, id, common, env) =>
    new RestrictImageRegistries(scope, id, { ...common, thirdPartyImages: env.thirdPartyImages }),
  'require-provenance-attestation': (scope, id, common, env) =>
    new RequireProvenanceAttestation(scope, id, { ...common, ...env.provenance }),
};
