import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { DIST_DIR, fluxDirectory, type FileTree } from '../../src/model/layout';
import { nonEmpty, objectsIn, tempDir, treeFor } from '../helpers';
import { engineTestConfigs, writeTree } from './support/kyverno';
import { mustSucceed, runTool } from './support/run';

/** A repository holding a config's output: the project itself for the sample, a temporary one for a fixture. */
function repositoryWith(config: string): { root: string; tree: FileTree } {
  const tree = treeFor(config);
  if (config === 'environments.yaml') return { root: resolve('.'), tree };
  const root = tempDir();
  writeTree(tree, join(root, DIST_DIR));
  return { root, tree };
}

/**
 * Where a Kustomization's `spec.path` starts: the repository root for a GitRepository source; for an
 * OCIRepository, the artifact's root, which is the dist/ folder the publishing workflow pushes (`--path=./dist`).
 */
function sourceRoot(root: string, kustomization: any): string {
  return kustomization.spec.sourceRef.kind === 'OCIRepository' ? join(root, DIST_DIR) : root;
}

const identity = (object: any) => `${object.kind}/${object.metadata.name}`;

describe.each(engineTestConfigs())('flux build kustomization (Flux CLI v2.9.4) of %s', (config) => {
  it("builds every environment's Kustomization from its source to exactly the environment's policies", async () => {
    const { root, tree } = repositoryWith(config);
    for (const env of nonEmpty(loadConfig(config), 'environments')) {
      const fluxFiles = [...tree.keys()].filter((path) => path.startsWith(`${fluxDirectory(env.name)}/`));
      const [kustomization, ...others] = fluxFiles
        .flatMap((path) => objectsIn(tree, path).map((object) => ({ object, path })))
        .filter(({ object }) => object.kind === 'Kustomization' && object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'));
      expect(others, `${env.name}: one Flux Kustomization`).toEqual([]);
      const built = mustSucceed(
        await runTool('flux', [
          ...['build', 'kustomization', kustomization.object.metadata.name],
          ...['--path', join(sourceRoot(root, kustomization.object), kustomization.object.spec.path)],
          ...['--kustomization-file', join(root, DIST_DIR, kustomization.path), '--dry-run'],
        ]),
        `flux build kustomization for ${config} ${env.name}`,
      );
      const objects = parseAllDocuments(built.stdout)
        .map((doc) => doc.toJS())
        .filter((object) => object !== null);
      const policies = [...env.policies.keys()].flatMap((name) => objectsIn(tree, `${env.name}/${name}.yaml`));
      expect(objects.map(identity).sort(), `${config} ${env.name}`).toEqual(policies.map(identity).sort());
      for (const policy of policies) {
        const object = objects.find((o) => identity(o) === identity(policy));
        expect(object.spec, `${config} ${env.name} ${identity(policy)}`).toEqual(policy.spec);
      }
    }
  });
});
