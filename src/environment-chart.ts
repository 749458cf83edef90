import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ENGINES, type PolicyEngine } from './engines';
import type { Environment } from './model/environment';
import { GUARDRAILS } from './policies';
import type { ResolvedCheck } from './policies/definition';
import { resolveGuardrail } from './policies/guardrail';

export const ENVIRONMENT_LABEL = 'guardrails/environment';

/** Properties of {@link EnvironmentChart}. */
export interface EnvironmentChartProps {
  /** The environment whose guardrails the chart holds. */
  readonly environment: Environment;
}

/** One guardrail's policy object, as `engine` renders its resolved definition: the one construct every guardrail uses. */
export class GuardrailPolicy extends Construct {
  constructor(scope: Construct, id: string, engine: PolicyEngine, resolved: ResolvedCheck) {
    super(scope, id);
    if (resolved.check === 'imageVerification') engine.renderImageVerification(this, resolved.definition);
    else engine.renderRegistryRestriction(this, resolved.definition);
  }
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
    for (const name of env.policies.keys()) {
      new GuardrailPolicy(this, name, ENGINES[env.engine], resolveGuardrail(GUARDRAILS[name], env, { [ENVIRONMENT_LABEL]: env.name }));
    }
  }
}
