import type { EngineKind } from '../model/environment';
import type { PolicyEngine } from '../policies/guardrail';
import { clusterPolicyEngine } from './cluster-policy';
import { imageValidatingPolicyEngine } from './image-validating-policy';

/** Every engine by the policy kind it emits; an environment's `engine` config field names one of these. */
export const ENGINES: Readonly<Record<EngineKind, PolicyEngine>> = {
  ClusterPolicy: clusterPolicyEngine,
  ImageValidatingPolicy: imageValidatingPolicyEngine,
};
