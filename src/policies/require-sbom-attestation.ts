import { Construct } from 'constructs';
import { resolveImageVerification, type GuardrailProps } from './guardrail';

/** Predicate type of an SPDX SBOM in-toto attestation (what `cosign attest --type spdxjson` writes). */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';

/** Properties of {@link RequireSbomAttestation}. */
export interface RequireSbomAttestationProps extends GuardrailProps {}

/** Every governed image must carry an SPDX SBOM as an in-toto attestation signed by the configured identity. */
export class RequireSbomAttestation extends Construct {
  /** Name of the ClusterPolicy rule; Kyverno reports it as `autogen-…` for Pod controllers. */
  static readonly RULE_NAME = 'verify-sbom-attestation';

  constructor(scope: Construct, id: string, props: RequireSbomAttestationProps) {
    super(scope, id);
    props.engine.renderImageVerification(
      this,
      resolveImageVerification(props, {
        name: 'require-sbom-attestation',
        ruleName: RequireSbomAttestation.RULE_NAME,
        description: {
          title: 'Require a signed SPDX SBOM attestation',
          category: 'Software Supply Chain Security',
          severity: 'high',
          description:
            'Pods may only run images that carry an SPDX SBOM as an in-toto attestation, ' +
            'signed by the trusted CI identity and recorded in the Rekor transparency log.',
        },
        message: 'image has no SPDX SBOM attestation signed by the trusted identity',
        attestation: { name: 'sbom', predicateType: SPDX_PREDICATE_TYPE },
      }),
    );
  }
}
