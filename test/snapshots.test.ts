import { describe, expect, test } from 'vitest';
import { fixtureEnvironments, nonEmpty, objectsIn, treeFor } from './helpers';

const environments = fixtureEnvironments();
const tree = treeFor();

// The policies each environment enables: a guardrail it leaves out has no file, and a snapshot of a missing
// file would record `undefined` and pass from then on.
describe.each(environments.map((env) => ({ env: env.name, policies: nonEmpty(env.policies.keys(), `${env.name}'s policies`) })))(
  'environment $env',
  ({ env, policies }) => {
    test.each(policies)('%s matches its reviewed snapshot', async (policy) => {
      const path = `${env}/${policy}.yaml`;
      expect(objectsIn(tree, path)).toHaveLength(1);
      await expect(tree.get(path)).toMatchFileSnapshot(`__snapshots__/${env}/${policy}.yaml`);
    });
  },
);

test('two synths of the same config produce identical bytes', () => {
  expect([...treeFor()]).toEqual([...tree]);
});
