import { Environment as CelEnvironment } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import type { Environment } from '../../src/model/environment';
import { synthesizeTree } from '../../src/synthesize';
import { MIXED_ENGINES_CONFIG, THREE_ENVIRONMENTS_CONFIG, nonEmpty, objectsIn, writeConfig } from '../helpers';
import {
  type Grouping,
  canAutogen,
  isQualifiedName,
  sharedWebhooks,
  webhookKinds,
  webhookMatchConditions,
} from '../support/kyverno-webhooks';

const SIGNER = '{ issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }';

/** Two ImageValidatingPolicy environments on one cluster with policies of the same matchConstraints, none in common. */
const TWO_ON_ONE_CLUSTER = writeConfig(
  [
    'environments:',
    '  - name: images',
    '    engine: ImageValidatingPolicy',
    '    imagePatterns: [ghcr.io/acme/*]',
    `    signer: ${SIGNER}`,
    '    policies: { verify-image-signatures: { phase: enforce }, restrict-image-registries: { phase: enforce } }',
    '  - name: evidence',
    '    cluster: images',
    '    engine: ImageValidatingPolicy',
    '    imagePatterns: [ghcr.io/acme/*]',
    `    signer: ${SIGNER}`,
    '    policies: { require-sbom-attestation: { phase: enforce }, require-provenance-attestation: { phase: enforce } }',
    '',
  ].join('\n'),
);

/** Configs whose CEL policies land on clusters: every environment's engine as configured, or switched to the CEL engine. */
const SCENARIOS: ReadonlyArray<[string, Environment[]]> = [
  [
    'three environments, engine switched',
    loadConfig(THREE_ENVIRONMENTS_CONFIG).map((env) => ({ ...env, engine: 'ImageValidatingPolicy' })),
  ],
  ['mixed engines', loadConfig(MIXED_ENGINES_CONFIG)],
  ['side by side: both engines on one cluster', loadConfig('test/fixtures/side-by-side.yaml')],
  ['two CEL environments on one cluster', loadConfig(TWO_ON_ONE_CLUSTER)],
];

const CEL_KINDS = new Set(['ImageValidatingPolicy', 'ValidatingPolicy']);

/** Per cluster: every policies.kyverno.io object the environments applied to it generate. */
function celPoliciesByCluster(environments: readonly Environment[]): Map<string, any[]> {
  const tree = synthesizeTree(environments);
  const byCluster = new Map<string, any[]>();
  for (const env of environments) {
    const objects = [...tree.keys()]
      .filter((path) => path.startsWith(`${env.name}/`) && !path.endsWith('/kustomization.yaml'))
      .flatMap((path) => objectsIn(tree, path))
      .filter((object) => CEL_KINDS.has(object.kind));
    byCluster.set(env.cluster, [...(byCluster.get(env.cluster) ?? []), ...objects]);
  }
  return byCluster;
}

const CLUSTERS = SCENARIOS.flatMap(([scenario, environments]) =>
  [...celPoliciesByCluster(environments)]
    .filter(([, policies]) => policies.length > 0)
    .map(([cluster, policies]) => ({ scenario, cluster, policies })),
);
const POLICIES = nonEmpty(
  CLUSTERS.flatMap(({ scenario, policies }) =>
    policies.map((policy) => ({ scenario, id: `${policy.kind}/${policy.metadata.name}`, policy })),
  ),
  'the generated CEL policies',
);

describe('Kyverno webhook grouping (kyverno/kyverno#17275)', () => {
  it('covers clusters with several CEL policies, from one environment and from two', () => {
    expect(CLUSTERS.find(({ cluster }) => cluster === 'images')?.policies).toHaveLength(4);
    expect(CLUSTERS.filter(({ policies }) => policies.length > 1).length).toBeGreaterThanOrEqual(5);
  });

  describe.each(['v1.19.0', 'as-reported'] satisfies Grouping[])('grouped as %s', (grouping) => {
    it.each(CLUSTERS)('$scenario, cluster $cluster: no two generated policies share a webhook', ({ policies }) => {
      expect(sharedWebhooks(policies, grouping)).toEqual([]);
    });
  });

  it('the model does see sharing: without their match conditions and timeouts, policies of one cluster share webhooks', () => {
    const { policies } = CLUSTERS.find(({ cluster }) => cluster === 'images')!;
    const bare = policies.map((policy) => {
      const { matchConditions, webhookConfiguration, ...spec } = policy.spec;
      return { ...policy, spec };
    });
    // The Fail-policy validating webhook holds all four; the three image verifications also share the mutating one.
    expect(sharedWebhooks(bare, 'v1.19.0').map(({ webhook, policies: members }) => [webhook, members.length])).toEqual([
      ['ivpol.validate.kyverno.svc-fail', 3],
      ['ivpol.mutate.kyverno.svc-fail', 3],
    ]);
    // With the timeout alone, v1.19.0 keeps them apart; the trigger as reported does not count on it.
    const timeoutOnly = policies.map((policy) => ({ ...policy, spec: { ...policy.spec, matchConditions: undefined } }));
    expect(sharedWebhooks(timeoutOnly, 'v1.19.0')).toEqual([]);
    expect(sharedWebhooks(timeoutOnly, 'as-reported')).not.toEqual([]);
  });
});

/** The variables the API server gives a webhook's match conditions (object, oldObject, request, authorizer). */
const admissionCel = new CelEnvironment()
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('authorizer', 'dyn');

describe.each(POLICIES)('$scenario: $id, its match conditions', ({ policy }) => {
  const onWebhook = webhookMatchConditions(policy);

  it('Kyverno still generates its Pod controller variants', () => {
    expect(canAutogen(policy.spec.matchConstraints)).toBe(true);
    expect(webhookKinds(policy).map(({ kind }) => kind)).toEqual([
      'Pod',
      'CronJob',
      'DaemonSet',
      'Deployment',
      'ReplicaSet',
      'StatefulSet',
      'Job',
    ]);
  });

  it('are valid where Kyverno and the API server check them: qualified, unique names, at most 64, as autogen prefixes them', () => {
    expect(policy.spec.matchConditions.length).toBeGreaterThan(0);
    for (const conditions of [policy.spec.matchConditions, onWebhook]) {
      const names = conditions.map((c: { name: string }) => c.name);
      expect(names.filter((name: string) => !isQualifiedName(name))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
      expect(conditions.length).toBeLessThanOrEqual(64);
    }
    // One condition for Pods and one per autogen replacement set.
    expect(onWebhook.map((c) => c.name)).toEqual(
      policy.spec.matchConditions.flatMap((c: { name: string }) => [
        `autogen-${c.name}`,
        `autogen-cronjobs-${c.name}`,
        `autogen-defaults-${c.name}`,
      ]),
    );
  });

  it('let every request through: each is a boolean that is true for a Pod and for every controller kind', () => {
    for (const { apiVersion, kind } of [...webhookKinds(policy), { apiVersion: 'v1', kind: 'ConfigMap' }]) {
      const request = { object: { apiVersion, kind, spec: {} }, oldObject: null, request: { operation: 'CREATE' }, authorizer: {} };
      for (const { expression } of [...policy.spec.matchConditions, ...onWebhook])
        expect(admissionCel.evaluate(expression, request)).toBe(true);
    }
  });
});
