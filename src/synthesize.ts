import { App } from 'cdk8s';
import { EnvironmentChart } from './environment-chart';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree, type Manifests } from './output/render';

/** Synthesizes every environment's output tree in memory: config model in, file tree (and its objects) out. */
export function synthesize(environments: readonly Environment[]): { tree: FileTree; manifests: Manifests } {
  const app = new App();
  const tree: FileTree = new Map();
  const manifests: Manifests = new Map();
  for (const environment of environments) {
    renderChartDirectory(new EnvironmentChart(app, { environment }), environment.name, tree, manifests);
  }
  return { tree, manifests };
}

/** The file tree alone. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  return synthesize(environments).tree;
}
