import { ApiObject, App } from 'cdk8s';
import type { Construct } from 'constructs';
import { EnvironmentChart } from '../environment-chart';
import type { Environment } from '../model/environment';
import type { ImageVerification, PolicyEngine } from '../policies/guardrail';

/**
 * The resolved image verification definitions of an environment's guardrails — signer, predicate type and
 * predicate conditions, defaults applied — taken from the very constructs that render its policies, so local
 * checks can never drift from what the cluster enforces.
 */
export function imageVerificationsOf(environment: Environment): ImageVerification[] {
  const definitions: ImageVerification[] = [];
  const placeholder = (scope: Construct) => new ApiObject(scope, 'Resource', { apiVersion: 'v1', kind: 'Definition' });
  const recorder: PolicyEngine = {
    kind: environment.engine,
    renderImageVerification(scope, definition) {
      definitions.push(definition);
      return placeholder(scope);
    },
    renderRegistryRestriction: (scope) => placeholder(scope),
  };
  new EnvironmentChart(new App(), { environment, engine: recorder });
  return definitions;
}
