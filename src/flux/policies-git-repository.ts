import type { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepository-source.toolkit.fluxcd.io';
import { CLUSTERS_DIR, DIST_DIR } from '../model/layout';
import { renderFluxObject } from './flux-object';

/**
 * `.sourceignore` rules (they replace source-controller's defaults): everything but the synthesized output and
 * the per-cluster entry points stays out of the artifact, so the generated `imports/`, the sources and the tests
 * never reach the cluster.
 */
export const SOURCE_IGNORE = ['/*', `!/${DIST_DIR}/`, `!/${CLUSTERS_DIR}/`, ''].join('\n');

/** Properties of {@link renderPoliciesGitRepository}. */
export interface PoliciesGitRepositoryProps {
  /** `metadata.name` (namespace `flux-system`); Kustomizations name it in `sourceRef`. */
  readonly name: string;

  /** Clone URL of this repository (`https://`, `http://` or `ssh://`). */
  readonly url: string;

  /** Branch Flux follows. */
  readonly branch: string;

  /** How often source-controller polls the repository (Go duration). */
  readonly interval: string;

  /**
   * Secret in `flux-system` with the credentials of a private repository.
   * @default - none: a public repository
   */
  readonly secretRef?: string;
}

/** Adds the GitRepository the policies are pulled from, its artifact limited to {@link SOURCE_IGNORE}. */
export function renderPoliciesGitRepository(scope: Construct, id: string, props: PoliciesGitRepositoryProps): GitRepository {
  return renderFluxObject(scope, id, GitRepository, props.name, {
    url: props.url,
    ref: { branch: props.branch },
    interval: props.interval,
    secretRef: props.secretRef === undefined ? undefined : { name: props.secretRef },
    ignore: SOURCE_IGNORE,
  });
}
