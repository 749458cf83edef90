import { Construct } from 'constructs';
import type { Signer } from '../model/environment';
import { sourceRepositoryGlob } from '../model/provenance';
import { GUARDRAIL_CATALOGUE } from './catalogue';
import { predicateField, SUPPLY_CHAIN_HIGH, resolveImageVerification, type GuardrailProps } from './guardrail';

const { policyName, clusterPolicyRule } = GUARDRAIL_CATALOGUE['require-provenance-attestation'];

/** Predicate type of SLSA v1 build provenance (what GitHub's `actions/attest-build-provenance` writes). */
export const SLSA_PROVENANCE_V1_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';
/** Who produced the provenance: for GitHub, the workflow that signed it (`github.server_url` + `job_workflow_ref`). */
const BUILDER_ID_FIELD = predicateField('runDetails.builder.id');
/** The repository the build ran from, `https://github.com/<owner>/<repo>`, in GitHub's workflow build type. */
const SOURCE_REPOSITORY_FIELD = predicateField('buildDefinition.externalParameters.workflow.repository');

/** Properties of {@link RequireProvenanceAttestation}. */
export interface RequireProvenanceAttestationProps extends GuardrailProps {
  /**
   * The identity the provenance attestation must be signed by.
   * @default - `signer`, the environment's signer (GitHub's build-provenance attestations are signed by the building workflow)
   */
  readonly provenanceSigner?: Signer;

  /**
   * Globs the predicate's `runDetails.builder.id` must match one of.
   * @default - the provenance signer's subject
   */
  readonly builderIds?: readonly string[];

  /**
   * Globs the predicate's `buildDefinition.externalParameters.workflow.repository` must match one of.
   * @default - the environment signer's subject up to `/.github/workflows/`, e.g. `https://github.com/acme/*`
   */
  readonly sourceRepositories?: readonly string[];
}

/**
 * Every governed image must carry signed SLSA v1 build provenance naming an allowed builder and an allowed
 * source repository: proof of how and from what the image was built, not only who signed it.
 */
export class RequireProvenanceAttestation extends Construct {
  constructor(scope: Construct, id: string, props: RequireProvenanceAttestationProps) {
    super(scope, id);
    const signer = props.provenanceSigner ?? props.signer;
    const builderIds = props.builderIds ?? [signer.subject];
    const sourceRepositories = props.sourceRepositories ?? [sourceRepositoryGlob(props.signer.subject)];
    props.engine.renderImageVerification(
      this,
      resolveImageVerification(props, {
        name: policyName,
        ruleName: clusterPolicyRule,
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
            { kind: 'matchesAnyGlob', field: BUILDER_ID_FIELD, globs: builderIds, description: 'provenance names a builder that is not allowed' },
            {
              kind: 'matchesAnyGlob',
              field: SOURCE_REPOSITORY_FIELD,
              globs: sourceRepositories,
              description: 'provenance names a source repository that is not allowed',
            },
          ],
        },
      }),
    );
  }
}
