import { describe, expect, test } from 'vitest';
import { ENGINES } from '../../src/engines';
import type { EngineKind } from '../../src/model/environment';
import { fixtureEnvironments, nonEmpty, objectsIn, treeFor, treeWithEngine } from '../helpers';

/** Where each engine's reviewed snapshots of the three-environments fixture are kept, relative to this file. */
const SNAPSHOT_DIRECTORIES: Readonly<Record<EngineKind, string>> = {
  ClusterPolicy: '__snapshots__',
  ImageValidatingPolicy: '__snapshots__/image-validating-policy',
};

const environments = fixtureEnvironments();

// The policies each environment enables: a guardrail it leaves out has no file, and a snapshot of a missing
// file would record `undefined` and pass from then on.
const cases = nonEmpty(Object.keys(ENGINES) as EngineKind[], 'engines').flatMap((engine) =>
  environments.map((env) => ({ engine, env: env.name, policies: nonEmpty(env.policies.keys(), `${env.name}'s policies`) })),
);

const trees = new Map(cases.map(({ engine }) => [engine, treeWithEngine(engine)]));

describe.each(cases)('$engine: environment $env', ({ engine, env, policies }) => {
  const tree = trees.get(engine)!;
  test.each(policies)('%s matches its reviewed snapshot', async (policy) => {
    const path = `${env}/${policy}.yaml`;
    expect(objectsIn(tree, path)).toHaveLength(1);
    await expect(tree.get(path)).toMatchFileSnapshot(`${SNAPSHOT_DIRECTORIES[engine]}/${path}`);
  });
});

test('two synths of the same config produce identical bytes', () => {
  expect([...treeFor()]).toEqual([...treeFor()]);
});
