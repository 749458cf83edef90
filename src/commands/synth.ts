import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { parseConfigKept } from '../config/checked-cache';
import { readConfigText } from '../config/load';
import { UsageError, UserError } from '../errors';
import type { Environment } from '../model/environment';
import { NOT_YET_PUBLISHED_SUMMARY, isPublished } from '../model/delivery';
import { clustersDirectoryFor, drillDirectory, environmentOfPath, fluxDirectory, type FileTree } from '../model/layout';
import { CheckedRendering } from '../output/checked-rendering';
import { checkOutput, writeOutput, type FleetComparison } from '../output/fleet-output';
import { MANIFEST_FILE } from '../output/manifest';
import { compareLockIds, DEFAULT_LOCK_DIR, lockTree } from '../output/policy-lock';
import { checkedConfigBeside, type TreeDiff } from '../output/write';
import { formatFinding, type ValidationReport } from '../validate';
import { describeHandEdits } from '../output/hand-edits';
import { notWrittenNote, staleOutputRemedy } from './missing-output';
import { readCommittedOutput } from '../output/committed';
import {
  ALLOW_WEAKENING_OPTION,
  RETIRED_ALLOW_OPTIONS,
  assertKnownEnvironments,
  describeGateOutcome,
  parseAllowances,
  regressionGate,
} from './regression-gate';
import { checkStaged } from './check-staged';
import { defineCommand, type OptionDescription } from './command';
import { NEXT_STEP_HINTS, type OutputChange } from './hints';
import type { Output } from './output';

export const DEFAULT_CONFIG = 'environments.yaml';

/** `--config`, shared by every command that reads the environments. */
export const CONFIG_OPTION = {
  config: { type: 'string', default: DEFAULT_CONFIG, valueName: 'file', description: 'the environments config to read' },
} as const satisfies Record<string, OptionDescription>;

const OUTPUT_OPTIONS = {
  ...CONFIG_OPTION,
  outdir: {
    type: 'string',
    valueName: 'dir',
    description: 'the output directory (default: $CDK8S_OUTDIR, else dist); entry points go to clusters/ beside it',
  },
} as const satisfies Record<string, OptionDescription>;

const CONFIG_REFUSAL = 'invalid config, validation findings (each with its rule id) or a refused output directory';

/** `--outdir`, else $CDK8S_OUTDIR (an empty one counts as unset, as in shells), else `dist`. */
function resolveOutdir(outdir: string | undefined): string {
  if (outdir === '') throw new UsageError('--outdir is empty: name the output directory, e.g. --outdir dist');
  // Normalized, so `dist/.` and `dist//` name dist itself and its entry points go to clusters/ beside it.
  const chosen = outdir ?? (process.env.CDK8S_OUTDIR || 'dist');
  return chosen === '/' ? chosen : normalize(chosen).replace(/\/+$/, '');
}

/** `--full`, shared by synth and check. */
const FULL_OPTION = {
  full: {
    type: 'boolean',
    default: false,
    description:
      'render and validate every environment, whatever the output manifest records (CI); by default an environment whose config, generator and files are unchanged is not rendered again',
  },
} as const satisfies Record<string, OptionDescription>;

/**
 * Synthesizes every environment in memory, refuses environments that would collide on a shared cluster and output
 * in which an environment has no policy, and validates every object (entry points included); throws ConfigError,
 * OutputGuardError or ValidationError. The output tree, and the report.
 */
export function synthesizeValidated(environments: readonly Environment[]): { tree: FileTree; report: ValidationReport } {
  const rendering = new CheckedRendering(environments);
  const tree: FileTree = new Map();
  for (const environment of environments) for (const [path, content] of rendering.render(environment).tree) tree.set(path, content);
  return { tree, report: rendering.assertAccepted() };
}

/** The config's environments, checked once per text: `keep` keeps the checked config beside the output directory. */
function loadEnvironments(config: string, outdir: string): { environments: Environment[]; keep: () => void } {
  return parseConfigKept(readConfigText(config), config, checkedConfigBeside(outdir));
}

