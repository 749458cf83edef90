import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../src/validate';
import { describeSchemaErrors, validateAgainstCrd } from '../../src/validate/schema';
import { fixtureObject } from '../helpers';

const PRODUCTION_SIGNATURES = 'production/verify-image-signatures.yaml';

describe('CRD schema validation (crd-schema)', () => {
  it("accepts the fixture's objects", () => {
    expect(validateAgainstCrd(fixtureObject(PRODUCTION_SIGNATURES))).toEqual([]);
  });

  it('rejects a field the CRD does not know, where unknown fields are not preserved', () => {
    const policy = fixtureObject(PRODUCTION_SIGNATURES);
    policy.spec.rules[0].verifyImages[0].mutateDigests = true;
    expect(validateAgainstCrd(policy)).toEqual([
      { path: ['spec', 'rules', 0, 'verifyImages', 0, 'mutateDigests'], message: 'unknown field "mutateDigests"', rule: 'crd-schema' },
    ]);
  });

  it('keeps unknown fields where the schema says x-kubernetes-preserve-unknown-fields', () => {
    const policy = fixtureObject(PRODUCTION_SIGNATURES);
    policy.spec.rules[0].validate = { pattern: { spec: { anything: { goes: [1, 'two'] } } } };
    expect(validateAgainstCrd(policy)).toEqual([]);
  });

  it('rejects a value outside an enum, quoting the allowed values', () => {
    const policy = fixtureObject(PRODUCTION_SIGNATURES);
    policy.spec.rules[0].verifyImages[0].failureAction = 'enforce';
    expect(validateAgainstCrd(policy)).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0, 'failureAction'],
        message: 'Unsupported value: supported values: "Audit", "Enforce"',
        rule: 'crd-schema',
      },
    ]);
  });

  it('rejects a missing required field and a wrong type, all in one pass', () => {
    const policy = fixtureObject(PRODUCTION_SIGNATURES);
    delete policy.spec.rules[0].name;
    policy.spec.webhookConfiguration.timeoutSeconds = '30';
    expect(validateAgainstCrd(policy)).toEqual(
      expect.arrayContaining([
        { path: ['spec', 'rules', 0, 'name'], message: 'Required value', rule: 'crd-schema' },
        { path: ['spec', 'webhookConfiguration', 'timeoutSeconds'], message: 'Invalid value: must be of type integer', rule: 'crd-schema' },
      ]),
    );
  });

  it('rejects status: synth never writes it', () => {
    const policy = fixtureObject(PRODUCTION_SIGNATURES);
    policy.status = { ready: true };
    expect(validateAgainstCrd(policy)).toEqual([{ path: ['status'], message: 'unknown field "status"', rule: 'crd-schema' }]);
  });

  it('reports an object whose kind has no pinned CRD (crd-unknown-kind)', () => {
    const violations = validateObject({ apiVersion: 'kyverno.io/v2', kind: 'ClusterPolicy', metadata: { name: 'x' } });
    expect(violations).toEqual([
      {
        path: ['kind'],
        rule: 'crd-unknown-kind',
        message: 'no pinned CRD schema for kyverno.io/v2/ClusterPolicy: pin its CRD in cdk8s.yaml and run `npm run import`',
      },
    ]);
  });
});

describe('OpenAPI → strict JSON Schema translation of the import step', async () => {
  // Exercised on a small schema: the pinned CRDs have no int-or-string or nullable fields today.
  const generator = '../../scripts/generate-validators.mjs';
  const { toStrictJsonSchema } = (await import(generator)) as { toStrictJsonSchema: (schema: object) => object };
  const validate = new Ajv({ allErrors: true, strict: false }).compile(
    toStrictJsonSchema({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
      },
    }),
  );
  const violations = (value: object) => (validate(value) ? [] : describeSchemaErrors(validate.errors ?? []));

  it('accepts an integer or a string for x-kubernetes-int-or-string, and reports anything else once', () => {
    expect(violations({ port: 8080 })).toEqual([]);
    expect(violations({ port: 'http' })).toEqual([]);
    expect(violations({ port: true })).toEqual([
      { path: ['port'], message: 'Invalid value: must match a schema in anyOf', rule: 'crd-schema' },
    ]);
  });

  it('accepts null only where nullable', () => {
    expect(violations({ note: null })).toEqual([]);
    expect(violations({ port: null })).toHaveLength(1);
  });

  it('rejects unknown fields except under x-kubernetes-preserve-unknown-fields', () => {
    expect(violations({ free: { known: 'a', other: { x: 1 } } })).toEqual([]);
    expect(violations({ extra: 1 })).toEqual([{ path: ['extra'], message: 'unknown field "extra"', rule: 'crd-schema' }]);
  });
});

describe('the config schema (environments.schema.json)', async () => {
  const { default: configSchema } = await import('../../environments.schema.json');

  /** The definition a local `$ref` (`#/definitions/…`) points at. */
  const target = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .reduce<any>((node, key) => node[key], configSchema);

  it('documents every field, in its own description or in the definition it refers to', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, any> }).properties ?? {};
      for (const [name, property] of Object.entries(properties)) {
        const documented = property.description ?? (property.$ref === undefined ? undefined : target(property.$ref).description);
        if (typeof documented !== 'string' || documented.trim() === '') undocumented.push(`${path}.${name}`);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
    };
    walk(configSchema, '');
    expect(undocumented).toEqual([]);
    // The walk reaches the trust roots' fields, through the definition the top-level map refers to.
    expect(Object.keys(configSchema.definitions.trustRoot.properties)).toEqual([
      'fulcio',
      'rekor',
      'ctlog',
      'tsa',
      'trustedRoot',
      'tuf',
      'insecureIgnoreTlog',
      'insecureIgnoreSCT',
    ]);
  });
});
