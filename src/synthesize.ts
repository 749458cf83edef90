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

/** One environment's output, rendered in memory. */
export interface EnvironmentSynthesis {
  readonly environment: Environment;
  /** Its files of the output tree (`<env>/`, `flux/<env>/`, `drill/<env>/`), relative to `dist/`. */
  readonly tree: FileTree;
  /** The objects of those files Flux applies. */
  readonly manifests: Manifests;
  /** Its cluster's entry point: path relative to the parent of `dist/`, content, and objects. */
  readonly entryPoint: { readonly path: string; readonly content: string; readonly objects: readonly unknown[] };
}

/**
 * Synthesizes one environment's output in memory: its policies in `<env>/`, the Flux objects that reconcile them in
 * `flux/<env>/`, its admission drill (when configured) in `drill/<env>/`, and the entry point its cluster's
 * bootstrap applies. Each environment is a cdk8s app of its own, so nothing of it outlives its rendering.
 */
export function synthesizeEnvironment(environment: Environment): EnvironmentSynthesis {
  const app = new App();
  const tree: FileTree = new Map();
  const manifests: Manifests = new Map();
  const policies = new EnvironmentChart(app, { environment });
  renderChartDirectory(policies, environment.name, tree, manifests);
  const flux = new FluxChart(app, { environment, policyKinds: objectKinds(policies) });
  renderChartDirectory(flux, fluxDirectory(environment.name), tree, manifests);
  renderDrill(app, environment, tree);
  const entryPoints: FileTree = new Map();
  const entryPointManifests: Manifests = new Map();
  const path = entryPointPath(environment.name, environment.cluster);
  renderChartFile(new EntryPointChart(app, { environment }), path, entryPoints, entryPointManifests, entryPointHeader(environment.name));
  return { environment, tree, manifests, entryPoint: { path, content: entryPoints.get(path)!, objects: entryPointManifests.get(path)! } };
}

/** Synthesizes every environment's output in memory (see {@link synthesizeEnvironment}), and the publishing workflows. */
export function synthesize(environments: readonly Environment[]): Synthesis {
  const tree: FileTree = new Map();
  const manifests: Manifests = new Map();
  const entryPoints: FileTree = new Map();
  const entryPointManifests: Manifests = new Map();
  for (const environment of environments) {
    const synthesis = synthesizeEnvironment(environment);
    for (const [path, content] of synthesis.tree) tree.set(path, content);
    for (const [path, objects] of synthesis.manifests) manifests.set(path, objects);
    entryPoints.set(synthesis.entryPoint.path, synthesis.entryPoint.content);
    entryPointManifests.set(synthesis.entryPoint.path, synthesis.entryPoint.objects);
  }
  return { tree, manifests, entryPoints, entryPointManifests, workflows: renderPublishWorkflows(environments) };
}

/** The file tree alone. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  return synthesize(environments).tree;
}
