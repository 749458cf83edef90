import type { Construct } from 'constructs';
import type { PolicyName } from '../model/environment';
import type { GuardrailProps } from './guardrail';
import { RequireSbomAttestation } from './require-sbom-attestation';
import { VerifyImageSignatures } from './verify-image-signatures';

interface GuardrailConstruct {
  new (scope: Construct, id: string, props: GuardrailProps): Construct;
  /** The rule the ClusterPolicy engine names; policy reports carry it (or its autogen variants). */
  readonly RULE_NAME: string;
}

/** Every guardrail by policy name; the config's `policies` keys are these names. */
export const GUARDRAILS: Readonly<Record<PolicyName, GuardrailConstruct>> = {
  'verify-image-signatures': VerifyImageSignatures,
  'require-sbom-attestation': RequireSbomAttestation,
};
