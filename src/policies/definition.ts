import type { FailurePolicy, Phase, PolicyName, Signer } from '../model/environment';
import type { PredicateCondition } from './predicate';

/** How Kyverno's reports and UIs describe a policy (the `policies.kyverno.io/*` annotations). */
export interface PolicyDescription {
  readonly title: string;
  readonly category: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly description: string;
}

/** Where every guardrail of this product files itself in Kyverno's reports, and how much a violation weighs. */
export const SUPPLY_CHAIN_HIGH = { category: 'Software Supply Chain Security', severity: 'high' } as const;

/** What every rendered guardrail has, with every default resolved. */
export interface PolicyDefinition {
  readonly name: PolicyName;
  /** Name of the ClusterPolicy rule (the policies.kyverno.io kinds have no rules). */
  readonly ruleName: string;
  readonly description: PolicyDescription;
  /** Shown to the user when a Pod fails the check (ClusterPolicy image verification has no field for it and uses Kyverno's own). */
  readonly message: string;
  readonly phase: Phase;
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly namespaces?: readonly string[];
  readonly excludeNamespaces: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** Whether the definition checks Pods of `namespace`: in its scope (every namespace when it has none) and not excluded. */
export function checksNamespace(definition: PolicyDefinition, namespace: string): boolean {
  return (
    (definition.namespaces === undefined || definition.namespaces.includes(namespace)) && !definition.excludeNamespaces.includes(namespace)
  );
}

/** A signature or attestation check, with every default resolved: what an engine renders. */
export interface ImageVerification extends PolicyDefinition {
  readonly imagePatterns: readonly string[];
  /**
   * Who must have signed, and against which Sigstore instance (`signer.trustRoot`), with the checks that instance
   * gives up (`insecureSwitches(signer.trustRoot)`): a switch an enforced check gains weakens it.
   */
  readonly signer: Signer;
  /** When set, the check is of a signed in-toto attestation instead of the image signature. */
  readonly attestation?: AttestationCheck;
}

/** A signed in-toto attestation every governed image must carry, and what its predicate must say. */
export interface AttestationCheck {
  /** Names the attestation in the policy; a CEL identifier, so validations can say `attestations.<name>`. */
  readonly name: string;
  readonly predicateType: string;
  /** Every condition must hold for the attestation's predicate. */
  readonly conditions: readonly PredicateCondition[];
}

/** A registry restriction, with every default resolved: what an engine renders. */
export interface RegistryRestriction extends PolicyDefinition {
  /** Image reference globs a container image must match one of. */
  readonly allowedImages: readonly string[];
}

/** The checks a guardrail can be, by what each engine renders for it. */
export interface Definitions {
  readonly imageVerification: ImageVerification;
  readonly registryRestriction: RegistryRestriction;
}
export type CheckKind = keyof Definitions;

/** One guardrail's resolved definition, tagged with the check it is. */
export type ResolvedCheck = { [C in CheckKind]: { readonly check: C; readonly definition: Definitions[C] } }[CheckKind];
