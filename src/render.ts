import { ApiObject, type Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { FileTree, Manifests } from './model/layout';
import { yamlText } from './yaml-text';

/**
 * Renders a chart as one YAML file per top-level construct (`<dir>/<construct id>.yaml`) plus a
 * `kustomization.yaml` listing exactly those files, so `kustomize build <dir>` yields exactly these objects.
 */
export function renderChartDirectory(chart: Chart, dir: string, tree: FileTree = new Map(), manifests?: Manifests): FileTree {
  const files: string[] = [];
  for (const child of chart.node.children) {
    const json = objectsOf(child);
    if (json.length === 0) continue;
    const file = `${child.node.id}.yaml`;
    tree.set(`${dir}/${file}`, yamlText(...json));
    manifests?.set(`${dir}/${file}`, json);
    files.push(file);
  }
  tree.set(`${dir}/kustomization.yaml`, kustomization(files));
  return tree;
}

/**
 * Renders every object of a chart into the one file `path`, after `header` (comment lines, each ending in a
 * newline): for a file that must stand alone in a directory synth does not own.
 */
export function renderChartFile(chart: Chart, path: string, tree: FileTree, manifests: Manifests, header = ''): void {
  const json = objectsOf(chart);
  tree.set(path, header + yamlText(...json));
  manifests.set(path, json);
}

/** The Kubernetes objects under a construct, as cdk8s renders them. */
function objectsOf(scope: IConstruct): unknown[] {
  return scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => o.toJson());
}

function kustomization(files: readonly string[]): string {
  return yamlText({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files].sort(),
  });
}
