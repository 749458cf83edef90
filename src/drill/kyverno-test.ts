import { posix } from 'node:path';
import type { Environment } from '../model/environment';
import { renderedKind, type KyvernoTestResultSelector } from '../engines';
import { GUARDRAILS } from '../policies';
import { yamlText } from '../yaml-text';
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
 * The drill's `kyverno-test.yaml`: one `Test` per enabled guardrail, each loading only that guardrail's policy.
 * Every guardrail must pass the signed image's Deployment and fail the unsigned one's (Kyverno autogen applies the
 * Pod policies to Deployments), each result selected as the kind the environment's engine renders the guardrail
 * as requires. One policy per Test because the Kyverno CLI, given several verifyImages policies at once, replaces
 * the `kyverno.io/verify-images` annotation with each policy's own, so the earlier policies' validate steps report
 * the signed image as `unverified image` (v1.19.0 cmd/cli/kubectl-kyverno/processor/policy_processor.go; measured
 * by the engine tests). `policyFiles` are the synthesized policies by name, as tree paths, and `drillDir` is the
 * tree path of the test's directory: the tests refer to both by relative path.
 */
export function kyvernoTest(
  env: Environment,
  drillDir: string,
  cases: readonly DrillCase[],
  policyFiles: ReadonlyMap<string, string>,
): string {
  const relative = (path: string) => posix.relative(drillDir, path);
  const tests = [...env.policies.keys()].map((policy): KyvernoTest => {
    const file = policyFiles.get(policy);
    if (file === undefined) throw new Error(`policy ${policy} of ${env.name} was not synthesized`);
    const { clusterPolicyRule, judges } = GUARDRAILS[policy];
    const selector = renderedKind(env.engine, policy).testSelector(clusterPolicyRule);
    const judged = cases.flatMap((c) => {
      const result = expectedResult(judges, c.role);
      return result === undefined ? [] : [{ drillCase: c, result }];
    });
    return {
      apiVersion: 'cli.kyverno.io/v1alpha1',
      kind: 'Test',
      metadata: { name: `drill-${env.name}-${policy}` },
      policies: [relative(file)],
      resources: judged.map(({ drillCase }) => `${drillCase.id}.yaml`),
      results: judged.map(({ drillCase, result }) => ({ policy, ...selector, kind: 'Deployment', resources: [drillCase.name], result })),
    };
  });
  return yamlText(...tests);
}
