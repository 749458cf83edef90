import { describe, expect, test } from 'vitest';
import validators from '../../imports/validators';
import { RENDERED_KINDS } from '../../src/engines';
import { DRILL_OUTPUT_DIR, type FileTree } from '../../src/model/layout';
import { MIXED_ENGINES_CONFIG, objectsIn, THREE_ENVIRONMENTS_CONFIG, treeFor, treeWithEngine } from '../helpers';

/** Every tree synth can write: the three-environments fixture in each engine, and the test config mixing both. */
const TREES: ReadonlyArray<[string, FileTree]> = [
  ['three environments', treeFor(THREE_ENVIRONMENTS_CONFIG)],
  ['three environments as ImageValidatingPolicy', treeWithEngine('ImageValidatingPolicy', THREE_ENVIRONMENTS_CONFIG)],
  ['mixed engines', treeFor(MIXED_ENGINES_CONFIG)],
];

// Custom resources only: kustomization.yaml is kustomize input, and the drill (core Deployments typed by
// cdk8s-plus, Kyverno CLI test input) is applied by hand, never by Flux.
const objects = TREES.flatMap(([source, tree]) =>
  [...tree.keys()]
    .filter((path) => !path.endsWith('kustomization.yaml') && !path.startsWith(`${DRILL_OUTPUT_DIR}/`))
    .flatMap((path) => objectsIn(tree, path).map((object) => ({ source, path, object }))),
);

describe('every object Flux applies validates against its pinned CRD schema, unknown fields rejected', () => {
  test('covers every kind synth emits', () => {
    expect(new Set(objects.map(({ object }) => `${object.apiVersion}/${object.kind}`))).toEqual(
      new Set([...RENDERED_KINDS.keys(), 'kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/GitRepository']),
    );
  });

  test.each(objects)('$source: $path', ({ object }) => {
    const validate = validators[`${object.apiVersion}/${object.kind}`];
    expect(validate, `no validator for ${object.apiVersion} ${object.kind}`).toBeDefined();
    expect(validate(object) ? [] : validate.errors).toEqual([]);
  });
});

describe('the strict validators reject what the CRDs do not allow', () => {
  const first = (kind: string) => structuredClone(objects.find(({ object }) => object.kind === kind)!.object);

  test('ClusterPolicy: an unknown field and an out-of-enum value', () => {
    const policy = first('ClusterPolicy');
    const entry = policy.spec.rules.find((r: any) => r.verifyImages).verifyImages[0];
    entry.failureAction = 'Warn';
    entry.mutateDigests = true;
    const validate = validators['kyverno.io/v1/ClusterPolicy'];
    expect(validate(policy)).toBe(false);
    expect(validate.errors?.map((e) => [e.keyword, e.instancePath.replace(/\d+/g, 'N')])).toEqual([
      ['additionalProperties', '/spec/rules/N/verifyImages/N'],
      ['enum', '/spec/rules/N/verifyImages/N/failureAction'],
    ]);
  });

  test.each(['ImageValidatingPolicy', 'ValidatingPolicy', 'Kustomization'])('%s: an unknown spec field', (kind) => {
    const object = first(kind);
    object.spec.validation = 'client';
    expect(validators[`${object.apiVersion}/${kind}`](object)).toBe(false);
  });
});
