import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { FileTree } from '../../../src/model/layout';
import { nonEmpty } from '../../helpers';
import { runTool, type Ran } from './run';

/** What `kyverno apply` reported (cmd/cli/kubectl-kyverno/commands/apply at v1.19.0). */
export interface ApplyReport extends Ran {
  /** "Applying N policy rule(s)": the rules of every policy that loaded, counted before policy validation. */
  readonly rulesApplied: number;
  /** The summary line's counts. */
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly error: number;
  readonly skip: number;
  /** Policies the CLI's policy validation refused ("Policies Skipped:" / "Invalid Policies:"), with its reason. */
  readonly refused: readonly string[];
}

/** Parses what `kyverno apply` printed; a run that printed no summary is reported as it is, for the test to judge. */
export function parseApply(ran: Ran): ApplyReport {
  const count = (name: string) => Number(new RegExp(`\\b${name}: (\\d+)`).exec(ran.stdout)?.[1] ?? Number.NaN);
  const rulesApplied = Number(/Applying (\d+) policy rule\(s\)/.exec(ran.stdout)?.[1] ?? Number.NaN);
  const refused: string[] = [];
  let inList = false;
  for (const line of ran.stdout.split('\n')) {
    if (/^(Policies Skipped|Invalid Policies):$/.test(line)) inList = true;
    else if (inList && /^\d+\. /.test(line)) refused.push(line.replace(/^\d+\. /, ''));
    else if (inList && line.trim() !== '') inList = false;
  }
  return {
    ...ran,
    rulesApplied,
    pass: count('pass'),
    fail: count('fail'),
    warn: count('warn'),
    error: count('error'),
    skip: count('skip'),
    refused,
  };
}

export async function kyvernoApply(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ApplyReport> {
  return parseApply(await runTool('kyverno', ['apply', ...args, '--remove-color'], { env }));
}

/** Writes a synthesized tree under `dir`, as synth would write the output directory. */
export function writeTree(tree: FileTree, dir: string): void {
  for (const [path, text] of tree) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** Writes objects as a multi-document YAML file. */
export function writeObjects(file: string, objects: readonly unknown[]): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, objects.map((object) => stringify(object)).join('---\n'));
  return file;
}

/**
 * The rules `kyverno apply` counts for a policy: a ClusterPolicy rule that matches Pods is applied with the two
 * rules Kyverno's autogen adds for Pod controllers (`autogen-<rule>` for Deployments, Jobs, … and
 * `autogen-cronjob-<rule>`, pkg/autogen at v1.19.0), every other policy kind counts as one.
 */
export function expectedRuleCount(policy: { kind: string; spec: { rules?: unknown[] } }): number {
  return policy.kind === 'ClusterPolicy' ? (policy.spec.rules ?? []).length * 3 : 1;
}

/** The shipped sample and every config of test/fixtures/: what the engine tests load, build and apply. */
export function engineTestConfigs(): string[] {
  const fixtures = readdirSync('test/fixtures')
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => `test/fixtures/${file}`);
  return nonEmpty(['environments.yaml', ...fixtures], 'configs');
}
