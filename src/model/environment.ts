/** The rollout phase of one guardrail: `audit` reports violations, `enforce` blocks them at admission. */
export type Phase = 'audit' | 'enforce';

/** What the API server does when Kyverno cannot answer in time. */
export type FailurePolicy = 'Fail' | 'Ignore';

/** The guardrails this product ships, by their policy name (also the file name in `dist/<env>/`). */
export const POLICY_NAMES = [
  'verify-image-signatures',
  'require-sbom-attestation',
  'restrict-image-registries',
  'require-provenance-attestation',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/**
 * The Kyverno policy kinds an environment can be rendered as: `ClusterPolicy` (`kyverno.io/v1`, deprecated in
 * Kyverno 1.17+, removal planned for 1.20) or its successor `ImageValidatingPolicy` (`policies.kyverno.io/v1`).
 */
export const ENGINE_KINDS = ['ClusterPolicy', 'ImageValidatingPolicy'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** A keyless (Fulcio) signing identity. */
export interface Signer {
  /** OIDC issuer of the signing certificate. */
  readonly issuer: string;
  /** Certificate subject glob: `*` matches any run of characters, `/` included. */
  readonly subject: string;
  /** The Sigstore instance its certificates and log entries are checked against. */
  readonly trustRoot: TrustRoot;
}

/** The SBOM document formats `require-sbom-attestation` accepts, each an in-toto predicate type. */
export type SbomFormat = 'spdx' | 'cyclonedx';

/** The environment's settings for `require-sbom-attestation`; unset fields take the guardrail's documented defaults. */
export interface SbomOptions {
  readonly format?: SbomFormat;
  /** Oldest SBOM accepted, in seconds since the SBOM's own creation timestamp. */
  readonly maxAgeSeconds?: number;
}

/** The environment's settings for `require-provenance-attestation`; unset fields take the guardrail's documented defaults. */
export interface ProvenanceOptions {
  /** The keyless identity the provenance attestation must be signed by. */
  readonly provenanceSigner?: Signer;
  /** Globs the predicate's `runDetails.builder.id` must match one of. */
  readonly builderIds?: readonly string[];
  /** Globs the predicate's `buildDefinition.externalParameters.workflow.repository` must match one of. */
  readonly sourceRepositories?: readonly string[];
}

/** Controllers the cluster runs in one namespace (its own, not a team's workloads), and their images. */
export interface NamespaceControllers {
  readonly namespace: string;
  /** Image references as the controllers' Pods write them. */
  readonly images: readonly string[];
  /** Who declares them, for messages: the Flux release, or the config field listing them. */
  readonly declaredBy: string;
}

/** Per-policy settings of one environment. */
export interface PolicySettings {
  readonly phase: Phase;
}

/** The GitRepository synth emits next to the Flux Kustomization, when the config asks for one. */
export interface FluxGitRepository {
  /** `metadata.name`; the policies Kustomization's sourceRef names it. */
  readonly name: string;
  readonly url: string;
  readonly branch: string;
  /** How often source-controller polls the repository (Go duration). */
  readonly interval: string;
  /** Secret in flux-system with the credentials, when the repository is private. */
  readonly secretRef?: string;
}

/** How Flux reconciles an environment's `dist/<env>/` (every duration is a Go duration, e.g. `10m`). */
export interface FluxSettings {
  /** Name of the Flux Kustomization (in flux-system) that installs Kyverno; the policies depend on it. */
  readonly kyvernoKustomization: string;
  readonly interval: string;
  readonly retryInterval: string;
  readonly timeout: string;
  /** Name of the GitRepository (in flux-system) the policies are pulled from. */
  readonly sourceRef: string;
  /** Set when synth also emits that GitRepository. */
  readonly gitRepository?: FluxGitRepository;
}

/** The admission drill's images (see `dist/drill/<env>/`). */
export interface DrillImages {
  /** Governed, signed by the signer with a signed SPDX SBOM, pinned by digest: expected admitted. */
  readonly signedImage: string;
  /** Governed but unsigned: expected denied once enforced. */
  readonly unsignedImage: string;
  /** From a registry the environment does not allow: expected denied by the registry restriction once enforced. */
  readonly foreignImage: string;
}

export type { Delivery, OciDelivery } from './delivery';
import type { Delivery } from './delivery';
import type { TrustRoot } from './trust-root';

/** Where a setting is written in the config file, so a refusal found after loading can point at it. */
export interface ConfigLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The setting's path inside its environment, e.g. `cluster`. */
  readonly field: string;
}

/** One environment, resolved from the config with every default applied. */
export interface Environment {
  readonly name: string;
  /**
   * The cluster the environment is applied to, bootstrapped by Flux from `clusters/<cluster>/`; by default the
   * environment's name. Another environment may share it only when no object they apply collides.
   */
  readonly cluster: string;
  /** Where `cluster` is set (its `name` when it is defaulted); absent for environments not read from a file. */
  readonly clusterDeclaredAt?: ConfigLocation;
  /** The Kyverno policy kind this environment's guardrails are rendered as. */
  readonly engine: EngineKind;
  /** Image reference globs the environment governs. */
  readonly imagePatterns: readonly string[];
  readonly signer: Signer;
  /** Only these namespaces are checked; undefined means every namespace but the excluded ones. */
  readonly namespaces?: readonly string[];
  /**
   * Namespaces never checked, sorted: the system namespaces (kube-system, the Kyverno namespace and `systemNamespaces`,
   * by default flux-system) and `excludeNamespaces`.
   */
  readonly excludeNamespaces: readonly string[];
  /** The controllers that run the cluster, by namespace: no enforced guardrail may deny their images. */
  readonly controllers: readonly NamespaceControllers[];
  readonly webhook: {
    readonly timeoutSeconds: number;
    /** Overrides the phase-derived failure policy (Fail when enforcing, Ignore in audit). */
    readonly failurePolicy?: FailurePolicy;
    /**
     * Why this environment may fail open (enforce with failurePolicy Ignore). Without it, validation refuses
     * such an environment: every Pod is admitted unchecked while Kyverno is down or slow.
     */
    readonly acknowledgeFailOpen?: string;
  };
  /** Image reference globs of third-party images admitted besides `imagePatterns` (`restrict-image-registries`). */
  readonly thirdPartyImages: readonly string[];
  readonly sbom: SbomOptions;
  readonly provenance: ProvenanceOptions;
  /** Images for the admission drill; undefined means no drill for this environment. */
  readonly drill?: DrillImages;
  /** Enabled guardrails, in the catalogue's order. */
  readonly policies: ReadonlyMap<PolicyName, PolicySettings>;
  readonly flux: FluxSettings;
  /** Where Flux reads `dist/<env>/` from: the watched Git repository, or a signed OCI artifact. */
  readonly delivery: Delivery;
}
