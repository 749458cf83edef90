import type { SbomFormat } from '../model/environment';
import { SUPPLY_CHAIN_HIGH } from './definition';
import type { Guardrail } from './guardrail';
import { predicateField, type PredicateCondition, type PredicateField } from './predicate';

/** Predicate type of an SPDX SBOM in-toto attestation (what `cosign attest --type spdxjson` writes). */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';
/** Predicate type of a CycloneDX SBOM in-toto attestation (what `cosign attest --type cyclonedx` writes). */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';

/** Each format's predicate type, name (with its article), and where its document records when it was created. */
const SBOM_FORMAT_DETAILS: Readonly<
  Record<SbomFormat, { predicateType: string; title: string; aTitle: string; createdAt: PredicateField }>
> = {
  spdx: { predicateType: SPDX_PREDICATE_TYPE, title: 'SPDX', aTitle: 'an SPDX', createdAt: predicateField('creationInfo.created') },
  cyclonedx: {
    predicateType: CYCLONEDX_PREDICATE_TYPE,
    title: 'CycloneDX',
    aTitle: 'a CycloneDX',
    createdAt: predicateField('metadata.timestamp'),
  },
};

/**
 * Every governed image must carry an SBOM of the environment's format (`sbom.format`, default SPDX) as an
 * in-toto attestation signed by the environment's identity, no older than `sbom.maxAge` when one is set.
 */
export const requireSbomAttestation = {
  policyName: 'require-sbom-attestation',
  clusterPolicyRule: 'verify-sbom-attestation',
  judges: 'signature',
  check: 'imageVerification',
  define: ({ sbom: { format = 'spdx', maxAgeSeconds } }) => {
    const { predicateType, title, aTitle, createdAt } = SBOM_FORMAT_DETAILS[format];
    const conditions: PredicateCondition[] =
      maxAgeSeconds === undefined
        ? []
        : [
            {
              kind: 'notOlderThan',
              field: createdAt,
              maxAgeSeconds,
              description: `${title} SBOM is older than allowed or dated in the future`,
            },
          ];
    return {
      description: {
        title: `Require a signed ${title} SBOM attestation`,
        ...SUPPLY_CHAIN_HIGH,
        description:
          `Pods may only run images that carry ${aTitle} SBOM as an in-toto attestation, ` +
          'signed by the trusted CI identity and recorded in the Rekor transparency log' +
          (maxAgeSeconds === undefined ? '.' : ', created no longer ago than the environment allows.'),
      },
      message: `image has no ${title} SBOM attestation signed by the trusted identity`,
      attestation: { name: 'sbom', predicateType, conditions },
    };
  },
} satisfies Guardrail;
