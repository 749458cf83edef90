import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import type { Environment } from '../model/environment';
import type { FileTree } from '../output/render';
import { diffTrees, isEmptyDiff, readTree, writeTreeAtomically } from '../output/write';
import { synthesize } from '../synthesize';
import { formatFinding, validateTree, ValidationError, type ValidationReport } from '../validate';
import type { Command, Output } from './output';

export const DEFAULT_CONFIG = 'environments.yaml';

/** Parses the options every synthesizing command shares. */
export function parseSynthArgs(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: { config: { type: 'string', default: DEFAULT_CONFIG }, outdir: { type: 'string' } },
  });
  return { config: values.config, outdir: values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist' };
}

/** Loads the config, synthesizes in memory and validates; throws ConfigError or ValidationError. */
export function synthesizeValidated(configFile: string): { environments: Environment[]; tree: FileTree; report: ValidationReport } {
  const environments = loadConfig(configFile);
  const { tree, manifests } = synthesize(environments);
  const report = validateTree(tree, environments, manifests);
  if (report.findings.length > 0) throw new ValidationError(report.findings);
  return { environments, tree, report };
}

/** `synth`: writes every environment's output tree atomically; `dist/` is untouched on any error or finding. */
export const synth: Command = (argv, output) => {
  const { config, outdir } = parseSynthArgs(argv);
  try {
    const { environments, tree, report } = synthesizeValidated(config);
    const changed = writeTreeAtomically(outdir, tree);
    printSummary(environments, report, output);
    output.out(changed ? `wrote ${tree.size} files to ${outdir}/` : `${outdir}/ is up to date (${tree.size} files)`);
    return 0;
  } catch (error) {
    return reportError(error, outdir, output);
  }
};

/** `check`: the drift gate. Synthesizes and validates in memory, lists how `dist/` differs, writes nothing. */
export const check: Command = (argv, output) => {
  const { config, outdir } = parseSynthArgs(argv);
  try {
    const { tree, report } = synthesizeValidated(config);
    const diff = diffTrees(tree, readTree(outdir));
    if (isEmptyDiff(diff)) {
      output.out(`${outdir}/ is current (${tree.size} files, ${totalObjects(report)} objects validated)`);
      return 0;
    }
    for (const path of diff.added) output.err(`added:   ${outdir}/${path}`);
    for (const path of diff.changed) output.err(`changed: ${outdir}/${path}`);
    for (const path of diff.removed) output.err(`removed: ${outdir}/${path}`);
    output.err(`${outdir}/ is stale: run \`npm run synth\` and commit the result.`);
    return 1;
  } catch (error) {
    return reportError(error, outdir, output);
  }
};

/** Per environment: its policies with their phase, and how many objects were validated. */
function printSummary(environments: readonly Environment[], report: ValidationReport, output: Output): void {
  const names = new Set(environments.map((env) => env.name));
  for (const env of environments) {
    const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
    output.out(`${env.name}: ${phases}; ${report.objectsValidated.get(env.name) ?? 0} objects validated`);
  }
  for (const [dir, count] of report.objectsValidated) {
    if (!names.has(dir)) output.out(`${dir}: ${count} objects validated`);
  }
}

function totalObjects(report: ValidationReport): number {
  return [...report.objectsValidated.values()].reduce((sum, n) => sum + n, 0);
}

function reportError(error: unknown, outdir: string, output: Output): number {
  if (error instanceof ValidationError) {
    for (const finding of error.findings) output.err(formatFinding(finding));
    output.err(`${error.findings.length} finding(s); ${outdir}/ was not changed.`);
    return 1;
  }
  if (!(error instanceof ConfigError)) throw error;
  output.err(error.message);
  output.err(`${outdir}/ was not changed.`);
  return 1;
}
