import { UserError } from '../errors';
import type { FileTree } from '../model/layout';

/** Synth's output would remove guardrails from a cluster; nothing is written. Exit code 1. */
export class OutputGuardError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * Refuses a tree in which an environment's directory holds no policy: Flux would apply the empty directory
 * and, with `prune: true`, delete every guardrail it applied before.
 */
export function assertNoEmptyEnvironment(tree: FileTree, environments: readonly string[]): void {
  const withPolicy = new Set([...tree.keys()].filter(isPolicyFile).map((path) => path.slice(0, path.indexOf('/'))));
  const problems = environments
    .filter((env) => !withPolicy.has(env))
    .map((env) => `${env}/ would hold no policy: Flux would prune every guardrail of "${env}". Enable at least one policy.`);
  if (problems.length > 0) throw new OutputGuardError(problems);
}

/** An environment's policy files sit directly in `<env>/`; Flux objects live deeper, in `flux/<env>/`. */
export function isPolicyFile(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && parts[1] !== KUSTOMIZATION_FILE && parts[1].endsWith('.yaml');
}
