import { App } from 'cdk8s';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load';
import { EnvironmentChart } from './environment-chart';
import type { Environment } from './model/environment';
import { renderChartDirectory, type FileTree } from './output/render';
import { diffTrees, isEmptyDiff, readTree, writeTreeAtomically } from './output/write';

export const DEFAULT_CONFIG = 'environments.yaml';

/** Synthesizes every environment's output tree in memory. */
export function synthesizeTree(environments: readonly Environment[]): FileTree {
  const app = new App();
  const tree: FileTree = new Map();
  for (const environment of environments) {
    renderChartDirectory(new EnvironmentChart(app, { environment }), environment.name, tree);
  }
  return tree;
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = { out: (l) => console.log(l), err: (l) => console.error(l) };

const USAGE = `usage: synth [--config <file>] [--outdir <dir>]
       check [--config <file>] [--outdir <dir>]   (exit 1 when <dir> is not what synth would write)`;

/**
 * The command line: `synth` writes the output tree atomically, `check` compares it with what is on disk.
 * Returns the exit code; never throws for bad input.
 */
export function main(argv: readonly string[], output: Output = consoleOutput): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { config: { type: 'string', default: DEFAULT_CONFIG }, outdir: { type: 'string' } },
    });
  } catch (error) {
    output.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command = 'synth', ...rest] = args.positionals;
  if (!['synth', 'check'].includes(command) || rest.length > 0) {
    output.err(USAGE);
    return 2;
  }
  const outdir = args.values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
  try {
    const environments = loadConfig(args.values.config);
    const tree = synthesizeTree(environments);
    if (command === 'check') return check(tree, outdir, output);
    const changed = writeTreeAtomically(outdir, tree);
    for (const env of environments) {
      const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
      output.out(`${env.name}: ${phases}`);
    }
    output.out(changed ? `wrote ${tree.size} files to ${outdir}/` : `${outdir}/ is up to date (${tree.size} files)`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      output.err(error.message);
      output.err(`${outdir}/ was not changed.`);
      return 1;
    }
    throw error;
  }
}

function check(tree: FileTree, outdir: string, output: Output): number {
  const diff = diffTrees(tree, readTree(outdir));
  if (isEmptyDiff(diff)) {
    output.out(`${outdir}/ is current (${tree.size} files)`);
    return 0;
  }
  for (const path of diff.added) output.err(`added:   ${outdir}/${path}`);
  for (const path of diff.changed) output.err(`changed: ${outdir}/${path}`);
  for (const path of diff.removed) output.err(`removed: ${outdir}/${path}`);
  output.err(`${outdir}/ is stale: run \`npm run synth\` and commit the result.`);
  return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
