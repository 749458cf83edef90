import { ConfigError, type ConfigProblem } from '../config/load';
import type { Environment } from '../model/environment';
import { entryPointPath, environmentOfPath, type Manifests } from '../model/layout';
import type { Synthesis } from '../synthesize';

/** Kubernetes label values, such as the Kustomization name Flux puts on every object it applies, fit 63 characters. */
const MAX_LABEL_VALUE_LENGTH = 63;

interface ObjectIdentity {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/**
 * Refuses environments that share a cluster (`cluster`) and would apply an object of the same kind, namespace
 * and name there, or write the same entry point: each would overwrite (and Flux prune) the other's. The
 * objects compared are the ones synthesized, so a new object or a renamed one is covered without a list to keep.
 * Also refuses a Flux Kustomization name too long for the label Flux marks applied objects with.
 * Each problem points at the second environment's `cluster` field (its `name` when `cluster` is defaulted).
 */
export function assertNoClusterCollision(environments: readonly Environment[], synthesis: Synthesis): void {
  const problems: ConfigProblem[] = [];
  /** Per cluster: what an environment claims there → the environment. */
  const claims = new Map<string, Map<string, string>>();
  for (const environment of environments) {
    const owned = claimsOf(environment, synthesis);
    const clusterClaims = claims.get(environment.cluster) ?? new Map<string, string>();
    claims.set(environment.cluster, clusterClaims);
    const collisions = new Map<string, string[]>();
    for (const claim of owned) {
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
    for (const name of kustomizationNames(environment, synthesis)) {
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
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

function problemAt(environment: Environment, message: string): ConfigProblem {
  const at = environment.clusterDeclaredAt ?? { file: '(config)', line: 0, column: 0, field: 'cluster' };
  return { ...at, environment: environment.name, message };
}

/** The objects an environment applies to its cluster, and its entry point file, as comparable strings. */
function claimsOf(environment: Environment, synthesis: Synthesis): string[] {
  const entryPoint = entryPointPath(environment.name, environment.cluster);
  return [...objectsOf(environment, synthesis).map(describe), `the entry point ${entryPoint}`];
}

/** Every object the environment's cluster receives from it: its policies, its Flux objects and its entry point. */
function objectsOf(environment: Environment, { manifests, entryPointManifests }: Synthesis): ObjectIdentity[] {
  const own = (files: Manifests, belongs: (path: string) => boolean) =>
    [...files].filter(([path]) => belongs(path)).flatMap(([, objects]) => objects as ObjectIdentity[]);
  const entryPoint = entryPointPath(environment.name, environment.cluster);
  return [
    ...own(manifests, (path) => environmentOfPath(path) === environment.name),
    ...own(entryPointManifests, (path) => path === entryPoint),
  ];
}

function kustomizationNames(environment: Environment, synthesis: Synthesis): string[] {
  return objectsOf(environment, synthesis)
    .filter((object) => object.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization')
    .map((object) => object.metadata?.name ?? '');
}

/** `<kind> [<namespace>/]<name> (<group>)`: the same string for objects a cluster would store as one. */
function describe({ apiVersion = '', kind, metadata = {} }: ObjectIdentity): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : 'core';
  const namespace = metadata.namespace === undefined ? '' : `${metadata.namespace}/`;
  return `${kind} ${namespace}${metadata.name} (${group})`;
}
