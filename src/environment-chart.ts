import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ENGINES } from './engines';
import type { Environment } from './model/environment';
import type { GuardrailProps, PolicyEngine } from './policies/guardrail';
import { GUARDRAILS } from './policies';

export const ENVIRONMENT_LABEL = 'guardrails/environment';

/** Properties of {@link EnvironmentChart}. */
export interface EnvironmentChartProps {
  /** The environment whose guardrails the chart holds. */
  readonly environment: Environment;

  /**
   * Renders the guardrails instead of the environment's own engine (e.g. to read their resolved definitions).
   * @default - the engine the environment names
   */
  readonly engine?: PolicyEngine;
}

/**
 * One environment's guardrails: one child construct per enabled policy, named after the policy, rendered by the
 * engine the environment names — so switching one environment's engine touches only its own chart.
 */
export class EnvironmentChart extends Chart {
  readonly environment: Environment;

  constructor(scope: Construct, props: EnvironmentChartProps) {
    super(scope, props.environment.name, { disableResourceNameHashes: true });
    const env = props.environment;
    this.environment = env;
    const engine = props.engine ?? ENGINES[env.engine];
    for (const [name, settings] of env.policies) {
      const common: GuardrailProps = {
        engine,
        imagePatterns: env.imagePatterns,
        signer: env.signer,
        phase: settings.phase,
        failurePolicy: env.webhook.failurePolicy,
        timeoutSeconds: env.webhook.timeoutSeconds,
        namespaces: env.namespaces,
        excludeNamespaces: env.excludeNamespaces,
        labels: { [ENVIRONMENT_LABEL]: env.name },
      };
      GUARDRAILS[name](this, name, common, env);
    }
  }
}