/** Runs `step`; a refusal it throws is thrown again with a line of context before and/or after its message. */
function withContext<T>(step: () => T, context: { before?: string; after?: string }): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError([context.before, error.message, context.after].filter((line) => line !== undefined).join('\n'), error.exitCode);
  }
}

export const synth = defineCommand({
  name: 'synth',
  usage: '[options]',
  summary:
    "Validate environments.yaml and write every environment's policies, Flux objects and drill into the output directory, and its cluster's entry point into clusters/.",
  details: [
    'Environment by environment, each changed one is rendered, validated and written beside the output directory, and the new tree is then swapped in; ' +
      'on any error the output directory is left as it was. An environment whose config, generator and pinned CRDs are those the output manifest records, ' +
      'and whose files hold the bytes it records, is not rendered again and its files are kept as they are. ' +
      'Prints every added, changed and removed file, then a summary, then the steps that must follow (if any).',
  ],
  options: { ...OUTPUT_OPTIONS, ...FULL_OPTION, ...ALLOW_WEAKENING_OPTION },
  retiredOptions: RETIRED_ALLOW_OPTIONS,
  exitCodes: [
    { code: 0, meaning: 'written, or already up to date' },
    {
      code: 1,
      meaning: `${CONFIG_REFUSAL}, output that weakens an enforced policy no --allow-weakening names, or a filesystem error; nothing written`,
    },
  ],
  run({ values }, output) {
    const outdir = resolveOutdir(values.outdir);
    const parent = dirname(outdir);
    // Worded only when a refusal is reported: a missing output directory is looked up in git then, not on every synth.
    const unchanged = {
      get after() {
        return notWrittenNote(outdir);
      },
    };
    const { environments, keep } = withContext(() => loadEnvironments(values.config, outdir), unchanged);
    const allowances = parseAllowances(values['allow-weakening']);
    if (allowances.length > 0) assertKnownEnvironments(allowances, environments, readCommittedOutput(outdir), values.config);
    const written = withContext(
      () =>
        writeOutput(outdir, environments, {
          full: values.full,
          againstCommitted: (committed, next) => regressionGate(committed, outdir, values.config, next, allowances),
        }),
      unchanged,
    );
    keep(); // the config synth accepted and wrote: the next synth need not check it again
    if (written.entryPointFailure !== undefined) {
      if (!(written.entryPointFailure instanceof UserError)) throw written.entryPointFailure;
      throw new UserError(
        `${outdir}/ was written, but not the entry points in ${clustersDirectoryFor(outdir)}/:\n${written.entryPointFailure.message}`,
      );
    }
    const change = outputChange(outdir, environments, written);
    const lines = [
      ...formatChange(change),
      ...describeHandEdits(written.handEdits, outdir, true),
      ...describeDiff(written.besideDiff, parent),
    ];
    lines.forEach((line) => output.out(line));
    printSummary(environments, written, output);
    const { allowed, warnings } = describeGateOutcome(written.gate, environments);
    allowed.forEach((line) => output.out(line));
    warnings.forEach((line) => output.out(line));
    if (lines.length === 0) {
      output.out(
        `${outdir}/ and the entry points in ${clustersDirectoryFor(outdir)}/ are up to date (${written.fileCount} files, ${describeBeside(written)})`,
      );
      return 0;
    }
    const { added, changed, removed } = change.diff;
    output.out(
      `wrote ${outdir}/: ${added.length} added, ${changed.length} changed, ${removed.length} removed (${written.fileCount} files)`,
    );
    const { besideDiff } = written;
    const entryPointChanges = besideDiff.added.length + besideDiff.changed.length + besideDiff.removed.length;
    if (entryPointChanges > 0) {
      // The files are listed above; entry points and publishing workflows are counted together here.
      const files = entryPointChanges === 1 ? '1 file' : `${entryPointChanges} files`;
      output.out(`wrote ${files} beside ${outdir}/ (${describeBeside(written)} in all)`);
    }
    // The lock is read only when the output changed: an up-to-date synth reads nothing more.
    const withLock = { ...change, lock: lockBeside(parent, environments, written.ids) };
    for (const hint of NEXT_STEP_HINTS.flatMap((hintFor) => hintFor(withLock))) output.out(`next: ${hint}`);
    return 0;
  },
});

