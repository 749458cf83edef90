import type { App } from 'cdk8s';
import type { Environment } from '../model/environment';
import { drillDirectory, KYVERNO_TEST_FILE, type FileTree } from '../model/layout';
import { renderChartDirectory } from '../render';
import { DrillChart } from './drill-chart';
import { kyvernoTest } from './kyverno-test';

/**
 * Adds an environment's admission drill to the tree (nothing when it has no `drill` images): the drill
 * Deployments, a kustomization listing them, and the `kyverno-test.yaml` that states the expected results.
 * The environment's policies must already be in the tree, under `<env>/<policy>.yaml`.
 */
export function renderDrill(app: App, env: Environment, tree: FileTree): void {
  if (env.drill === undefined) return;
  const dir = drillDirectory(env.name);
  const chart = new DrillChart(app, { environment: { ...env, drill: env.drill } });
  renderChartDirectory(chart, dir, tree);
  const policyFiles = new Map(
    [...env.policies.keys()].flatMap((name) => {
      const file = `${env.name}/${name}.yaml`;
      return tree.has(file) ? [[name, file] as const] : [];
    }),
  );
  tree.set(`${dir}/${KYVERNO_TEST_FILE}`, kyvernoTest(env, dir, chart.cases, policyFiles));
}
