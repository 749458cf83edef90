import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import { synthesizeTree } from '../synthesize';
import { diffTrees, isEmptyDiff, readTree, writeTreeAtomically } from '../output/write';
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

/** `synth`: writes every environment's output tree atomically; `dist/` is untouched on any error. */
export const synth: Command = (argv, output) => {
  const { config, outdir } = parseSynthArgs(argv);
  try {
    const environments = loadConfig(config);
    const tree = synthesizeTree(environments);
    const changed = writeTreeAtomically(outdir, tree);
    for (const env of environments) {
      const phases = [...env.policies].map(([name, { phase }]) => `${name} (${phase})`).join(', ');
      output.out(`${env.name}: ${phases}`);
    }
    output.out(changed ? `wrote ${tree.size} files to ${outdir}/` : `${outdir}/ is up to date (${tree.size} files)`);
    return 0;
  } catch (error) {
    return reportConfigError(error, outdir, output);
  }
};

/** `check`: the drift gate. Synthesizes in memory, lists how `dist/` differs, writes nothing. */
export const check: Command = (argv, output) => {
  const { config, outdir } = parseSynthArgs(argv);
  try {
    const tree = synthesizeTree(loadConfig(config));
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
  } catch (error) {
    return reportConfigError(error, outdir, output);
  }
};

function reportConfigError(error: unknown, outdir: string, output: Output): number {
  if (!(error instanceof ConfigError)) throw error;
  output.err(error.message);
  output.err(`${outdir}/ was not changed.`);
  return 1;
}
