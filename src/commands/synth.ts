import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import { UserError } from '../errors';
import type { Environment } from '../model/environment';
import { assertNoClusterCollision } from '../output/cluster-sharing';
import { readCommittedOutput } from '../output/committed';
import { assertEntryPointsWritable, diffEntryPoints, readClusterFiles, writeEntryPoints } from '../output/entry-points';
import { OutputGuardError, assertNoEmptyEnvironment, assertNoEnforcedPolicyDropped } from '../output/guards';
import { clustersDirectoryFor } from '../output/layout';
import { diffTrees, readTree, writeTreeAtomically, type TreeDiff } from '../output/write';
import { synthesize, type Synthesis } from '../synthesize';
import { checkStaged } from './check-staged';
import { formatFinding, validateTree, ValidationError, type ValidationReport } from '../validate';
import type { Command, Output } from './output';

export const DEFAULT_CONFIG = 'environments.yaml';

const COMMON_OPTIONS = { config: { type: 'string', default: DEFAULT_CONFIG }, outdir: { type: 'string' } } as const;

function resolveOutdir(outdir: string | undefined): string {
  return outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
}

/**
 * Synthesizes in memory, refuses environments that would collide on a shared cluster and output in which an
 * environment has no policy, and validates every object (entry points included); throws ConfigError,
 * OutputGuardError or ValidationError.
 */
export function synthesizeValidated(environments: readonly Environment[]): { synthesis: Synthesis; report: ValidationReport } {
  const synthesis = synthesize(environments);
  assertNoClusterCollision(environments, synthesis);
  assertNoEmptyEnvironment(synthesis.tree, environments.map((env) => env.name));
  const output = validateTree(synthesis.tree, environments, synthesis.manifests);
  const entryPoints = validateTree(synthesis.entryPoints, environments, synthesis.entryPointManifests);
  const report: ValidationReport = {
    findings: [...output.findings, ...entryPoints.findings],
    // Entry points count under `clusters`, which an environment may be named too: add, do not replace.
    objectsValidated: [...entryPoints.objectsValidated].reduce(
      (counts, [owner, n]) => counts.set(owner, (counts.get(owner) ?? 0) + n),
      new Map(output.objectsValidated),
    ),
  };
  if (report.findings.length > 0) throw new ValidationError(report.findings);
  return { synthesis, report };
}

/**
 * `synth`: writes every environment's output tree atomically; `dist/` is untouched on any error or finding.
 * `--allow-removal <env>/<policy>` (repeatable) lets synth drop a policy the committed output enforces.
 */
export const synth: Command = (argv, output) => {
  const { values } = parseArgs({
    args: [...argv],
    options: { ...COMMON_OPTIONS, 'allow-removal': { type: 'string', multiple: true, default: [] } },
  });
  const outdir = resolveOutdir(values.outdir);
  const clustersDir = clustersDirectoryFor(outdir);
  try {
    const environments = loadConfig(values.config);
    const { synthesis, report } = synthesizeValidated(environments);
    const { tree, entryPoints } = synthesis;
    const entryPointDiff = diffEntryPoints(entryPoints, readClusterFiles(dirname(outdir)));
    assertEntryPointsWritable(entryPointDiff);
    const committed = readCommittedOutput(outdir);
    try {
      assertNoEnforcedPolicyDropped(committed, tree, values['allow-removal']);
    } catch (error) {
      if (error instanceof OutputGuardError) output.err(`compared with ${outdir}/ at ${committed.source}:`);
      throw error;
    }
    const changed = writeTreeAtomically(outdir, tree);
    const entryPointsChanged = writeEntryPoints(dirname(outdir), entryPoints, entryPointDiff);
    printSummary(environments, report, output);
    output.out(changed ? `wrote ${tree.size} files to ${outdir}/` : `${outdir}/ is up to date (${tree.size} files)`);
    output.out(
      entryPointsChanged ? `wrote ${entryPoints.size} entry points to ${clustersDir}/` : `${clustersDir}/ is up to date (${entryPoints.size} entry points)`,
    );
    return 0;
  } catch (error) {
    return reportRefusal(error, outdir, output);
  }
};

/**
 * `check`: the drift gate. Synthesizes and validates in memory, lists how `dist/` and the entry points under
 * `clusters/` differ, writes nothing. `--staged` checks what the commit being made holds instead (see
 * {@link checkStaged}).
 */
export const check: Command = (argv, output) => {
  const { values } = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, staged: { type: 'boolean', default: false } } });
  const outdir = resolveOutdir(values.outdir);
  if (values.staged) return checkStaged(values.config, outdir, output);
  const clustersDir = clustersDirectoryFor(outdir);
  try {
    const { synthesis, report } = synthesizeValidated(loadConfig(values.config));
    const stale = [
      ...describeDiff(diffTrees(synthesis.tree, readTree(outdir)), outdir),
      ...describeDiff(diffEntryPoints(synthesis.entryPoints, readClusterFiles(dirname(outdir))), dirname(outdir)),
    ];
    if (stale.length === 0) {
      output.out(
        `${outdir}/ is current, and so are the entry points in ${clustersDir}/ ` +
          `(${synthesis.tree.size} files, ${synthesis.entryPoints.size} entry points, ${totalObjects(report)} objects validated)`,
      );
      return 0;
    }
    for (const line of stale) output.err(line);
    output.err(`${outdir}/ or ${clustersDir}/ is stale: run \`npm run synth\` and commit the result.`);
    return 1;
  } catch (error) {
    return reportRefusal(error, outdir, output);
  }
};

/** One line per file a diff lists, `added:   <dir>/<path>` and so on; none for an empty diff. */
export function describeDiff(diff: TreeDiff, dir: string): string[] {
  const at = (path: string) => (dir === '.' ? path : `${dir}/${path}`);
  return [
    ...diff.added.map((path) => `added:   ${at(path)}`),
    ...diff.changed.map((path) => `changed: ${at(path)}`),
    ...diff.removed.map((path) => `removed: ${at(path)}`),
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

/** Reports validation findings, a config error or a guard refusal; anything else is a bug and propagates. */
export function reportRefusal(error: unknown, outdir: string, output: Output): number {
  if (error instanceof ValidationError) {
    for (const finding of error.findings) output.err(formatFinding(finding));
    output.err(`${error.findings.length} finding(s); ${outdir}/ was not changed.`);
    return 1;
  }
  if (!(error instanceof ConfigError || error instanceof OutputGuardError || error instanceof UserError)) throw error;
  output.err(error.message);
  output.err(`${outdir}/ was not changed.`);
  return 1;
}
