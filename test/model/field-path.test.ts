import { expect, test } from 'vitest';
import { INPUT_FIELD, formatFieldPath, fromJsonPointer } from '../../src/model/field-path';

test.each([
  [[], '(object)'],
  [['spec', 'rules', 0, 'verifyImages', 0], 'spec.rules[0].verifyImages[0]'],
  [['metadata', 'annotations', 'policies.kyverno.io/title'], 'metadata.annotations["policies.kyverno.io/title"]'],
  [['metadata', 'labels', 'guardrails-phase'], 'metadata.labels.guardrails-phase'],
  [[0, 'kind'], '[0].kind'],
])('field %j of a synthesized object is named %s, keys that are not plain names quoted', (path, expected) => {
  expect(formatFieldPath(path)).toBe(expected);
});

test.each([
  [[], '(top level)'],
  [['environments', 2, 'signer', 'subject'], 'environments[2].signer.subject'],
  [['imagePatterns', 0], 'imagePatterns[0]'],
  [['signer', 'a.b c'], 'signer.a.b c'],
])('field %j of a file the user wrote is named %s, keys as written', (path, expected) => {
  expect(formatFieldPath(path, INPUT_FIELD)).toBe(expected);
});

test('an ajv instancePath becomes a field path', () => {
  expect(formatFieldPath(fromJsonPointer('/results/0/result'), INPUT_FIELD)).toBe('results[0].result');
  expect(formatFieldPath(fromJsonPointer(''), INPUT_FIELD)).toBe('(top level)');
  expect(fromJsonPointer('/metadata/annotations/a~1b~0c')).toEqual(['metadata', 'annotations', 'a/b~c']);
});
