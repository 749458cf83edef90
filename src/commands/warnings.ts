import type { Environment } from '../model/environment';
import type { CommittedState } from '../output/committed';
import {
  describeWeakenedPolicy,
  findWeakenedPolicies,
  newEnforcingEnvironments,
  type NewEnforcingEnvironment,
  type NextOutput,
} from '../output/weakening-gate';
import { attestationLimits } from '../engines/kyverno-verification';
import { controllerDenials } from '../policies/cluster-controllers';

// What synth writes but warns about: output that is valid and allowed, yet risks the cluster it protects.

/**
 * One line per risk: an enforced guardrail that would deny the images of controllers in a namespace it checks, an
 * environment that enforces from its first commit (`newEnvironments`, found against the committed output), and an
 * attestation guardrail its engine verifies in one signature format only (or in none) for its trust root.
 */
export function safetyWarnings(environments: readonly Environment[], newEnvironments: readonly NewEnforcingEnvironment[]): string[] {
  const denials = environments.flatMap((env) =>
    controllerDenials(env).map(
      ({ policy, controllers, images, reason, remedy }) =>
        `environment "${env.name}": ${policy} (enforce) checks namespace ${controllers.namespace}, where ${controllers.declaredBy} run, ` +
        `and would deny ${images.join(', ')}: ${reason}. A denied controller stops at its next restart or upgrade; ${remedy}`,
    ),
  );
  const enforcingFromTheStart = newEnvironments.map(
    ({ environment, enforced }) =>
      `environment "${environment}" is new and enforces ${enforced.join(', ')} from its first reconcile, before any audit showed what ` +
      `would be denied: start each policy at phase: audit, and enforce it once \`npm run readiness -- --env ${environment} --reports <reports>\` says ready (docs/rollout.md)`,
  );
  const attestationFormats = environments.flatMap((env) => attestationLimits(env).map(({ message }) => message));
  return [...denials, ...enforcingFromTheStart, ...attestationFormats];
}

/**
 * What a commit of `next` (the output of the staged config) weakens among the policies the `committed` output (at
 * git HEAD) enforces, then {@link safetyWarnings}: for the pre-commit hook, which warns and lets the commit through (synth
 * refused the weakening unless it was allowed by name).
 */
export function commitWarnings(committed: CommittedState, configFile: string, next: NextOutput): string[] {
  const weakened = findWeakenedPolicies(committed, configFile, next);
  return [
    ...weakened.map((policy) => `this commit weakens a policy enforced at ${committed.source}: ${describeWeakenedPolicy(policy)}`),
    ...safetyWarnings(next.environments, newEnforcingEnvironments(committed, next.environments)),
  ];
}
