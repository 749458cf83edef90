import type { ApiObject, ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EngineKind, FailurePolicy, Phase, PolicyName, Signer } from '../model/environment';

/** Renders engine-neutral guardrail definitions as objects of one Kyverno policy engine. */
export interface PolicyEngine {
  /** The policy kind this engine emits. */
  readonly kind: EngineKind;
  /** Adds the object that verifies a signature (or a signed attestation) on every governed image. */
  renderImageVerification(scope: Construct, definition: ImageVerification): ApiObject;
  /** Adds the object that admits a Pod only when every container, init and ephemeral container image is allowed. */
  renderRegistryRestriction(scope: Construct, definition: RegistryRestriction): ApiObject;
}

/** How Kyverno's reports and UIs describe a policy (the `policies.kyverno.io/*` annotations). */
export interface PolicyDescription {
  readonly title: string;
  readonly category: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly description: string;
}

/** Where every guardrail of this product files itself in Kyverno's reports, and how much a violation weighs. */
export const SUPPLY_CHAIN_HIGH = { category: 'Software Supply Chain Security', severity: 'high' } as const;

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

/** A signature or attestation check, with every default resolved: what an engine renders. */
export interface ImageVerification extends PolicyDefinition {
  readonly imagePatterns: readonly string[];
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

/**
 * A condition on a field of an attestation's predicate, engine-neutral: ClusterPolicy renders it as an
 * `attestations[].conditions` block (JMESPath), ImageValidatingPolicy as a CEL validation over `extractPayload`.
 */
export type PredicateCondition =
  /** The string at `field` matches at least one glob (`*` spans any characters, `/` included; nothing else is special). */
  | { readonly kind: 'matchesAnyGlob'; readonly field: PredicateField; readonly globs: readonly string[]; readonly description: string }
  /** The RFC 3339 timestamp at `field` is at most `maxAgeSeconds` old at admission time, and not in the future. */
  | { readonly kind: 'notOlderThan'; readonly field: PredicateField; readonly maxAgeSeconds: number; readonly description: string };

/** A path into a predicate, e.g. `runDetails.builder.id`: segments that are plain identifiers in both JMESPath and CEL. */
export interface PredicateField {
  readonly segments: readonly string[];
}

/** Words CEL reserves: a field named like one cannot be selected with `.`. */
const CEL_RESERVED = new Set(['as', 'break', 'const', 'continue', 'else', 'false', 'for', 'function', 'if', 'import', 'in', 'let', 'loop', 'package', 'namespace', 'null', 'return', 'true', 'var', 'void', 'while']);

/**
 * Parses a dotted predicate path. Each segment must be an identifier both languages accept unquoted, so the
 * engines can join segments with `.` without escaping; anything else is a programming error caught at synth.
 */
export function predicateField(path: string): PredicateField {
  const segments = path.split('.');
  for (const segment of segments) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) || CEL_RESERVED.has(segment)) {
      throw new Error(`predicate path ${JSON.stringify(path)}: segment ${JSON.stringify(segment)} is not a plain identifier`);
    }
  }
  return { segments };
}

/** A registry restriction, with every default resolved: what an engine renders. */
export interface RegistryRestriction extends PolicyDefinition {
  /** Image reference globs a container image must match one of. */
  readonly allowedImages: readonly string[];
}

const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const PHASE_LABEL = 'guardrails/phase';

/** The parts of a definition each guardrail states itself; the rest comes from its props. */
export type OwnDefinition = Pick<PolicyDefinition, 'name' | 'ruleName' | 'description' | 'message'>;

/** Applies the defaults documented on GuardrailProps to one guardrail's own definition. */
export function resolvePolicyDefinition(props: GuardrailProps, own: OwnDefinition): PolicyDefinition {
  return {
    ...own,
    phase: props.phase,
    failurePolicy: props.failurePolicy ?? (props.phase === 'enforce' ? 'Fail' : 'Ignore'),
    timeoutSeconds: props.timeoutSeconds ?? 30,
    namespaces: props.namespaces,
    excludeNamespaces: props.excludeNamespaces ?? ['kube-system', 'kyverno'],
    labels: { [MANAGED_BY_LABEL]: 'supply-chain-guardrails', [PHASE_LABEL]: props.phase, ...props.labels },
  };
}

/** An image verification of the environment's patterns by `signer` (default: the environment's signer). */
export function resolveImageVerification(
  props: GuardrailProps,
  own: OwnDefinition & Pick<ImageVerification, 'attestation'> & { readonly signer?: Signer },
): ImageVerification {
  const { attestation, signer, ...rest } = own;
  return { ...resolvePolicyDefinition(props, rest), imagePatterns: props.imagePatterns, signer: signer ?? props.signer, attestation };
}

/** The metadata every engine gives a policy object: its name, the description annotations and the labels. */
export function policyMetadata(definition: PolicyDefinition): ApiObjectMetadata {
  return { name: definition.name, annotations: descriptionAnnotations(definition.description), labels: { ...definition.labels } };
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
