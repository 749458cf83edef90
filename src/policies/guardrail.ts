import type { ApiObject, ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EngineKind, FailurePolicy, Phase, PolicyName, Signer } from '../model/environment';

/** Renders engine-neutral guardrail definitions as objects of one Kyverno policy engine. */
export interface PolicyEngine {
  /** The policy kind this engine emits. */
  readonly kind: EngineKind;
  /** Adds the object that verifies a signature (or a signed attestation) on every governed image. */
  renderImageVerification(scope: Construct, definition: ImageVerification): ApiObject;
}

/** How Kyverno's reports and UIs describe a policy (the `policies.kyverno.io/*` annotations). */
export interface PolicyDescription {
  readonly title: string;
  readonly category: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly description: string;
}

/** Properties shared by every guardrail construct. */
export interface GuardrailProps {
  /** The Kyverno engine the policy is rendered for. */
  readonly engine: PolicyEngine;

  /** Image reference globs this policy governs, e.g. `ghcr.io/acme/*`. Images matching none are not checked here. */
  readonly imagePatterns: readonly string[];

  /** The keyless identity signatures and attestations must come from. */
  readonly signer: Signer;

  /** `audit` reports violations, `enforce` denies the Pod. */
  readonly phase: Phase;

  /**
   * What the API server does when Kyverno errors or times out (registry or Rekor unreachable).
   * @default - `Fail` when enforcing, `Ignore` in audit (an outage must not block Pods while only observing)
   */
  readonly failurePolicy?: FailurePolicy;

  /**
   * Admission webhook timeout. Image verification calls the registry and Rekor; Kyverno's 10 s default times out.
   * @default 30
   */
  readonly timeoutSeconds?: number;

  /**
   * Only Pods in these namespaces are checked.
   * @default - every namespace except `excludeNamespaces`
   */
  readonly namespaces?: readonly string[];

  /**
   * Namespaces never checked, matched by name.
   * @default ['kube-system', 'kyverno']
   */
  readonly excludeNamespaces?: readonly string[];

  /**
   * Labels added to the policy object, e.g. the environment it belongs to.
   * @default - only the managed-by and phase labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A signature or attestation check, with every default resolved: what an engine renders. */
export interface ImageVerification {
  readonly name: PolicyName;
  /** Name of the ClusterPolicy rule (ImageValidatingPolicy has no rules). */
  readonly ruleName: string;
  readonly description: PolicyDescription;
  /** Shown to the user when an image fails the check (ClusterPolicy has no field for it and uses Kyverno's own). */
  readonly message: string;
  readonly imagePatterns: readonly string[];
  readonly signer: Signer;
  readonly phase: Phase;
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly namespaces?: readonly string[];
  readonly excludeNamespaces: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** When set, the check is of a signed in-toto attestation of this predicate type instead of the image signature. */
  readonly attestation?: { readonly name: string; readonly predicateType: string };
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const PHASE_LABEL = 'guardrails/phase';

/** Applies the defaults documented on GuardrailProps to one guardrail's definition. */
export function resolveImageVerification(
  props: GuardrailProps,
  definition: Pick<ImageVerification, 'name' | 'ruleName' | 'description' | 'message' | 'attestation'>,
): ImageVerification {
  return {
    ...definition,
    imagePatterns: props.imagePatterns,
    signer: props.signer,
    phase: props.phase,
    failurePolicy: props.failurePolicy ?? (props.phase === 'enforce' ? 'Fail' : 'Ignore'),
    timeoutSeconds: props.timeoutSeconds ?? 30,
    namespaces: props.namespaces,
    excludeNamespaces: props.excludeNamespaces ?? ['kube-system', 'kyverno'],
    labels: { [MANAGED_BY_LABEL]: 'supply-chain-guardrails', [PHASE_LABEL]: props.phase, ...props.labels },
  };
}

/** The metadata both engines give a policy object: its name, the description annotations and the labels. */
export function policyMetadata(check: ImageVerification): ApiObjectMetadata {
  return { name: check.name, annotations: descriptionAnnotations(check.description), labels: { ...check.labels } };
}

/** The `policies.kyverno.io/*` annotations both engines put on a policy. */
function descriptionAnnotations(d: PolicyDescription): Record<string, string> {
  return {
    'policies.kyverno.io/title': d.title,
    'policies.kyverno.io/category': d.category,
    'policies.kyverno.io/severity': d.severity,
    'policies.kyverno.io/subject': 'Pod',
    'policies.kyverno.io/minversion': '1.19.0',
    'policies.kyverno.io/description': d.description,
  };
}
