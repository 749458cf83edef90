import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { PolicyKind } from './health-checks';
import { clusterNameSuffix, fluxPath } from '../output/layout';
import { PoliciesGitRepository } from './policies-git-repository';
import { PoliciesKustomization } from './policies-kustomization';

/**
 * Name of an environment's policies Kustomization; an environment applied to a cluster named otherwise adds
 * `-<env>` (see {@link clusterNameSuffix}).
 */
export const POLICIES_KUSTOMIZATION_NAME = 'guardrails-policies';

/** Properties of {@link FluxChart}. */
export interface FluxChartProps {
  /** The environment whose `dist/<env>/` Flux reconciles. */
  readonly environment: Environment;

  /** The kinds of the policy objects synthesized for the environment, for the health checks. */
  readonly policyKinds: readonly PolicyKind[];
}

/**
 * One environment's Flux objects, written to `dist/flux/<env>/`: the policies Kustomization (`policies.yaml`)
 * and, when the config has `flux.gitRepository`, the GitRepository it reads from (`source.yaml`).
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, props: FluxChartProps) {
    // `.` cannot occur in an environment name, so this id never collides with an EnvironmentChart's.
    super(scope, `flux.${props.environment.name}`, { disableResourceNameHashes: true });
    const { name, cluster, flux } = props.environment;
    if (flux.gitRepository) {
      new PoliciesGitRepository(this, 'source', flux.gitRepository);
    }
    new PoliciesKustomization(this, 'policies', {
      name: `${POLICIES_KUSTOMIZATION_NAME}${clusterNameSuffix(name, cluster)}`,
      path: fluxPath(name),
      sourceRef: flux.sourceRef,
      kyvernoKustomization: flux.kyvernoKustomization,
      interval: flux.interval,
      retryInterval: flux.retryInterval,
      timeout: flux.timeout,
      policyKinds: props.policyKinds,
    });
  }
}

/** The distinct apiVersion/kind pairs of the objects under `scope`, in first-seen order. */
export function objectKinds(scope: Construct): PolicyKind[] {
  const kinds = new Map<string, PolicyKind>();
  for (const object of scope.node.findAll()) {
    if (object instanceof ApiObject) kinds.set(`${object.apiVersion}/${object.kind}`, { apiVersion: object.apiVersion, kind: object.kind });
  }
  return [...kinds.values()];
}
