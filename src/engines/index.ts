import type { EngineKind, PolicyName } from '../model/environment';
import { GUARDRAILS } from '../policies';
import { clusterPolicyEngine } from './cluster-policy';
import { kindKey, type PolicyEngine, type RenderedKind } from './engine';
import { imageValidatingPolicyEngine } from './image-validating-policy';

export type { KyvernoTestResultSelector, PolicyEngine, RenderedKind, WebhookRuleSet } from './engine';

/**
 * Every engine by its config name: the one list the catalogue, Flux health checks, drill, lint and readiness
 * derive from. An engine of the model missing here, or under another engine's name, does not compile.
 */
export const ENGINES: { readonly [K in EngineKind]: PolicyEngine & { readonly kind: K } } = {
  ClusterPolicy: clusterPolicyEngine,
  ImageValidatingPolicy: imageValidatingPolicyEngine,
};

/** The kind `engine` renders the guardrail `policy` as, with its facts. */
export function renderedKind(engine: EngineKind, policy: PolicyName): RenderedKind {
  return ENGINES[engine].renders[GUARDRAILS[policy].check];
}

/** Every kind any engine renders, once each, by `apiVersion/kind`. */
export const RENDERED_KINDS: ReadonlyMap<string, RenderedKind> = new Map(
  Object.values(ENGINES).flatMap((engine) => Object.values(engine.renders).map((kind) => [kindKey(kind), kind] as const)),
);
