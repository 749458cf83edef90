/** The rollout phase of one guardrail: `audit` reports violations, `enforce` blocks them at admission. */
export type Phase = 'audit' | 'enforce';

/** What the API server does when Kyverno cannot answer in time. */
export type FailurePolicy = 'Fail' | 'Ignore';

/** The guardrails this product ships, by their policy name (also the file name in `dist/<env>/`). */
export const POLICY_NAMES = ['verify-image-signatures', 'require-sbom-attestation'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A keyless (Fulcio) signing identity. */
export interface Signer {
  /** OIDC issuer of the signing certificate. */
  readonly issuer: string;
  /** Certificate subject glob: `*` matches any run of characters, `/` included. */
  readonly subject: string;
  /** Rekor transparency log the signature's entry is checked against. */
  readonly rekorUrl: string;
}

/** Per-policy settings of one environment. */
export interface PolicySettings {
  readonly phase: Phase;
}

/** One environment, resolved from the config with every default applied. */
export interface Environment {
  readonly name: string;
  /** Image reference globs the environment governs. */
  readonly imagePatterns: readonly string[];
  readonly signer: Signer;
  /** Only these namespaces are checked; undefined means every namespace but the excluded ones. */
  readonly namespaces?: readonly string[];
  /** Namespaces never checked: kube-system, the Kyverno namespace and the configured ones, sorted. */
  readonly excludeNamespaces: readonly string[];
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
  /** Enabled guardrails, in the catalogue's order. */
  readonly policies: ReadonlyMap<PolicyName, PolicySettings>;
}
