import { sourceRepositoryGlob } from '../model/provenance';
import { SUPPLY_CHAIN_HIGH } from './definition';
import type { Guardrail } from './guardrail';
import { predicateField } from './predicate';

/** Predicate type of SLSA v1 build provenance (what GitHub's `actions/attest-build-provenance` writes). */
export const SLSA_PROVENANCE_V1_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';
/** Who produced the provenance: for GitHub, the workflow that signed it (`github.server_url` + `job_workflow_ref`). */
const BUILDER_ID_FIELD = predicateField('runDetails.builder.id');
/** The repository the build ran from, `https://github.com/<owner>/<repo>`, in GitHub's workflow build type. */
const SOURCE_REPOSITORY_FIELD = predicateField('buildDefinition.externalParameters.workflow.repository');

/**
 * Every governed image must carry signed SLSA v1 build provenance naming an allowed builder and an allowed
 * source repository: proof of how and from what the image was built, not only who signed it. Defaults: the
 * provenance is signed by the environment's signer (GitHub's build-provenance attestations are signed by the
 * building workflow), the builder is that signer's subject, and the source repository is the environment
 * signer's subject up to `/.github/workflows/`, e.g. `https://github.com/acme/*`.
 */
export const requireProvenanceAttestation = {
  policyName: 'require-provenance-attestation',
  clusterPolicyRule: 'verify-provenance-attestation',
  judges: 'signature',
  check: 'imageVerification',
  define: (env) => {
    const signer = env.provenance.provenanceSigner ?? env.signer;
    const builderIds = env.provenance.builderIds ?? [signer.subject];
    const sourceRepositories = env.provenance.sourceRepositories ?? [sourceRepositoryGlob(env.signer.subject)];
    return {
      description: {
        title: 'Require signed SLSA build provenance',
        ...SUPPLY_CHAIN_HIGH,
        description:
          'Pods may only run images that carry an SLSA v1 build provenance attestation, signed by the trusted ' +
          'identity and recorded in the Rekor transparency log, whose builder and source repository are allowed.',
      },
      message: 'image has no SLSA provenance attestation signed by the trusted identity',
      signer,
      attestation: {
        name: 'provenance',
        predicateType: SLSA_PROVENANCE_V1_PREDICATE_TYPE,
        conditions: [
          {
            kind: 'matchesAnyGlob',
            field: BUILDER_ID_FIELD,
            globs: builderIds,
            description: 'provenance names a builder that is not allowed',
          },
          {
            kind: 'matchesAnyGlob',
            field: SOURCE_REPOSITORY_FIELD,
            globs: sourceRepositories,
            description: 'provenance names a source repository that is not allowed',
          },
        ],
      },
    };
  },
} satisfies Guardrail;
