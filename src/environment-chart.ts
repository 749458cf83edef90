import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { clusterPolicyEngine } from './engines/cluster-policy';
import type { Environment } from './model/environment';
import { GUARDRAILS } from './policies';
import type { PolicyEngine } from './policies/guardrail';

export const ENVIRONMENT_LABEL = 'guardrails/environment';

/** Properties of {@link EnvironmentChart}. */
export interface EnvironmentChartProps {
  /** The environment whose guardrails the chart holds. */
  readonly environment: Environment;
  /**
   * The Kyverno engine the guardrails are rendered for.
   * @default clusterPolicyEngine
   */
  readonly engine?: PolicyEngine;
}

/** One environment's guardrails: one child construct per enabled policy, named after the policy. */
export class EnvironmentChart extends Chart {
  readonly environment: Environment;

  constructor(scope: Construct, props: EnvironmentChartProps) {
    super(scope, props.environment.name, { disableResourceNameHashes: true });
    const env = (this.environment = props.environment);
    for (const [name, settings] of env.policies) {
      new GUARDRAILS[name](this, name, {
        engine: props.engine ?? clusterPolicyEngine,
        imagePatterns: env.imagePatterns,
        signer: env.signer,
        phase: settings.phase,
        failurePolicy: env.webhook.failurePolicy,
        timeoutSeconds: env.webhook.timeoutSeconds,
        namespaces: env.namespaces,
        excludeNamespaces: env.excludeNamespaces,
        labels: { [ENVIRONMENT_LABEL]: env.name },
      });
    }
  }
}
