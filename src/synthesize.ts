import { App } from 'cdk8s';
import { renderDrill } from './drill';
import { EnvironmentChart } from './environment-chart';
import { FluxChart, fluxDirectory, objectKinds } from './flux';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree, type Manifests } from './output/render';

/**
 * Synthesizes every environment's output tree in memory: config model in, file tree (and the objects of the
 * files Flux applies) out. Per environment: its policies in `<env>/`, the Flux objects that reconcile them in
 * `flux/<env>/`, and its admission drill (when configured) in `drill/<env>/`.
 */
export function synthesize(environments: readonly Environment[]): { tree: FileTree; manifests: Manifests } {
  const app = new App();
  const tree: FileTree = new Map();
  const manifests: Manifests = new Map();
  for (const environment of environments) {
    const policies = new EnvironmentChart(app, { environment });
    renderChartDirectory(policies, environment.name, tree, manifests);
    const flux = new FluxChart(app, { environment, policyKinds: objectKinds(policies) });
    renderChartDirectory(flux, fluxDirectory(environment.name), tree, manifests);
    renderDrill(app, environment, tree);
  }
  return { tree, manifests };
}

/** The file tree alone. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  return synthesize(environments).tree;
}
