import { expect, test } from 'vitest';
import validators from '../imports/validators';
import { objectsIn, treeFor } from './helpers';

const tree = treeFor();
// Custom resources only: kustomization.yaml is kustomize input, and the drill (core Deployments typed by
// cdk8s-plus, Kyverno CLI test input) is never applied by Flux.
const policyFiles = [...tree.keys()].filter((path) => !path.endsWith('kustomization.yaml') && !path.startsWith('drill/'));

test.each(policyFiles)('%s validates against its pinned CRD schema, unknown fields rejected', (path) => {
  for (const object of objectsIn(tree, path)) {
    const [group, version] = object.apiVersion.split('/');
    const validate = validators[`${group}/${version}/${object.kind}`];
    expect(validate, `no validator for ${object.apiVersion} ${object.kind}`).toBeDefined();
    expect(validate(object) ? [] : validate.errors).toEqual([]);
  }
});

test('the strict schema rejects an unknown field and an out-of-enum value', () => {
  const [policy] = objectsIn(tree, 'production/verify-image-signatures.yaml');
  const validate = validators['kyverno.io/v1/ClusterPolicy'];
  policy.spec.rules[0].verifyImages[0].failureAction = 'Warn';
  policy.spec.rules[0].verifyImages[0].mutateDigests = true;
  expect(validate(policy)).toBe(false);
  expect(validate.errors?.map((e) => [e.instancePath, e.keyword])).toEqual([
    ['/spec/rules/0/verifyImages/0', 'additionalProperties'],
    ['/spec/rules/0/verifyImages/0/failureAction', 'enum'],
  ]);
});
