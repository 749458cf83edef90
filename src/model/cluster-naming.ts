// How an environment's Flux objects are named on its cluster. The config refuses names that would collide with
// these, and the Flux objects and entry points are named with them, so both read them from here.

/** The namespace `flux bootstrap` installs Flux into; every Flux object synth emits lives there too. */
export const FLUX_NAMESPACE = 'flux-system';

/** The GitRepository (in `flux-system`) that `flux bootstrap` creates from this repository. */
export const BOOTSTRAP_SOURCE = 'flux-system';

/**
 * What distinguishes an environment's Flux object names and entry point file on its cluster: nothing for the
 * environment the cluster is named after, `-<env>` for one applied to a cluster named otherwise (a side-by-side
 * migration on another environment's cluster), so the two never overwrite each other's objects.
 */
export function clusterNameSuffix(environment: string, cluster: string): string {
  return environment === cluster ? '' : `-${environment}`;
}

/** The policies Kustomization every environment's cluster runs: `guardrails-policies`, with {@link clusterNameSuffix}. */
export function policiesKustomizationName(environment: string, cluster: string): string {
  return `guardrails-policies${clusterNameSuffix(environment, cluster)}`;
}
