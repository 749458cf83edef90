import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { loadConfig } from '../config/load';
import { UsageError, UserError } from '../errors';
import type { Environment } from '../model/environment';
import { NOT_YET_PUBLISHED_SUMMARY, isPublished } from '../model/delivery';
import { assertNoClusterCollision } from '../output/cluster-sharing';
import { readCommittedOutput } from '../output/committed';
import { assertEntryPointsWritable, diffEntryPoints, readClusterFiles, writeEntryPoints } from '../output/entry-points';
import { assertNoEmptyEnvironment } from '../output/guards';
import { describeHandEdits, findHandEdits, type HandEdit } from '../output/hand-edits';
import { clustersDirectoryFor, drillDirectory, environmentOfPath, fluxDirectory, type FileTree } from '../model/layout';
import { MANIFEST_FILE, withManifest } from '../output/ownership';
import { compareLock, DEFAULT_LOCK_DIR, lockTree } from '../output/policy-lock';
import { diffTrees, readOutput, writeTreeAtomically, type TreeDiff } from '../output/write';
import { generatedFilesBeside, synthesize, type Synthesis } from '../synthesize';
import { formatFinding, validateTree, ValidationError, type ValidationReport } from '../validate';
import {
  ALLOW_WEAKENING_OPTION,
  RETIRED_ALLOW_OPTIONS,
  assertKnownEnvironments,
  describeGateOutcome,
  parseAllowances,
  regressionGate,
  type GateOutcome,
} from './regression-gate';
import { checkStaged } from './check-staged';
import { defineCommand, type OptionDescription } from './command';
import { NEXT_STEP_HINTS, type OutputChange } from './hints';
import { notWrittenNote, staleOutputRemedy } from './missing-output';
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

/**
 * Synthesizes in memory, refuses environments that would collide on a shared cluster and output in which an
 * environment has no policy, and validates every object (entry points included); throws ConfigError,
 * OutputGuardError or ValidationError.
 */
