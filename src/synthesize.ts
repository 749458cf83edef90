import { App } from 'cdk8s';
import { renderDrill } from './drill';
import { EnvironmentChart } from './environment-chart';
import { EntryPointChart, entryPointHeader } from './flux/entry-point';
import { FluxChart, objectKinds } from './flux';
import type { Environment } from './model/environment';
import { entryPointPath, fluxDirectory, type FileTree, type Manifests } from './model/layout';
import { renderPublishWorkflows } from './flux/publish-workflow';
import { renderChartDirectory, renderChartFile } from './render';

/** Everything synth writes, in memory. */
export interface Synthesis {
  /** The output tree, relative to `dist/`. */
  readonly tree: FileTree;
  /** The objects of the tree's files Flux applies. */
  readonly manifests: Manifests;
  /** The clusters' entry points, relative to the parent of `dist/`: `clusters/<cluster>/guardrails[-<env>].yaml`. */
  readonly entryPoints: FileTree;
  /** The objects of each entry point. */
  readonly entryPointManifests: Manifests;
  /** The workflows that publish OCI-delivered environments, relative to the parent of `dist/`: `.github/workflows/<file>`. */
  readonly workflows: FileTree;
}

/**
 * The files synth owns beside `dist/`, relative to its parent: the entry points and the publishing workflows.
 * Both carry the generated marker, and are written, compared and removed alike.
 */
export function generatedFilesBeside(synthesis: Synthesis): FileTree {
  return new Map([...synthesis.entryPoints, ...synthesis.workflows]);
}

/**
 * Synthesizes every environment's output in memory: config model in, file trees (and the objects of the files
 * Flux applies) out. Per environment: its policies in `<env>/`, the Flux objects that reconcile them in
 * `flux/<env>/`, its admission drill (when configured) in `drill/<env>/`, and the entry point its cluster's
 * bootstrap applies.
 */
export function synthesize(environments: readonly Environment[]): Synthesis {
  const app = new App();
  const tree: FileTree = new Map();
  const manifests: Manifests = new Map();
  const entryPoints: FileTree = new Map();
  const entryPointManifests: Manifests = new Map();
  for (const environment of environments) {
    const policies = new EnvironmentChart(app, { environment });
    renderChartDirectory(policies, environment.name, tree, manifests);
    const flux = new FluxChart(app, { environment, policyKinds: objectKinds(policies) });
    renderChartDirectory(flux, fluxDirectory(environment.name), tree, manifests);
    renderDrill(app, environment, tree);
    const entryPoint = new EntryPointChart(app, { environment });
    const path = entryPointPath(environment.name, environment.cluster);
    renderChartFile(entryPoint, path, entryPoints, entryPointManifests, entryPointHeader(environment.name));
  }
  return { tree, manifests, entryPoints, entryPointManifests, workflows: renderPublishWorkflows(environments) };
}

/** The file tree alone. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  return synthesize(environments).tree;
}
