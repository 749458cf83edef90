import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../config/load';
import { UserError } from '../errors';
import type { Environment, PolicyName } from '../model/environment';
import { PHASE_LABEL } from '../model/labels';
import type { FileTree } from '../model/layout';
import type { ResolvedCheck } from '../policies/definition';
import { resolveGuardrail } from '../policies/guardrail';
import { GUARDRAILS } from '../policies';
import { REMOVED, weakeningsOf, weakeningsWithoutBaseline } from '../policies/weakening';
import type { CommittedState } from './committed';
import { gitConfigFiles } from './git-config-files';
import { isPolicyFile } from './guards';

// The regression gate: what a new output would weaken among the policies the committed output enforces. A policy's
// committed file tells whether it is enforced (its phase label) and whether it changes at all; what the change lets
// through is judged on the engine-neutral definitions, the committed ones resolved from the config committed with the
// output by this same code, so the gate judges the config change (an upgrade of the product's own rendering shows in
// the policy lock instead).

/** An enforced policy of the committed output that the new output weakens. */
export interface WeakenedPolicy {
  /** `<env>/<policy>`, as `--allow-weakening` names it. */
  readonly id: string;
  /** What it lets through that the committed one did not, one phrase each. */
  readonly weakenings: readonly string[];
}

/** `<env>/<policy>: <what it lets through>; …` */
export function describeWeakenedPolicy({ id, weakenings }: WeakenedPolicy): string {
  return `${id}: ${weakenings.join('; ')}`;
}

/**
 * The new state compared with the committed one: the blob id of each file of the new output (as its manifest records
 * them, so no environment need be rendered again to be compared) and the environments it was rendered from.
 */
export interface NextOutput {
  readonly ids: ReadonlyMap<string, string>;
  readonly environments: readonly Environment[];
}

/**
 * Every policy the committed output enforces that `next` removes or weakens. Only committed policy files that `next`
 * changes are read; the committed config is read and resolved only when one of them is enforced.
 */
export function findWeakenedPolicies(committed: CommittedState, configFile: string, next: NextOutput): WeakenedPolicy[] {
  const changed = committed.differingFrom(next.ids, committed.paths.filter(isPolicyFile));
  const enforced = policiesIn(changed).filter((policy) => policy.phase === 'enforce');
  if (enforced.length === 0) return [];
  const baseline = committedDefinitions(committed, configFile);
  return enforced.flatMap(({ environment, name, file }): WeakenedPolicy[] => {
    const id = `${environment}/${name}`;
    const after = definitionIn(next.environments, environment, name);
    if (after === undefined) return [{ id, weakenings: [REMOVED] }];
    const before = typeof baseline === 'string' ? undefined : definitionIn(baseline, environment, name);
    const weakenings =
      before?.definition.phase === 'enforce'
        ? weakeningsOf(before, after)
        : weakeningsWithoutBaseline(
            after,
            typeof baseline === 'string'
              ? baseline
              : `the committed ${configFile} does not enforce ${id} although the committed ${file} does (they were committed apart)`,
          );
    return weakenings.length === 0 ? [] : [{ id, weakenings }];
  });
}

/** An environment the committed output does not have yet, and the policies it enforces from the start. */
export interface NewEnforcingEnvironment {
  readonly environment: string;
  readonly enforced: readonly PolicyName[];
}

/** The environments of `environments` that the committed output does not have yet and that enforce a policy from the start. */
export function newEnforcingEnvironments(committed: CommittedState, environments: readonly Environment[]): NewEnforcingEnvironment[] {
  const committedEnvironments = new Set(committed.paths.filter(isPolicyFile).map((path) => path.split('/')[0]));
  return environments.flatMap((env) => {
    const enforced = [...env.policies].filter(([, { phase }]) => phase === 'enforce').map(([name]) => name);
    return committedEnvironments.has(env.name) || enforced.length === 0 ? [] : [{ environment: env.name, enforced }];
  });
}

/** The committed environments, resolved by this code from the committed config, or why there are none to compare with. */
function committedDefinitions(committed: CommittedState, configFile: string): readonly Environment[] | string {
  const text = committed.readConfig(configFile);
  if (text === undefined) {
    return committed.source === 'disk'
      ? 'there is no committed config to compare with (no git repository, or no commit yet)'
      : `${configFile} is not committed at git HEAD`;
  }
  try {
    // The files it names (a trust root's certificates and keys) as committed with it, not as the work tree holds them.
    return parseConfig(text, `${configFile} (git HEAD)`, gitConfigFiles(dirname(resolve(configFile)), 'HEAD'));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return `the committed ${configFile} no longer loads (${error.message.split('\n')[0]})`;
  }
}

function definitionIn(environments: readonly Environment[], environment: string, name: PolicyName): ResolvedCheck | undefined {
  const env = environments.find((candidate) => candidate.name === environment);
  return env?.policies.has(name) ? resolveGuardrail(GUARDRAILS[name], env) : undefined;
}

interface CommittedPolicy {
  readonly environment: string;
  readonly name: PolicyName;
  readonly file: string;
  readonly phase?: string;
}

/** The policies of committed policy files, with their phase label; a file holds one policy, named like the file. */
function policiesIn(tree: FileTree): CommittedPolicy[] {
  return [...tree].flatMap(([file, text]) => {
    const [environment] = file.split('/');
    return parseAllDocuments(text).map((doc) => {
      const object = doc.toJS() as { metadata?: { name?: string; labels?: Record<string, string> } } | null;
      return { environment, name: object?.metadata?.name as PolicyName, file, phase: object?.metadata?.labels?.[PHASE_LABEL] };
    });
  });
}