/**
 * `check`: the drift gate. Synthesizes and validates in memory, lists how `dist/` and the entry points under
 * `clusters/` differ, writes nothing. `--staged` checks what the commit being made holds instead (see
 * {@link checkStaged}).
 */
export const check = defineCommand({
  name: 'check',
  usage: '[options]',
  summary:
    'The drift gate: synthesize in memory and list every file of the output directory and every entry point in clusters/ that differs; writes nothing.',
  options: {
    ...OUTPUT_OPTIONS,
    ...FULL_OPTION,
    staged: {
      type: 'boolean',
      default: false,
      description:
        'check the commit being made: synthesize the staged config and compare with the staged output and policy lock (the pre-commit hook)',
    },
    'lock-dir': { type: 'string', default: DEFAULT_LOCK_DIR, valueName: 'dir', description: 'with --staged: the policy lock directory' },
  },
  exitCodes: [
    { code: 0, meaning: 'the output directory and the entry points are current' },
    { code: 1, meaning: `stale or (with --staged) not fully staged, ${CONFIG_REFUSAL}, or a filesystem error` },
  ],
  run({ values }, output) {
    const outdir = resolveOutdir(values.outdir);
    if (values.staged) return checkStaged(values.config, outdir, values['lock-dir'], values.full, output);
    const { environments } = loadEnvironments(values.config, outdir);
    const checked = checkOutput(outdir, environments, { full: values.full });
    const stale = [
      ...formatChange(outputChange(outdir, environments, checked)),
      ...describeHandEdits(checked.handEdits, outdir, false),
      ...checked.irregular,
      ...describeDiff(checked.besideDiff, dirname(outdir)),
    ];
    const clustersDir = clustersDirectoryFor(outdir);
    if (stale.length === 0) {
      output.out(
        `${outdir}/ is current, and so are the entry points in ${clustersDir}/ ` +
          `(${checked.fileCount} files, ${describeBeside(checked)}; ${describeRendered(checked)})`,
      );
      return 0;
    }
    stale.forEach((line) => output.err(line));
    output.err(staleOutputRemedy(outdir, clustersDir));
    return 1;
  },
});

/** The environment an output file belongs to; none for a file directly in the output directory. */
function environmentOfFile(path: string): string | undefined {
  return path.includes('/') ? environmentOfPath(path) : undefined;
}

/** The policy lock of the project holding the output directory, compared with the new output; undefined while it has none. */
function lockBeside(parent: string, environments: readonly Environment[], ids: ReadonlyMap<string, string>): OutputChange['lock'] {
  const dir = join(parent, DEFAULT_LOCK_DIR);
  return existsSync(dir) ? { dir, diff: compareLockIds(lockTree(environments, ids), dir) } : undefined;
}

/** What the hints and the change's lines are told of a comparison. */
function outputChange(outdir: string, environments: readonly Environment[], compared: FleetComparison): OutputChange {
  const { diff, addedEnvironments, removedEnvironments } = compared;
  return { outdir, environments, diff, addedEnvironments, removedEnvironments };
}

/**
 * The lines `check` and `synth` print for a change of the output directory: an environment that appears or
 * disappears as a whole is one line naming its directories; every other file is one line of {@link describeDiff}.
 */
