import type { EngineKind, PolicyName } from '../model/environment';

/** How one guardrail shows up in a cluster: what drills, readiness checks and reports look for. */
export interface CatalogueEntry {
  /** `metadata.name` of the policy object in every engine (also its file name in `dist/<env>/`). */
  readonly policyName: PolicyName;
  /**
   * The ClusterPolicy rule name, as in policy reports. Kyverno autogen adds `autogen-<rule>` (Deployments, Jobs, …)
   * and `autogen-cronjob-<rule>` (CronJobs) for Pod controllers.
   */
  readonly clusterPolicyRule: string;
  /** The kind each engine renders the guardrail as (the registry restriction is no image verification). */
  readonly kinds: Readonly<Record<EngineKind, string>>;
  /**
   * What the guardrail judges an image by: where it comes from (`registry`), or what signed it (`signature`,
   * which only looks at images the environment governs).
   */
  readonly judges: 'registry' | 'signature';
}

/**
 * The `source` Kyverno v1.19.0 gives each rendered kind's results in policy reports (`pkg/utils/report/source.go`,
 * `pkg/utils/report/results.go`): a ClusterPolicy's results say `kyverno` (older reports leave it out), the CEL
 * kinds name themselves. During a migration both engines report under one policy name; only this tells them apart.
 */
export const REPORT_SOURCES_BY_KIND: Readonly<Record<string, readonly (string | undefined)[]>> = {
  ClusterPolicy: ['kyverno', undefined],
  ImageValidatingPolicy: ['KyvernoImageValidatingPolicy'],
  ValidatingPolicy: ['KyvernoValidatingPolicy'],
};

const IMAGE_VERIFICATION_KINDS = { ClusterPolicy: 'ClusterPolicy', ImageValidatingPolicy: 'ImageValidatingPolicy' } as const;

/** Every guardrail by policy name: the one place its names are defined (the constructs read them from here). */
export const GUARDRAIL_CATALOGUE: Readonly<Record<PolicyName, CatalogueEntry>> = {
  'verify-image-signatures': {
    policyName: 'verify-image-signatures',
    clusterPolicyRule: 'verify-image-signatures',
    kinds: IMAGE_VERIFICATION_KINDS,
    judges: 'signature',
  },
  'require-sbom-attestation': {
    policyName: 'require-sbom-attestation',
    clusterPolicyRule: 'verify-sbom-attestation',
    kinds: IMAGE_VERIFICATION_KINDS,
    judges: 'signature',
  },
  'restrict-image-registries': {
    policyName: 'restrict-image-registries',
    clusterPolicyRule: 'restrict-image-registries',
    kinds: { ClusterPolicy: 'ClusterPolicy', ImageValidatingPolicy: 'ValidatingPolicy' },
    judges: 'registry',
  },
  'require-provenance-attestation': {
    policyName: 'require-provenance-attestation',
    clusterPolicyRule: 'verify-provenance-attestation',
    kinds: IMAGE_VERIFICATION_KINDS,
    judges: 'signature',
  },
};
