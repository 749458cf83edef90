import { App } from 'cdk8s';
import { EnvironmentChart } from './environment-chart';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree } from './output/render';

/** Synthesizes every environment's output tree in memory: config model in, file tree out. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  const app = new App();
  const tree: FileTree = new Map();
  for (const environment of environments) {
    renderChartDirectory(new EnvironmentChart(app, { environment }), environment.name, tree);
  }
  return tree;
}
