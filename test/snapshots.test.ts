import { describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config/load';
import { POLICY_NAMES } from '../src/model/environment';
import { withManifest } from '../src/output/ownership';
import { readTree } from '../src/output/write';
import { SHIPPED_CONFIG, treeFor } from './helpers';

const environments = loadConfig(SHIPPED_CONFIG);
const tree = treeFor();

describe.each(environments.map((e) => e.name))('environment %s', (env) => {
  test.each(POLICY_NAMES)('%s matches its reviewed snapshot', async (policy) => {
    await expect(tree.get(`${env}/${policy}.yaml`)).toMatchFileSnapshot(`__snapshots__/${env}/${policy}.yaml`);
  });
});

test('two synths of the same config produce identical bytes', () => {
  expect([...treeFor()]).toEqual([...tree]);
});

test('the committed dist/ is exactly what synth writes for the shipped config', () => {
  expect(Object.fromEntries(readTree('dist'))).toEqual(Object.fromEntries(withManifest(tree)));
});
