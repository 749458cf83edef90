import { loadConfig } from '../config/load';
import { UsageError, UserError } from '../errors';
import type { Environment } from '../model/environment';
import { readCommittedOutput } from '../output/committed';
import { assertNoEmptyEnvironment, assertNoEnforcedPolicyDropped } from '../output/guards';
import { drillDirectory, environmentOfPath, fluxDirectory } from '../output/layout';
import type { FileTree } from '../output/render';
import { diffTrees, isEmptyDiff, readTree, writeTreeAtomically } from '../output/write';
import { synthesize } from '../synthesize';
import { validateTree, ValidationError, type ValidationReport } from '../validate';
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
  outdir: { type: 'string', valueName: 'dir', description: 'the output directory (default: $CDK8S_OUTDIR, else dist)' },
} as const satisfies Record<string, OptionDescription>;

const CONFIG_REFUSAL = 'invalid config, validation findings (each with its rule id) or a refused output directory';

/** `--outdir`, else $CDK8S_OUTDIR (an empty one counts as unset, as in shells), else `dist`. */
function resolveOutdir(outdir: string | undefined): string {
  if (outdir === '') throw new UsageError('--outdir is empty: name the output directory, e.g. --outdir dist');
  return outdir ?? (process.env.CDK8S_OUTDIR || 'dist');
}

/**
 * Loads the config, synthesizes in memory, refuses output in which an environment has no policy, and validates
 * every object; throws ConfigError, OutputGuardError or ValidationError.
 */
function synthesizeValidated(configFile: string): { environments: Environment[]; tree: FileTree; report: ValidationReport } {
  const environments = loadConfig(configFile);
  const { tree, manifests } = synthesize(environments);
  assertNoEmptyEnvironment(tree, environments.map((env) => env.name));
  const report = validateTree(tree, environments, manifests);
  if (report.findings.length > 0) throw new ValidationError(report.findings);
  return { environments, tree, report };
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
  summary: 'Validate environments.yaml and write every environment\'s policies, Flux objects and drill into the output directory.',
  details: [
    'The whole tree is built and validated in memory, then swapped in; on any error the output directory is left as it was. ' +
      'Prints every added, changed and removed file, then a summary, then the steps that must follow (if any).',
  ],
  options: {
    ...OUTPUT_OPTIONS,
    'allow-removal': {
      type: 'string',
      multiple: true,
      default: [],
      valueName: 'env/policy',
      description: 'let synth drop a policy the committed output enforces (Flux would delete it from the cluster)',
    },
  },
  exitCodes: [
    { code: 0, meaning: 'written, or already up to date' },
    { code: 1, meaning: `${CONFIG_REFUSAL}, or a filesystem error; nothing written` },
  ],
  run({ values }, output) {
    const outdir = resolveOutdir(values.outdir);
    const unchanged = { after: `${outdir}/ was not changed.` };
    const { environments, tree, report } = withContext(() => synthesizeValidated(values.config), unchanged);
    const committed = readCommittedOutput(outdir);
    withContext(() => assertNoEnforcedPolicyDropped(committed, tree, values['allow-removal']), {
      before: `compared with ${outdir}/ at ${committed.source}:`,
      ...unchanged,
    });
    const current = readTree(outdir);
    const change = describeChange(outdir, environments, tree, current);
    writeTreeAtomically(outdir, tree, current);
    formatChange(change).forEach((line) => output.out(line));
    printSummary(environments, report, output);
    if (isEmptyDiff(change.diff)) {
      output.out(`${outdir}/ is up to date (${tree.size} files)`);
      return 0;
    }
    const { added, changed, removed } = change.diff;
    output.out(`wrote ${outdir}/: ${added.length} added, ${changed.length} changed, ${removed.length} removed (${tree.size} files)`);
    for (const hint of NEXT_STEP_HINTS.flatMap((hintFor) => hintFor(change))) output.out(`next: ${hint}`);
    return 0;
  },
});

/** `check`: the drift gate. Synthesizes and validates in memory, lists how `dist/` differs, writes nothing. */
export const check = defineCommand({
  name: 'check',
  usage: '[options]',
  summary: 'The drift gate: synthesize in memory and list every file of the output directory that differs; writes nothing.',
  options: OUTPUT_OPTIONS,
  exitCodes: [
    { code: 0, meaning: 'the output directory is current' },
    { code: 1, meaning: `stale (run synth and commit the result), ${CONFIG_REFUSAL}, or a filesystem error` },
  ],
  run({ values }, output) {
    const outdir = resolveOutdir(values.outdir);
    const { environments, tree, report } = synthesizeValidated(values.config);
    const change = describeChange(outdir, environments, tree, readTree(outdir));
    if (isEmptyDiff(change.diff)) {
      output.out(`${outdir}/ is current (${tree.size} files, ${totalObjects(report)} objects validated)`);
      return 0;
    }
    formatChange(change).forEach((line) => output.err(line));
    output.err(`${outdir}/ is stale: run \`npm run synth\` and commit the result.`);
    return 1;
  },
});

/** The environment an output file belongs to; none for a file directly in the output directory. */
function environmentOfFile(path: string): string | undefined {
  return path.includes('/') ? environmentOfPath(path) : undefined;
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
 * One line per added, changed or removed file (`added:   dist/<path>`), in the format `check` and `synth`
 * share; an environment that appears or disappears as a whole is one line naming its directories.
 */
function formatChange({ outdir, diff, addedEnvironments, removedEnvironments }: OutputChange): string[] {
  const wholeEnvironment = (kind: 'added' | 'removed', environments: readonly string[], paths: readonly string[]) => {
    const lines = environments.map((env) => {
      const files = paths.filter((path) => environmentOfFile(path) === env);
      const directories = [env, fluxDirectory(env), drillDirectory(env)].filter((dir) => files.some((path) => path.startsWith(`${dir}/`)));
      return `${kind} environment ${env}: ${directories.map((dir) => `${outdir}/${dir}/`).join(', ')} (${files.length} files)`;
    });
    const rest = paths.filter((path) => {
      const env = environmentOfFile(path);
      return env === undefined || !environments.includes(env);
    });
    return [...lines, ...rest.map((path) => `${`${kind}:`.padEnd(8)} ${outdir}/${path}`)];
  };
  return [
    ...wholeEnvironment('added', addedEnvironments, diff.added),
    ...diff.changed.map((path) => `changed: ${outdir}/${path}`),
    ...wholeEnvironment('removed', removedEnvironments, diff.removed),
  ];
}

/** Per environment: its policies with their phase, and how many objects were validated. */
function printSummary(environments: readonly Environment[], report: ValidationReport, output: Output): void {
  for (const env of environments) {
    const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
    output.out(`${env.name} [${env.engine}]: ${phases}; ${report.objectsValidated.get(env.name) ?? 0} objects validated`);
  }
}

function totalObjects(report: ValidationReport): number {
  return [...report.objectsValidated.values()].reduce((sum, n) => sum + n, 0);
}
