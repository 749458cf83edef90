import { UsageError } from '../errors';
import { didYouMean } from '../model/did-you-mean';
import { POLICY_NAMES, type Environment, type PolicyName } from '../model/environment';
import type { CommittedState } from '../output/committed';
import { OutputGuardError, isPolicyFile } from '../output/guards';
import {
  describeWeakenedPolicy,
  findWeakenedPolicies,
  newEnforcingEnvironments,
  type NewEnforcingEnvironment,
  type NextOutput,
  type WeakenedPolicy,
} from '../output/weakening-gate';
import type { OptionDescription } from './command';
import { safetyWarnings } from './warnings';

// Synth's regression gate (what it weakens is found in src/output/weakening-gate.ts), and `--allow-weakening
// <env>/<policy>`, the one way to let synth weaken a policy the committed output enforces (remove or disable it, demote
// it, or widen what it admits). Each value is checked against the environments and the policy catalogue, so a
// misspelled one is a usage error rather than an override that silently allows nothing.

const FLAG = '--allow-weakening';
const EXAMPLE = `${FLAG} production/verify-image-signatures`;

export const ALLOW_WEAKENING_OPTION = {
  'allow-weakening': {
    type: 'string',
    multiple: true,
    default: [],
    valueName: 'env/policy',
    description:
      'let synth weaken a policy the committed output enforces: remove or disable it, demote it to audit, or widen what it admits',
  },
} as const satisfies Record<string, OptionDescription>;

/** Options a command no longer takes, with what replaces each: naming one is a usage error that says so. */
export const RETIRED_ALLOW_OPTIONS = {
  'allow-removal': `${FLAG}, which covers removing an enforced policy and every other weakening of one: pass it the same <env>/<policy> values`,
} as const;

/** One `--allow-weakening` value. */
export interface Allowance {
  /** `<env>/<policy>`, as written. */
  readonly id: string;
  readonly environment: string;
  readonly policy: PolicyName;
}

/** The values as `<env>/<policy>` with a known policy; a usage error for the first that is not, with a did-you-mean. */
export function parseAllowances(values: readonly string[]): Allowance[] {
  return values.map((id) => {
    const parts = id.split('/');
    if (parts.length !== 2 || parts.some((part) => part === '')) {
      throw new UsageError(`${FLAG} "${id}": write <env>/<policy>, e.g. ${EXAMPLE}`);
    }
    const [environment, policy] = parts;
    if (!(POLICY_NAMES as readonly string[]).includes(policy)) {
      throw new UsageError(
        `${FLAG} ${id}: no policy "${policy}"${didYouMean(policy, POLICY_NAMES)}; the policies are ${POLICY_NAMES.join(', ')}`,
      );
    }
    return { id, environment, policy: policy as PolicyName };
  });
}

/**
 * Refuses an allowance naming an environment neither the config nor the committed output has (a removed environment
 * is only in the committed output), with a did-you-mean.
 */
export function assertKnownEnvironments(
  allowances: readonly Allowance[],
  environments: readonly Environment[],
  committed: CommittedState,
  configFile: string,
): void {
  const known = new Set([
    ...environments.map((env) => env.name),
    ...committed.paths.filter(isPolicyFile).map((path) => path.split('/')[0]),
  ]);
  const unknown = allowances.find((allowance) => !known.has(allowance.environment));
  if (unknown === undefined) return;
  throw new UsageError(
    `${FLAG} ${unknown.id}: no environment "${unknown.environment}" in ${configFile} or the committed output` +
      `${didYouMean(unknown.environment, known)}; the environments are ${[...known].sort().join(', ')}`,
  );
}

/** What the regression gate let synth write: the weakenings allowed, the allowances that allowed nothing, the new environments. */
export interface GateOutcome {
  readonly allowed: readonly WeakenedPolicy[];
  readonly unused: readonly Allowance[];
  readonly newEnvironments: readonly NewEnforcingEnvironment[];
}

/**
 * The regression gate of synth: refuses (an OutputGuardError) output that weakens a policy the `committed` output (of
 * `outdir`) enforces unless an allowance names it, one line each with what it lets through, then one command that
 * names them all.
 */
export function regressionGate(
  committed: CommittedState,
  outdir: string,
  configFile: string,
  next: NextOutput,
  allowances: readonly Allowance[],
): GateOutcome {
  const weakened = findWeakenedPolicies(committed, configFile, next);
  const ids = new Set(allowances.map((allowance) => allowance.id));
  const refused = weakened.filter((policy) => !ids.has(policy.id));
  if (refused.length > 0) {
    throw new OutputGuardError([
      `compared with the committed ${outdir}/ (${committed.source}), the new output weakens policies it enforces:`,
      ...refused.map(describeWeakenedPolicy),
      `Each would let through what the cluster denies today. If that is intended, run synth again with ` +
        refused.map((policy) => `${FLAG} ${policy.id}`).join(' '),
    ]);
  }
  return {
    allowed: weakened,
    unused: allowances.filter((allowance) => !weakened.some((policy) => policy.id === allowance.id)),
    newEnvironments: newEnforcingEnvironments(committed, next.environments),
  };
}

/** What synth prints of the gate's outcome, after the summary: a line per weakening allowed, then the warnings. */
export function describeGateOutcome(gate: GateOutcome, environments: readonly Environment[]): { allowed: string[]; warnings: string[] } {
  return {
    allowed: gate.allowed.map((policy) => `weakened, as allowed: ${describeWeakenedPolicy(policy)}`),
    warnings: [
      ...gate.unused.map((allowance) => `${FLAG} ${allowance.id} allows nothing: this output does not weaken ${allowance.id}; drop it`),
      ...safetyWarnings(environments, gate.newEnvironments),
    ].map((warning) => `warning: ${warning}`),
  };
}
