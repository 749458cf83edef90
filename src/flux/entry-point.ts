import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomization-kustomize.toolkit.fluxcd.io';
import type { Environment } from '../model/environment';
import { BOOTSTRAP_SOURCE, clusterNameSuffix } from '../model/cluster-naming';
import { DIST_DIR, fluxDirectory, fluxPath, GENERATED_MARKER } from '../model/layout';
import { renderFluxObject } from './flux-object';

/** Name of the entry Kustomization; an environment applied to a cluster named otherwise adds `-<env>`. */
const ENTRY_KUSTOMIZATION_NAME = 'guardrails';

/** How often Flux re-applies `dist/flux/<env>/`; the objects there carry the configurable settings. */
const ENTRY_INTERVAL = '10m';

/** Properties of {@link EntryPointChart}. */
export interface EntryPointChartProps {
  /** The environment whose `dist/flux/<env>/` the entry point applies. */
  readonly environment: Environment;
}

/**
 * An environment's entry point on its cluster, written to `clusters/<cluster>/`: the one Kustomization the
 * cluster's bootstrap applies, which applies what synth wrote to `dist/flux/<env>/`. Its settings are fixed so
 * the file changes only when the environment's name or cluster does; everything configurable lives in
 * `dist/flux/<env>/`.
 */
export class EntryPointChart extends Chart {
  constructor(scope: Construct, props: EntryPointChartProps) {
    const { name, cluster } = props.environment;
    // `.` cannot occur in an environment name, so this id never collides with another chart's.
    super(scope, `clusters.${name}`, { disableResourceNameHashes: true });
    renderFluxObject(this, 'entry', Kustomization, `${ENTRY_KUSTOMIZATION_NAME}${clusterNameSuffix(name, cluster)}`, {
      interval: ENTRY_INTERVAL,
      path: fluxPath(fluxDirectory(name)),
      prune: true,
      // The bootstrap source: the objects in dist/flux/<env>/ may name another one for the policies.
      sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: BOOTSTRAP_SOURCE },
    });
  }
}

/** The comment lines an environment's entry point starts with: the marker, then what it applies. */
export function entryPointHeader(environment: string): string {
  return [
    GENERATED_MARKER,
    `# Supply-chain guardrails: applies what synth wrote to ${DIST_DIR}/${fluxDirectory(environment)}/ (the policies Kustomization,`,
    `# which then reconciles ${DIST_DIR}/${environment}/ once Kyverno is Ready). See docs/flux.md.`,
    '',
  ].join('\n');
}