export function synthesizeValidated(environments: readonly Environment[]): { synthesis: Synthesis; report: ValidationReport } {
  const synthesis = synthesize(environments);
  assertNoClusterCollision(environments, synthesis);
  assertNoEmptyEnvironment(
    synthesis.tree,
    environments.map((env) => env.name),
  );
  const output = validateTree(synthesis.tree, environments, synthesis.manifests);
  const entryPoints = validateTree(synthesis.entryPoints, environments, synthesis.entryPointManifests);
  const report: ValidationReport = {
    findings: [...output.findings, ...entryPoints.findings],
    warnings: [...output.warnings, ...entryPoints.warnings],
    // Entry points count under `clusters`, which an environment may be named too: add, do not replace.
    objectsValidated: [...entryPoints.objectsValidated].reduce(
      (counts, [owner, n]) => counts.set(owner, (counts.get(owner) ?? 0) + n),
      new Map(output.objectsValidated),
    ),
  };
  if (report.findings.length > 0) throw new ValidationError(report.findings);
  return { synthesis, report };
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
    'The whole tree is built and validated in memory, then swapped in; on any error the output directory is left as it was. ' +
      'Prints every added, changed and removed file, then a summary, then the steps that must follow (if any).',
  ],
  options: { ...OUTPUT_OPTIONS, ...ALLOW_WEAKENING_OPTION },
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
    const environments = withContext(() => loadConfig(values.config), unchanged);
    const allowances = parseAllowances(values['allow-weakening']);
    if (allowances.length > 0) assertKnownEnvironments(allowances, environments, readCommittedOutput(outdir), values.config);
    const { synthesis, report } = withContext(() => synthesizeValidated(environments), unchanged);
    const { tree } = synthesis;
    const entryPoints = generatedFilesBeside(synthesis);
    // Refused before anything is written; compared again, and written, holding the output's lock (afterWrite).
    let entryPointDiff = diffEntryPoints(entryPoints, readClusterFiles(parent));
    withContext(() => assertEntryPointsWritable(entryPointDiff), unchanged);
    const written = withManifest(tree); // the files the output directory will hold
    let described: OutputChange | undefined;
    let handEdits: HandEdit[] = [];
    let gate: GateOutcome | undefined;
    // Holding the output's lock, the writer hands over what the output holds now: the change is described from
    // that one read, and the regression gate (which, without git, reads the disk) sees no other synth's swap.
    const beforeWrite = (current: FileTree) => {
      described = describeChange(outdir, environments, written, current);
      const committed = readCommittedOutput(outdir);
      gate = regressionGate(committed, outdir, values.config, { tree, environments }, allowances);
      handEdits = findHandEdits(described.diff.changed, current, written, committed);
    };
    let entryPointFailure: unknown;
    const afterWrite = () => {
      try {
        entryPointDiff = diffEntryPoints(entryPoints, readClusterFiles(parent));
        writeEntryPoints(parent, entryPoints, entryPointDiff);
      } catch (error) {
        entryPointFailure = error; // the output is written by now: reported below, without "was not changed"
      }
    };
    withContext(() => writeTreeAtomically(outdir, tree, { beforeWrite, afterWrite }), unchanged);
    if (entryPointFailure !== undefined) {
      if (!(entryPointFailure instanceof UserError)) throw entryPointFailure;
      throw new UserError(
        `${outdir}/ was written, but not the entry points in ${clustersDirectoryFor(outdir)}/:\n${entryPointFailure.message}`,
      );
    }
    if (described === undefined || gate === undefined) throw new Error('the writer returned without handing over the current output');
    const lines = [...formatChange(described), ...describeHandEdits(handEdits, outdir, true), ...describeDiff(entryPointDiff, parent)];
    lines.forEach((line) => output.out(line));
    printSummary(environments, report, output);
    const { allowed, warnings } = describeGateOutcome(gate, environments);
    allowed.forEach((line) => output.out(line));
    warnings.forEach((line) => output.out(line));
    if (lines.length === 0) {
      output.out(
        `${outdir}/ and the entry points in ${clustersDirectoryFor(outdir)}/ are up to date (${written.size} files, ${describeBeside(synthesis)})`,
      );
      return 0;
    }
    const { added, changed, removed } = described.diff;
    output.out(`wrote ${outdir}/: ${added.length} added, ${changed.length} changed, ${removed.length} removed (${written.size} files)`);
    const entryPointChanges = entryPointDiff.added.length + entryPointDiff.changed.length + entryPointDiff.removed.length;
    if (entryPointChanges > 0) {
      // The files are listed above; entry points and publishing workflows are counted together here.
      const files = entryPointChanges === 1 ? '1 file' : `${entryPointChanges} files`;
      output.out(`wrote ${files} beside ${outdir}/ (${describeBeside(synthesis)} in all)`);
    }
    // The lock is read only when the output changed: an up-to-date synth reads nothing more.
    const change = { ...described, lock: lockBeside(parent, environments, tree) };
    for (const hint of NEXT_STEP_HINTS.flatMap((hintFor) => hintFor(change))) output.out(`next: ${hint}`);
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
    if (values.staged) return checkStaged(values.config, outdir, values['lock-dir'], output);
    const environments = loadConfig(values.config);
    const { synthesis, report } = synthesizeValidated(environments);
    const { files, irregular } = readOutput(outdir);
    const written = withManifest(synthesis.tree); // counted as synth counts them
    const change = describeChange(outdir, environments, written, files);
    const handEdits = change.diff.changed.length > 0 ? findHandEdits(change.diff.changed, files, written, readCommittedOutput(outdir)) : [];
    const stale = [
      ...formatChange(change),
      ...describeHandEdits(handEdits, outdir, false),
      ...irregular.map(({ path, kind }) => `${outdir}/${path} is ${kind}: synth writes only regular files`),
      ...describeDiff(diffEntryPoints(generatedFilesBeside(synthesis), readClusterFiles(dirname(outdir))), dirname(outdir)),
    ];
    const clustersDir = clustersDirectoryFor(outdir);
    if (stale.length === 0) {
      output.out(
        `${outdir}/ is current, and so are the entry points in ${clustersDir}/ ` +
          `(${written.size} files, ${describeBeside(synthesis)}, ${totalObjects(report)} objects validated)`,
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

/** The policy lock of the project holding the output directory, compared with the config; undefined while it has none. */
function lockBeside(parent: string, environments: readonly Environment[], tree: FileTree): OutputChange['lock'] {
  const dir = join(parent, DEFAULT_LOCK_DIR);
  return existsSync(dir) ? { dir, diff: compareLock(lockTree(environments, tree), dir) } : undefined;
}

/** How `next` differs from `current`, with the environments that appear or disappear as a whole. */
function describeChange(outdir: string, environments: readonly Environment[], next: FileTree, current: FileTree): OutputChange {
  const diff = diffTrees(next, current);
  const environmentsOf = (tree: FileTree) => new Set([...tree.keys()].flatMap((path) => environmentOfFile(path) ?? []));
  const before = environmentsOf(current);
  const after = environmentsOf(next);
  return {
    outdir,
    environments,
    diff,
    addedEnvironments: [...after].filter((env) => !before.has(env)).sort(),
    removedEnvironments: [...before].filter((env) => !after.has(env)).sort(),
  };
}

/**
 * The lines `check` and `synth` print for a change of the output directory: an environment that appears or
 * disappears as a whole is one line naming its directories; every other file is one line of {@link describeDiff}.
 */
function formatChange({ outdir, diff: fullDiff, addedEnvironments, removedEnvironments }: OutputChange): string[] {
  const diff = withoutDerivedManifest(fullDiff);
  const ofWholeEnvironments = (environments: readonly string[]) => (path: string) => {
    const env = environmentOfFile(path);
    return env !== undefined && environments.includes(env);
  };
  const wholeEnvironments = (kind: 'added' | 'removed', environments: readonly string[], paths: readonly string[]) =>
    environments.map((env) => {
      const files = paths.filter((path) => environmentOfFile(path) === env);
      const directories = [env, fluxDirectory(env), drillDirectory(env)].filter((dir) => files.some((path) => path.startsWith(`${dir}/`)));
      return `${kind} environment ${env}: ${directories.map((dir) => `${outdir}/${dir}/`).join(', ')} (${files.length} files)`;
    });
  const rest: TreeDiff = {
    added: diff.added.filter((path) => !ofWholeEnvironments(addedEnvironments)(path)),
    changed: diff.changed,
    removed: diff.removed.filter((path) => !ofWholeEnvironments(removedEnvironments)(path)),
  };
  return [
    ...wholeEnvironments('added', addedEnvironments, diff.added),
    ...wholeEnvironments('removed', removedEnvironments, diff.removed),
    ...describeDiff(rest, outdir),
  ];
}

/**
 * One line per file a diff lists, `added:   <dir>/<path>` and so on; none for an empty diff. The writer's
 * manifest changes whenever a file is added or removed: it is listed only when nothing else explains it.
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

/** The diff without the writer's manifest when an added or removed file explains its change. */
function withoutDerivedManifest(diff: TreeDiff): TreeDiff {
  if (![...diff.added, ...diff.removed].some((path) => path !== MANIFEST_FILE)) return diff;
  const listed = (paths: readonly string[]) => paths.filter((path) => path !== MANIFEST_FILE);
  return { added: listed(diff.added), changed: listed(diff.changed), removed: listed(diff.removed) };
}

/** Per environment: its policies with their phase, and how many objects were validated; then every warning. */
function printSummary(environments: readonly Environment[], report: ValidationReport, output: Output): void {
  for (const env of environments) {
    const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
    const unpublished = env.delivery.mode === 'oci' && !isPublished(env.delivery) ? `; ${NOT_YET_PUBLISHED_SUMMARY}` : '';
    output.out(`${env.name} [${env.engine}]: ${phases}; ${report.objectsValidated.get(env.name) ?? 0} objects validated${unpublished}`);
  }
  for (const warning of report.warnings) output.out(`warning: ${formatFinding(warning)}`);
}

function totalObjects(report: ValidationReport): number {
  return [...report.objectsValidated.values()].reduce((sum, n) => sum + n, 0);
}

/** How many entry points (and publishing workflows, when there are any) synth owns beside the output. */
function describeBeside({ entryPoints, workflows }: Synthesis): string {
  const workflowCount = workflows.size === 0 ? '' : `, ${workflows.size} publishing workflow${workflows.size === 1 ? '' : 's'}`;
  return `${entryPoints.size} entry points${workflowCount}`;
}
