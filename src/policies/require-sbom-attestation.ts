import { Construct } from 'constructs';
import type { SbomFormat } from '../model/environment';
import { GUARDRAIL_CATALOGUE } from './catalogue';
import { predicateField, SUPPLY_CHAIN_HIGH, resolveImageVerification, type GuardrailProps, type PredicateCondition, type PredicateField } from './guardrail';

const { policyName, clusterPolicyRule } = GUARDRAIL_CATALOGUE['require-sbom-attestation'];

/** Predicate type of an SPDX SBOM in-toto attestation (what `cosign attest --type spdxjson` writes). */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';
/** Predicate type of a CycloneDX SBOM in-toto attestation (what `cosign attest --type cyclonedx` writes). */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';

/** Each format's predicate type, name (with its article), and where its document records when it was created. */
const SBOM_FORMAT_DETAILS: Readonly<
  Record<SbomFormat, { predicateType: string; title: string; aTitle: string; createdAt: PredicateField }>
> = {
  spdx: { predicateType: SPDX_PREDICATE_TYPE, title: 'SPDX', aTitle: 'an SPDX', createdAt: predicateField('creationInfo.created') },
  cyclonedx: { predicateType: CYCLONEDX_PREDICATE_TYPE, title: 'CycloneDX', aTitle: 'a CycloneDX', createdAt: predicateField('metadata.timestamp') },
};

/** Properties of {@link RequireSbomAttestation}. */
export interface RequireSbomAttestationProps extends GuardrailProps {
  /**
   * The SBOM format the attestation must carry: `spdx` (SPDX JSON) or `cyclonedx`.
   * @default 'spdx'
   */
  readonly format?: SbomFormat;

  /**
   * Oldest SBOM accepted, in seconds, counted from the creation timestamp inside the SBOM.
   * @default - any age
   */
  readonly maxAgeSeconds?: number;
}

/** Every governed image must carry an SBOM of the configured format as an in-toto attestation signed by the configured identity. */
export class RequireSbomAttestation extends Construct {
  constructor(scope: Construct, id: string, props: RequireSbomAttestationProps) {
    super(scope, id);
    const { predicateType, title, aTitle, createdAt } = SBOM_FORMAT_DETAILS[props.format ?? 'spdx'];
    const conditions: PredicateCondition[] =
      props.maxAgeSeconds === undefined
        ? []
        : [{ kind: 'notOlderThan', field: createdAt, maxAgeSeconds: props.maxAgeSeconds, description: `${title} SBOM is older than allowed or dated in the future` }];
    props.engine.renderImageVerification(
      this,
      resolveImageVerification(props, {
        name: policyName,
        ruleName: clusterPolicyRule,
        description: {
          title: `Require a signed ${title} SBOM attestation`,
          ...SUPPLY_CHAIN_HIGH,
          description:
            `Pods may only run images that carry ${aTitle} SBOM as an in-toto attestation, ` +
            'signed by the trusted CI identity and recorded in the Rekor transparency log' +
            (props.maxAgeSeconds === undefined ? '.' : ', created no longer ago than the environment allows.'),
        },
        message: `image has no ${title} SBOM attestation signed by the trusted identity`,
        attestation: { name: 'sbom', predicateType, conditions },
      }),
    );
  }
}
