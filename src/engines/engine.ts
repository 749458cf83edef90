import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EngineKind } from '../model/environment';
import type { CheckKind, Definitions } from '../policies/definition';

/**
 * Which policy result a `kyverno test` `results[]` entry checks. A ClusterPolicy result is found by rule name
 * (Kyverno's CLI also accepts the autogen names); the policies.kyverno.io kinds have no rules, so their entries
 * carry the kind's flag instead and the CLI takes every result of the policy.
 */
export type KyvernoTestResultSelector =
  | { readonly rule: string }
  | { readonly isImageValidatingPolicy: true }
  | { readonly isValidatingPolicy: true };

/** A policy kind an engine renders, and everything the rest of the product needs to know about it. */
export interface RenderedKind {
  readonly apiVersion: string;
  readonly kind: string;
  /**
   * CEL that is true once Kyverno reports the policy Ready (its webhook configured, admitting), for Flux's
   * `healthCheckExprs`: kstatus' generic rules do not read Kyverno's status.
   */
  readonly ready: string;
  /**
   * The `source` Kyverno v1.19.0 gives this kind's results in policy reports (`pkg/utils/report/source.go`,
   * `pkg/utils/report/results.go`); during a migration both engines report under one policy name, and only
   * this tells them apart.
   */
  readonly reportSources: readonly (string | undefined)[];
  /** The rule names a report result of the guardrail's Pod rule carries; undefined for kinds without rules. */
  reportedRules?(clusterPolicyRule: string): readonly string[];
  /** How the drill's `kyverno-test.yaml` selects a result of the guardrail on a Deployment. */
  testSelector(clusterPolicyRule: string): KyvernoTestResultSelector;
}

/**
 * A set of the checks Kyverno's policy webhook makes in Go code, beyond the CRD schema, by the API group whose
 * kinds it checks. An engine names the set its objects go through; the rules of each set are in
 * src/validate/kyverno-rules.ts, which engines cannot import: validate/ reads ENGINES.
 */
export type WebhookRuleSet = 'kyverno.io/v1' | 'policies.kyverno.io/v1';

/** One Kyverno policy engine: the kind it renders each check as, with its facts, and the rendering itself. */
export interface PolicyEngine {
  /** The engine's name in the config (`engine:`). */
  readonly kind: EngineKind;
  readonly renders: { readonly [C in CheckKind]: RenderedKind };
  /** Adds the object that verifies a signature (or a signed attestation) on every governed image. */
  renderImageVerification(scope: Construct, definition: Definitions['imageVerification']): ApiObject;
  /** Adds the object that admits a Pod only when every container, init and ephemeral container image is allowed. */
  renderRegistryRestriction(scope: Construct, definition: Definitions['registryRestriction']): ApiObject;
  /** The Kyverno webhook rules every kind it renders goes through before synth writes it. */
  readonly webhookRules: WebhookRuleSet;
}

/** The `apiVersion/kind` key of a rendered kind, as validators and Flux health checks name it. */
export function kindKey(kind: Pick<RenderedKind, 'apiVersion' | 'kind'>): string {
  return `${kind.apiVersion}/${kind.kind}`;
}

/**
 * The value of a generated CRD enum equal to a model value (the model spells values as the CRDs do), so no
 * engine writes its own mapping of `Fail`, `Ignore`, `Deny` or `Audit`; throws for a value the CRD lacks.
 */
export function crdEnum<E extends string>(values: Readonly<Record<string, E>>, value: string): E {
  const found = Object.values(values).find((v) => v === value);
  if (found === undefined) throw new Error(`${value} is not one of the CRD's values ${Object.values(values).join(', ')}`);
  return found;
}
