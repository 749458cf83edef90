import { parseAllDocuments } from 'yaml';
import { UserError } from '../errors';
import { PHASE_LABEL } from '../model/labels';
import type { CommittedOutput } from './committed';
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
  const problems = environments
    .filter((env) => ![...tree.keys()].some((path) => isPolicyFile(path) && path.startsWith(`${env}/`)))
    .map((env) => `${env}/ would hold no policy: Flux would prune every guardrail of "${env}". Enable at least one policy.`);
  if (problems.length > 0) throw new OutputGuardError(problems);
}

/**
 * Refuses to drop, from an environment's directory, a policy that `committed` has in the enforce phase (read
 * from the policy's `guardrails/phase` label), unless `allowed` names it as `<env>/<policy>`. Only the files
 * that disappear are read.
 */
export function assertNoEnforcedPolicyDropped(committed: CommittedOutput, next: FileTree, allowed: readonly string[]): void {
  const dropped = committed.paths.filter((path) => isPolicyFile(path) && !next.has(path));
  const problems = policiesIn(committed.read(dropped))
    .filter((p) => p.phase === 'enforce' && !allowed.includes(p.id))
    .map(
      (p) =>
        `${p.id}: enforced in the committed ${p.file} and missing from the new output; Flux would delete it from the cluster. ` +
        `If that is intended, run synth again with --allow-removal ${p.id}`,
    );
  if (problems.length > 0) throw new OutputGuardError(problems);
}

interface PolicyEntry {
  /** `<env>/<metadata.name>` */
  readonly id: string;
  readonly file: string;
  readonly phase?: string;
}

/** An environment's policy files sit directly in `<env>/`; Flux objects live deeper, in `flux/<env>/`. */
function isPolicyFile(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && parts[1] !== KUSTOMIZATION_FILE && parts[1].endsWith('.yaml');
}

function policiesIn(tree: FileTree): PolicyEntry[] {
  return [...tree].flatMap(([file, text]) => {
    const env = file.split('/')[0];
    return parseAllDocuments(text).map((doc) => {
      const object = doc.toJS() as { metadata?: { name?: string; labels?: Record<string, string> } } | null;
      return { id: `${env}/${object?.metadata?.name}`, file, phase: object?.metadata?.labels?.[PHASE_LABEL] };
    });
  });
}