function formatChange({ outdir, diff: fullDiff, addedEnvironments, removedEnvironments }: OutputChange): string[] {
  const diff = withoutDerivedManifest(fullDiff);
  // Each changed file is grouped by its environment once: the lines cost what the diff is long, whatever the fleet.
  const wholeEnvironments = (kind: 'added' | 'removed', environments: readonly string[], paths: readonly string[]) => {
    const whole = new Set(environments);
    const files = new Map(environments.map((env) => [env, [] as string[]]));
    const rest = paths.filter((path) => {
      const env = environmentOfFile(path);
      if (env === undefined || !whole.has(env)) return true;
      files.get(env)!.push(path);
      return false;
    });
    const lines = environments.map((env) => {
      const own = files.get(env)!;
      const directories = [env, fluxDirectory(env), drillDirectory(env)].filter((dir) => own.some((path) => path.startsWith(`${dir}/`)));
      return `${kind} environment ${env}: ${directories.map((dir) => `${outdir}/${dir}/`).join(', ')} (${own.length} files)`;
    });
    return { lines, rest };
  };
  const added = wholeEnvironments('added', addedEnvironments, diff.added);
  const removed = wholeEnvironments('removed', removedEnvironments, diff.removed);
  return [...added.lines, ...removed.lines, ...describeDiff({ added: added.rest, changed: diff.changed, removed: removed.rest }, outdir)];
}

/**
 * One line per file a diff lists, `added:   <dir>/<path>` and so on; none for an empty diff. The writer's
 * manifest records every file's id and every environment's config: it is listed only when nothing else explains
 * its change.
 */
export function describeDiff(diff: TreeDiff, dir: string): string[] {
  const at = (path: string) => (dir === '.' ? path : `${dir}/${path}`);
  const { added, changed, removed } = withoutDerivedManifest(diff);
  return [
    ...added.map((path) => `added:   ${at(path)}`),
    ...changed.map((path) => `changed: ${at(path)}`),
    ...removed.map((path) => `removed: ${at(path)}`),
  ];
}

/** The diff without the writer's manifest when another file's change explains its own. */
function withoutDerivedManifest(diff: TreeDiff): TreeDiff {
  if (![...diff.added, ...diff.changed, ...diff.removed].some((path) => path !== MANIFEST_FILE)) return diff;
  const listed = (paths: readonly string[]) => paths.filter((path) => path !== MANIFEST_FILE);
  return { added: listed(diff.added), changed: listed(diff.changed), removed: listed(diff.removed) };
}

/**
 * Per environment: its policies with their phase, and how many objects were validated, or that it is unchanged; then
 * every warning of the environments rendered (an unchanged one's were printed when it was rendered).
 */
function printSummary(environments: readonly Environment[], { plan, report }: FleetComparison, output: Output): void {
  for (const env of environments) {
    const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
    const validated = plan.rendered.has(env.name)
      ? `${report.objectsValidated.get(env.name) ?? 0} objects validated`
      : 'unchanged, not rendered again';
    const unpublished = env.delivery.mode === 'oci' && !isPublished(env.delivery) ? `; ${NOT_YET_PUBLISHED_SUMMARY}` : '';
    output.out(`${env.name} [${env.engine}]: ${phases}; ${validated}${unpublished}`);
  }
  for (const warning of report.warnings) output.out(`warning: ${formatFinding(warning)}`);
}

/** How many environments were rendered and objects validated, and how many environments were current. */
function describeRendered({ plan, report }: FleetComparison): string {
  const objects = [...report.objectsValidated.values()].reduce((sum, n) => sum + n, 0);
  const current = plan.current.size === 0 ? '' : `, ${plan.current.size} unchanged as the manifest records`;
  return `${plan.rendered.size} environments rendered, ${objects} objects validated${current}`;
}

/** How many entry points (and publishing workflows, when there are any) synth owns beside the output. */
function describeBeside({ entryPointCount, workflowCount }: FleetComparison): string {
  const workflows = workflowCount === 0 ? '' : `, ${workflowCount} publishing workflow${workflowCount === 1 ? '' : 's'}`;
  return `${entryPointCount} entry points${workflows}`;
}
