import { FLUX_NAMESPACE } from './cluster-naming';

// The namespaces where the cluster's own controllers run. A guardrail that checked them could deny the very
// controllers that run the cluster, apply the guardrails, or would roll a mistake back: they are never checked.

/** Kubernetes' own components: never checked, whatever the config says. */
export const KUBE_SYSTEM_NAMESPACE = 'kube-system';

/** Where Kyverno runs unless `kyvernoNamespace` says otherwise: never checked (Kyverno must not judge itself). */
export const DEFAULT_KYVERNO_NAMESPACE = 'kyverno';

/**
 * `systemNamespaces` when the config leaves it out: `flux-system`, where Flux runs, since Flux delivers every
 * environment. A team that lists its own leaves it out only on purpose (then its controllers' images must be allowed).
 */
export const DEFAULT_SYSTEM_NAMESPACES: readonly string[] = [FLUX_NAMESPACE];

/** Where objects created without a namespace go; the admission drill runs there unless the environment lists its namespaces. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Kubernetes' initial namespaces that hold no controller of the cluster (kubernetes.io, Concepts, Namespaces, "Initial
 * namespaces"), with why: as a system namespace (or the Kyverno namespace) one would be exempt from every guardrail
 * while protecting no controller, and `default` is where applications run.
 */
export const NEVER_SYSTEM_NAMESPACES: Readonly<Record<string, string>> = {
  [DEFAULT_NAMESPACE]: "is Kubernetes' namespace for objects created without one, where applications run",
  'kube-public': "holds the cluster's public information (readable by anyone), no controller",
  'kube-node-lease': "holds the nodes' heartbeat Leases, no controller",
};

/** The namespace the admission drill runs in: the environment's first listed namespace, else `default`. */
export function drillNamespace(namespaces: readonly string[] | undefined): string {
  return namespaces?.[0] ?? DEFAULT_NAMESPACE;
}
