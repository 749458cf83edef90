import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import { UserError } from '../errors';
import type { Environment } from '../model/environment';
import { readCommittedOutput } from '../output/committed';
import { OutputGuardError, assertNoEmptyEnvironment, assertNoEnforcedPolicyDropped } from '../output/guards';
import type { FileTree } from '../output/render';
import { withManifest } from '../output/ownership';
import { diffTrees, isEmptyDiff, readOutput, writeTreeAtomically } from '../output/write';
import { synthesize } from '../synthesize';
import { formatFinding, validateTree, ValidationError, type ValidationReport } from '../validate';
import type { Command, Output } from './output';

export const DEFAULT_CONFIG = 'environments.yaml';

const COMMON_OPTIONS = { config: { type: 'string', default: DEFAULT_CONFIG }, outdir: { type: 'string' } } as const;

function resolveOutdir(outdir: string | undefined): string {
  return outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
}

/** Parses the options every synthesizing command shares. */
function parseSynthArgs(argv: readonly string[]) {
  const { values } = parseArgs({ args: [...argv], options: COMMON_OPTIONS });
  return { config: values.config, outdir: resolveOutdir(values.outdir) };
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
  try {
    const { environments, tree, report } = synthesizeValidated(values.config);
    // The guard runs holding the output's lock: on disk (without git), another synth may be replacing it.
    const beforeWrite = () => {
      const committed = readCommittedOutput(outdir);
      try {
        assertNoEnforcedPolicyDropped(committed, tree, values['allow-removal']);
      } catch (error) {
        if (error instanceof OutputGuardError) output.err(`compared with ${outdir}/ at ${committed.source}:`);
        throw error;
      }
    };
    const changed = writeTreeAtomically(outdir, tree, { beforeWrite });
    printSummary(environments, report, output);
    output.out(changed ? `wrote ${tree.size} files to ${outdir}/` : `${outdir}/ is up to date (${tree.size} files)`);
    return 0;
  } catch (error) {
    return reportRefusal(error, outdir, output);
  }
};

/** `check`: the drift gate. Synthesizes and validates in memory, lists how `dist/` differs, writes nothing. */
export const check: Command = (argv, output) => {
  const { config, outdir } = parseSynthArgs(argv);
  try {
    const { tree, report } = synthesizeValidated(config);
    const { files, irregular } = readOutput(outdir);
    const diff = diffTrees(withManifest(tree), files);
    if (isEmptyDiff(diff) && irregular.length === 0) {
      output.out(`${outdir}/ is current (${tree.size} files, ${totalObjects(report)} objects validated)`);
      return 0;
    }
    for (const path of diff.added) output.err(`added:   ${outdir}/${path}`);
    for (const path of diff.changed) output.err(`changed: ${outdir}/${path}`);
    for (const path of diff.removed) output.err(`removed: ${outdir}/${path}`);
    for (const { path, kind } of irregular) output.err(`${outdir}/${path} is ${kind}: synth writes only regular files`);
    output.err(`${outdir}/ is stale: run \`npm run synth\` and commit the result.`);
    return 1;
  } catch (error) {
    return reportRefusal(error, outdir, output);
  }
};

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
function reportRefusal(error: unknown, outdir: string, output: Output): number {
  if (error instanceof ValidationError) {
    for (const finding of error.findings) output.err(formatFinding(finding));
    output.err(`${error.findings.length} finding(s); ${outdir}/ was not changed.`);
    return 1;
  }
  if (!(error instanceof ConfigError || error instanceof OutputGuardError || error instanceof UserError)) throw error;
  output.err(error.message);
  output.err(`${outdir}/ was not changed.`);
  return error instanceof UserError ? error.exitCode : 1;
}
