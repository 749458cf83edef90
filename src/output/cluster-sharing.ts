import type { ConfigProblem } from '../config/load';
import type { Environment } from '../model/environment';
import type { EnvironmentSynthesis } from '../synthesize';

/** Kubernetes label values, such as the Kustomization name Flux puts on every object it applies, fit 63 characters. */
const MAX_LABEL_VALUE_LENGTH = 63;

/** What identifies an object on a cluster. */
export interface ObjectIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/**
 * What an environment applies to its cluster, as the checks below compare it: the identity of each object of its
 * policies, its Flux objects and its entry point (nothing else of them), and its entry point's path.
 */
export interface ClusterFootprint {
  readonly objects: readonly ObjectIdentity[];
  readonly entryPoint: string;
}

/** The footprint of a rendered environment. */
export function footprintOf({ manifests, entryPoint }: EnvironmentSynthesis): ClusterFootprint {
  const objects = [...manifests.values(), entryPoint.objects].flat() as ObjectIdentity[];
  return {
    objects: objects.map(({ apiVersion, kind, metadata }) => ({
      apiVersion,
      kind,
      metadata: { name: metadata?.name, namespace: metadata?.namespace },
    })),
    entryPoint: entryPoint.path,
  };
}

/**
 * Environments that share a cluster (`cluster`) must not apply an object of the same kind, namespace and name there,
 * nor write the same entry point: each would overwrite (and Flux prune) the other's. The objects compared are the
 * ones synthesized, so a new object or a renamed one is covered without a list to keep. Each environment's must also
 * name its Flux Kustomizations within the label Flux marks applied objects with.
 *
 * Environments are added one at a time as they are rendered, and only what an environment of a shared cluster
 * claims is kept: the work and the memory grow with the fleet, not with its square. Each problem points at the
 * second environment's `cluster` field (its `name` when `cluster` is defaulted).
 */
export class ClusterClaims {
  /** Per shared cluster: what an environment claims there → the environment. */
  private readonly claims = new Map<string, Map<string, string>>();

  /** `environments` is the whole config: which clusters more than one environment shares. */
  constructor(environments: readonly Environment[]) {
    const counts = new Map<string, number>();
    for (const { cluster } of environments) counts.set(cluster, (counts.get(cluster) ?? 0) + 1);
    for (const [cluster, count] of counts) if (count > 1) this.claims.set(cluster, new Map());
  }

  /** The clusters more than one environment of the config is applied to. */
  get sharedClusters(): ReadonlySet<string> {
    return new Set(this.claims.keys());
  }

  /** Adds one rendered environment; returns its problems with the environments added before it. */
  add(environment: Environment, { objects, entryPoint }: ClusterFootprint): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const clusterClaims = this.claims.get(environment.cluster);
    if (clusterClaims) {
      const collisions = new Map<string, string[]>();
      for (const claim of [...objects.map(describe), `the entry point ${entryPoint}`]) {
        const other = clusterClaims.get(claim);
        if (other === undefined) clusterClaims.set(claim, environment.name);
        else collisions.set(other, [...(collisions.get(other) ?? []), claim]);
      }
      for (const [other, colliding] of collisions) {
        problems.push(
          problemAt(
            environment,
            `environments "${other}" and "${environment.name}" are both applied to cluster "${environment.cluster}" and would both apply ${colliding.join(', ')}: ` +
              "each would overwrite the other's. Apply one to another cluster, or change what collides: policies of one engine share their names " +
              '(run the other engine side by side, docs/engines.md); Flux object names derive from the environment name and flux.sourceRef.',
          ),
        );
      }
    }
    for (const name of kustomizationNames(objects)) {
      if (name.length > MAX_LABEL_VALUE_LENGTH) {
        problems.push(
          problemAt(
            environment,
            `the Flux Kustomization name "${name}" is longer than ${MAX_LABEL_VALUE_LENGTH} characters, ` +
              'and Flux labels every object it applies with it: shorten the environment name',
          ),
        );
      }
    }
    return problems;
  }
}

function problemAt(environment: Environment, message: string): ConfigProblem {
  const at = environment.clusterDeclaredAt ?? { file: '(config)', line: 0, column: 0, field: 'cluster' };
  return { ...at, environment: environment.name, message };
}

function kustomizationNames(objects: readonly ObjectIdentity[]): string[] {
  return objects
    .filter((object) => object.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization')
    .map((object) => object.metadata?.name ?? '');
}

/** `<kind> [<namespace>/]<name> (<group>)`: the same string for objects a cluster would store as one. */
function describe({ apiVersion = '', kind, metadata = {} }: ObjectIdentity): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : 'core';
  const namespace = metadata.namespace === undefined ? '' : `${metadata.namespace}/`;
  return `${kind} ${namespace}${metadata.name} (${group})`;
}
