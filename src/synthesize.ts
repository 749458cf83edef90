import { App } from 'cdk8s';
import { renderDrill } from './drill';
import { EnvironmentChart } from './environment-chart';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree } from './output/render';

/**
 * Synthesizes every environment's output tree in memory: config model in, file tree out. Each environment's
 * policies go to `<env>/`, its admission drill (when configured) to `drill/<env>/`.
 */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  const app = new App();
  const tree: FileTree = new Map();
  for (const environment of environments) {
    renderChartDirectory(new EnvironmentChart(app, { environment }), environment.name, tree);
    renderDrill(app, environment, tree);
  }
  return tree;
}
