import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import schema from '../../environments.schema.json';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load';
import { drillDirectory, KYVERNO_TEST_FILE } from '../../src/model/layout';
import validators from '../../imports/validators';
import { ENGINES, RENDERED_KINDS, renderedKind } from '../../src/engines';
import { readyExpression } from '../../src/flux';
import { LINT_RULES } from '../../src/validate/lint';
import { ENGINE_KINDS } from '../../src/model/environment';
import { MIXED_ENGINES_CONFIG, THREE_ENVIRONMENTS_CONFIG, fixtureEnvironments, objectsIn, treeFor, writeConfig } from '../helpers';

const MINIMAL = (engineLine: string) => `environments:
  - name: dev
${engineLine}
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { verify-image-signatures: { phase: audit } }
`;

describe('the engine config field', () => {
  it('defaults to ClusterPolicy', () => {
    expect(parseConfig(MINIMAL(''), 'env.yaml')[0].engine).toBe('ClusterPolicy');
  });

  it('selects ImageValidatingPolicy', () => {
    expect(parseConfig(MINIMAL('    engine: ImageValidatingPolicy'), 'env.yaml')[0].engine).toBe('ImageValidatingPolicy');
  });

  it('rejects an unknown engine, naming file, line, environment, field and the allowed values', () => {
    let error: unknown;
    try {
      parseConfig(MINIMAL('    engine: ValidatingPolicy'), 'env.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.objectContaining({
        file: 'env.yaml',
        line: 3,
        environment: 'dev',
        field: 'engine',
        message: expect.stringContaining('"ImageValidatingPolicy"'),
      }),
    ]);
  });

  it('offers exactly the engines there are, each emitting the kind it is named after', () => {
    expect(schema.definitions.environment.properties.engine.enum).toEqual([...ENGINE_KINDS]);
    for (const kind of ENGINE_KINDS) expect(ENGINES[kind].kind).toBe(kind);
  });

  it('gives every kind an engine renders a pinned CRD schema, a Flux health check and the lint', () => {
    for (const [key, kind] of RENDERED_KINDS) {
      expect(validators[key], key).toBeDefined();
      expect(readyExpression(kind), key).toBe(kind.ready);
      for (const rule of LINT_RULES) expect(rule.kinds, `${rule.id} on ${key}`).toContain(key);
    }
  });

  it('renders each environment of a mixed config with its own engine', () => {
    const tree = treeFor(MIXED_ENGINES_CONFIG);
    for (const env of loadConfig(MIXED_ENGINES_CONFIG)) {
      for (const name of env.policies.keys()) {
        expect(objectsIn(tree, `${env.name}/${name}.yaml`).map((o) => o.kind)).toEqual([renderedKind(env.engine, name).kind]);
      }
    }
  });
});

describe('switching one environment to ImageValidatingPolicy', () => {
  const before = treeFor(THREE_ENVIRONMENTS_CONFIG);
  const environments = fixtureEnvironments();

  it.each(environments.map((env, index) => ({ name: env.name, index })))('changes only the files of $name', ({ name, index }) => {
    const doc = parseDocument(readFileSync(THREE_ENVIRONMENTS_CONFIG, 'utf8'));
    doc.setIn(['environments', index, 'engine'], 'ImageValidatingPolicy');
    const after = treeFor(writeConfig(doc.toString()));

    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after.keys()].filter((path) => after.get(path) !== before.get(path)).sort();
    const policyFiles = [...environments[index].policies.keys()].map((policy) => `${name}/${policy}.yaml`);
    // Every policy of the switched environment changes kind, its Flux Kustomization health-checks the new kinds
    // and its drill selects their results as the new kinds require; nothing else moves, not even its
    // kustomization.yaml or drill Deployments, nor any other environment's file.
    const drillTest = environments[index].drill ? [`${drillDirectory(name)}/${KYVERNO_TEST_FILE}`] : [];
    expect(changed).toEqual([...policyFiles, `flux/${name}/policies.yaml`, ...drillTest].sort());
    for (const policy of environments[index].policies.keys()) {
      expect(objectsIn(after, `${name}/${policy}.yaml`).map((o) => o.kind)).toEqual([renderedKind('ImageValidatingPolicy', policy).kind]);
    }
  });
});
