import { Yaml } from 'cdk8s';
import { posix } from 'node:path';
import type { Environment } from '../model/environment';
import { renderedKind, type KyvernoTestResultSelector } from '../engines';
import { GUARDRAILS } from '../policies';
import { expectedResult, type DrillCase, type DrillExpectation } from './drill-chart';

/** The parts of the Kyverno CLI's `cli.kyverno.io/v1alpha1` `Test` the drill uses. */
export interface KyvernoTest {
  readonly apiVersion: 'cli.kyverno.io/v1alpha1';
  readonly kind: 'Test';
  readonly metadata: { readonly name: string };
  /** Policy files, relative to the test file. */
  readonly policies: readonly string[];
  /** Resource files, relative to the test file. */
  readonly resources: readonly string[];
  readonly results: readonly KyvernoTestResult[];
}

export type KyvernoTestResult = { readonly policy: string } & KyvernoTestResultSelector & {
    readonly kind: string;
    readonly resources: readonly string[];
    readonly result: DrillExpectation;
  };

/**
 * The drill's `kyverno-test.yaml`: every enabled guardrail must pass the signed image's Deployment and fail the
 * unsigned one's (Kyverno autogen applies the Pod policies to Deployments), each result selected as the kind the
 * environment's engine renders the guardrail as requires. `policyFiles` are the synthesized policies by name, as tree paths, and
 * `drillDir` is the tree path of the test's directory: the test refers to both by relative path.
 */
export function kyvernoTest(
  env: Environment,
  drillDir: string,
  cases: readonly DrillCase[],
  policyFiles: ReadonlyMap<string, string>,
): string {
  const relative = (path: string) => posix.relative(drillDir, path);
  const test: KyvernoTest = {
    apiVersion: 'cli.kyverno.io/v1alpha1',
    kind: 'Test',
    metadata: { name: `drill-${env.name}` },
    policies: [...env.policies.keys()].map((name) => {
      const file = policyFiles.get(name);
      if (file === undefined) throw new Error(`policy ${name} of ${env.name} was not synthesized`);
      return relative(file);
    }),
    resources: cases.map((c) => `${c.id}.yaml`),
    results: [...env.policies.keys()].flatMap((policy) => {
      const { clusterPolicyRule, judges } = GUARDRAILS[policy];
      const selector = renderedKind(env.engine, policy).testSelector(clusterPolicyRule);
      return cases.flatMap((c) => {
        const result = expectedResult(judges, c.role);
        if (result === undefined) return [];
        return [{ policy, ...selector, kind: 'Deployment', resources: [c.name], result }];
      });
    }),
  };
  return Yaml.stringify(test);
}
