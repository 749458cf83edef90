import { App } from 'cdk8s';
import { renderDrill } from './drill';
import { EnvironmentChart } from './environment-chart';
import { FluxChart, fluxDirectory, objectKinds } from './flux';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree } from './output/render';

/**
 * Synthesizes every environment's output tree in memory: config model in, file tree out.
 * Per environment: its policies in `<env>/`, the Flux objects that reconcile them in `flux/<env>/`, and its
 * admission drill (when configured) in `drill/<env>/`.
 */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  const app = new App();
  const tree: FileTree = new Map();
  for (const environment of environments) {
    const policies = new EnvironmentChart(app, { environment });
    renderChartDirectory(policies, environment.name, tree);
    renderChartDirectory(new FluxChart(app, { environment, policyKinds: objectKinds(policies) }), fluxDirectory(environment.name), tree);
    renderDrill(app, environment, tree);
  }
  return tree;
}
