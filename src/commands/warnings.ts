import type { Environment, Signer } from '../model/environment';
import { publicInstanceIssuerProblem } from '../model/oidc-issuers';
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
 * environment that enforces from its first commit (`newEnvironments`, found against the committed output), an
 * attestation guardrail its engine verifies in one signature format only (or in none) for its trust root, and a signer
 * on the public Sigstore instance whose issuer that instance does not certify.
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
  return [...denials, ...enforcingFromTheStart, ...attestationFormats, ...environments.flatMap(unknownPublicIssuers)];
}

/**
 * A signer on the public instance whose issuer that instance never certifies: its policy would match no signature. (The
 * publisher's issuer is GitHub Actions' own, which the config requires.)
 */
function unknownPublicIssuers(env: Environment): string[] {
  const signers: [string, Signer | undefined][] = [
    ['signer', env.signer],
    ['provenance.signer', env.provenance.provenanceSigner],
  ];
  return signers.flatMap(([field, signer]) => {
    const problem = signer?.trustRoot.kind === 'public' ? publicInstanceIssuerProblem(signer.issuer) : undefined;
    return problem ? [`environment "${env.name}": ${field}.issuer "${signer!.issuer}" ${problem}`] : [];
  });
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
