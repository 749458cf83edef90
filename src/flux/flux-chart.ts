import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../model/environment';
import type { PolicyKind } from './health-checks';
import { policiesKustomizationName } from '../model/cluster-naming';
import { isPublished } from '../model/delivery';
import { artifactPath, fluxPath } from '../model/layout';
import { renderPoliciesGitRepository } from './policies-git-repository';
import { renderPoliciesKustomization, type PoliciesKustomizationProps } from './policies-kustomization';
import { renderPoliciesOciRepository } from './policies-oci-repository';

/** Properties of {@link FluxChart}. */
export interface FluxChartProps {
  /** The environment whose `dist/<env>/` Flux reconciles. */
  readonly environment: Environment;

  /** The kinds of the policy objects synthesized for the environment, for the health checks. */
  readonly policyKinds: readonly PolicyKind[];
}

/**
 * One environment's Flux objects, written to `dist/flux/<env>/`: the policies Kustomization (`policies.yaml`)
 * and the source it reads from (`source.yaml`) when synth emits one: the verified OCIRepository of an `oci`
 * delivery, or the GitRepository of `flux.gitRepository`. An `oci` environment not yet published has no source
 * and its Kustomization is suspended: Flux applies nothing for it and prunes nothing it applied before.
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, props: FluxChartProps) {
    // `.` cannot occur in an environment name, so this id never collides with an EnvironmentChart's.
    super(scope, `flux.${props.environment.name}`, { disableResourceNameHashes: true });
    const { name, cluster, flux, delivery } = props.environment;
    // One name for the Kustomization in both delivery modes: switching keeps its inventory, so Flux prunes only
    // what the new source no longer holds, never the policies both hold.
    const kustomizationName = policiesKustomizationName(name, cluster);
    let sourceRef: PoliciesKustomizationProps['sourceRef'];
    let path: string;
    if (delivery.mode === 'oci') {
      // Not yet published: no artifact to pin, so no source; the Kustomization below is suspended.
      if (isPublished(delivery)) renderPoliciesOciRepository(this, 'source', { name: kustomizationName, delivery });
      sourceRef = { kind: 'OCIRepository', name: kustomizationName };
      path = artifactPath(name);
    } else {
      if (flux.gitRepository) renderPoliciesGitRepository(this, 'source', flux.gitRepository);
      sourceRef = { kind: 'GitRepository', name: flux.sourceRef };
      path = fluxPath(name);
    }
    renderPoliciesKustomization(this, 'policies', {
      name: kustomizationName,
      path,
      sourceRef,
      kyvernoKustomization: flux.kyvernoKustomization,
      interval: flux.interval,
      retryInterval: flux.retryInterval,
      timeout: flux.timeout,
      policyKinds: props.policyKinds,
      suspend: delivery.mode === 'oci' && !isPublished(delivery),
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
