import type { Construct } from 'constructs';
import {
  Kustomization,
  KustomizationSpecDeletionPolicy,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomization-kustomize.toolkit.fluxcd.io';
import { renderFluxObject } from './flux-object';
import { readyExpression, type PolicyKind } from './health-checks';

/** Properties of {@link renderPoliciesKustomization}. Durations are Go durations, e.g. `10m`. */
export interface PoliciesKustomizationProps {
  /** `metadata.name` of the Kustomization (namespace `flux-system`). */
  readonly name: string;

  /**
   * Directory holding the policies and their `kustomization.yaml`, relative to the source's root: `./dist/<env>`
   * in the Git repository, `./<env>` in the published artifact.
   */
  readonly path: string;

  /** The source in flux-system the path is read from: the watched GitRepository, or the verified OCIRepository. */
  readonly sourceRef: { readonly kind: 'GitRepository' | 'OCIRepository'; readonly name: string };

  /**
   * Name of the Kustomization in `flux-system` that installs Kyverno. The policies are applied only once it is
   * Ready: Kyverno's policy webhook fails closed while it is registered but not serving.
   */
  readonly kyvernoKustomization: string;

  /** How often Flux re-applies the policies, correcting drift. */
  readonly interval: string;

  /** How soon Flux retries after a failed reconciliation. */
  readonly retryInterval: string;

  /** Time allowed for building, applying and health-checking the policies. */
  readonly timeout: string;

  /** The policy kinds under `path`; Flux waits until every object of these kinds reports Ready. */
  readonly policyKinds: readonly PolicyKind[];

  /**
   * Written suspended (an `oci` environment not yet published, whose source does not exist yet): Flux neither
   * applies nor prunes, so a cluster keeps what it ran before and a new one runs nothing until the first promotion.
   */
  readonly suspend?: boolean;
}

/**
 * Adds the Flux Kustomization that reconciles one environment's policies.
 *
 * `prune: true` removes a policy from the cluster once it leaves `dist/<env>/` (synth's guards make that
 * deliberate); `wait: true` with one `healthCheckExprs` entry per policy kind makes the Kustomization Ready
 * only when Kyverno reports every policy Ready (`healthChecks` would be ignored under `wait`). Deleting the
 * Kustomization itself orphans the policies instead of deleting them: taking Flux's object away must not
 * silently take the cluster's guardrails with it.
 */
export function renderPoliciesKustomization(scope: Construct, id: string, props: PoliciesKustomizationProps): Kustomization {
  return renderFluxObject(scope, id, Kustomization, props.name, {
    path: props.path,
    sourceRef: {
      kind:
        props.sourceRef.kind === 'OCIRepository'
          ? KustomizationSpecSourceRefKind.OCI_REPOSITORY
          : KustomizationSpecSourceRefKind.GIT_REPOSITORY,
      name: props.sourceRef.name,
    },
    dependsOn: [{ name: props.kyvernoKustomization }],
    interval: props.interval,
    retryInterval: props.retryInterval,
    timeout: props.timeout,
    prune: true,
    deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
    wait: true,
    healthCheckExprs: props.policyKinds.map((policyKind) => ({ ...policyKind, current: readyExpression(policyKind) })),
    suspend: props.suspend || undefined,
  });
}
