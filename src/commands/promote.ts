import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument } from 'yaml';
import { parseConfig } from '../config/load';
import { readConfigFile } from '../config/read';
import { UsageError, UserError } from '../errors';
import { DIGEST_SYNTAX, isDigest, placeholderDigestProblem } from '../model/digest';
import type { Environment, OciDelivery } from '../model/environment';
import { assessReadiness, formatReadiness } from '../rollout/readiness';
import { MAX_REPORTS_BYTES, parseReports, readReportsInput } from '../rollout/reports';
import { defineCommand, execute } from './command';
import type { Output } from './output';
import { CONFIG_OPTION, synth } from './synth';

/**
 * `promote --from <env> --to <env> --reports <file|-> [--digest <digest>]`: pins the target environment to the
 * artifact digest the source environment runs, once the source's policy reports are clean, by rewriting the
 * one `delivery.digest` line of the config, then synthesizes.
 */
export const promote = defineCommand({
  name: 'promote',
  usage: '--from <env> --to <env> --reports <file|-> [--digest <digest>] [options]',
  summary: "Pin an environment to the guardrails artifact another environment runs, once that environment's policy reports are clean.",
  details: [
    'Both environments must be delivered from the same OCI repository (delivery.mode oci), the target pinned by digest ' +
      'or not yet published (published: false, which its first promotion replaces with the digest). ' +
      "The digest is the source's own when it is pinned; when it follows a tag, pass the digest it runs with --digest " +
      "(the publishing job's summary, or `flux get sources oci` on its cluster).",
    'The gate is `readiness` of the source: export its reports with `kubectl get policyreports,clusterpolicyreports -A -o json` ' +
      `(at most ${MAX_REPORTS_BYTES / 1024 / 1024} MiB). Only the target's delivery.digest (or published: false) line of the config changes; then synth runs ` +
      'as `npm run synth` would, and on a refusal there the config is restored.',
  ],
  options: {
    from: { type: 'string', valueName: 'env', description: 'the environment whose artifact is promoted (required)' },
    to: { type: 'string', valueName: 'env', description: 'the environment pinned to it (required)' },
    reports: {
      type: 'string',
      valueName: 'file|-',
      description: "the source environment's exported policy reports; - reads stdin (required)",
    },
    digest: { type: 'string', valueName: 'digest', description: 'the digest the source runs (required when the source follows a tag)' },
    ...CONFIG_OPTION,
    outdir: { type: 'string', valueName: 'dir', description: 'the output directory synth writes (as synth --outdir)' },
  },
  exitCodes: {
    promoted: { code: 0, meaning: 'promoted and synthesized, or the target already runs that digest' },
    refused: {
      code: 1,
      meaning:
        'refused: the source is not ready, the digest is malformed, the environments cannot be promoted between, or synth refused (the config restored)',
    },
  },
  run({ values }, output) {
    const file = values.config;
    const read = readConfig(file);
    const environments = parseConfig(read.text, file);
    if (values.from === undefined || values.to === undefined) throw new UsageError('--from <env> and --to <env> are required');
    if (values.reports === undefined)
      throw new UsageError("--reports <file|-> is required: the gate is the source environment's readiness");
    const source = ociEnvironment(environments, values.from, file);
    const target = ociEnvironment(environments, values.to, file);
    if (source.name === target.name) throw new UsageError('--from and --to name the same environment');
    const digest = promotedDigest(source, values.digest);
    if (source.delivery.repository !== target.delivery.repository) {
      throw new UserError(
        `"${source.name}" runs artifacts of ${source.delivery.repository}, "${target.name}" of ${target.delivery.repository}: a digest names an artifact of one repository`,
      );
    }
    if ('tag' in target.delivery.ref) {
      throw new UserError(
        `"${target.name}" follows tag ${target.delivery.ref.tag}: replace its delivery.tag with a digest to make it promoted, not following`,
      );
    }
    const previous = 'digest' in target.delivery.ref ? target.delivery.ref.digest : undefined;
    const input = readReportsInput(values.reports);
    const verdict = assessReadiness(source, parseReports(input.text, input.name));
    if (!verdict.ready) {
      formatReadiness(verdict).forEach((line) => output.err(line));
      output.err(`not promoted: "${source.name}" is not ready (above); ${file} was not changed.`);
      return 'refused';
    }
    if (previous === digest) {
      output.out(`"${target.name}" already runs ${target.delivery.repository}@${digest}; nothing to do.`);
      return 'promoted';
    }
    const edited = withDigest(read.text, environments.indexOf(target), previous === undefined ? 'published' : 'digest', digest, file);
    // The edited config must load, and differ from the original in the target's digest alone.
    const reloaded = parseConfig(edited, file);
    const moved = reloaded[environments.indexOf(target)].delivery;
    if (moved.mode !== 'oci' || !('digest' in moved.ref) || moved.ref.digest !== digest)
      throw new Error('the edited config does not pin the promoted digest');
    writeAtomically(file, edited);
    output.out(
      `${file}: "${target.name}" pinned to ${target.delivery.repository}@${digest} (${previous === undefined ? 'its first artifact: published: false removed' : `was ${previous}`}), promoted from "${source.name}"`,
    );
    const code = runSynth(file, values.outdir, output);
    if (code !== 0) {
      writeAtomically(file, read.text);
      output.err(`not promoted: synth refused the promoted config; ${file} was restored.`);
      return 'refused';
    }
    return 'promoted';
  },
});

/** The config's text, refused as `loadConfig` refuses it when it cannot be read as a config. */
function readConfig(file: string): { text: string } {
  let read: ReturnType<typeof readConfigFile>;
  try {
    read = readConfigFile(file);
  } catch (error) {
    throw new UserError(`${file}: cannot read: ${(error as Error).message}`);
  }
  if ('problem' in read) throw new UserError(`${file}:${read.line}:${read.column}: ${read.problem}`);
  return read;
}

type OciEnvironment = Environment & { readonly delivery: OciDelivery };

function ociEnvironment(environments: readonly Environment[], name: string, file: string): OciEnvironment {
  const environment = environments.find((env) => env.name === name);
  if (!environment)
    throw new UserError(`no environment "${name}" in ${file} (environments: ${environments.map((env) => env.name).join(', ')})`);
  if (environment.delivery.mode !== 'oci') {
    throw new UserError(
      `environment "${name}" is delivered from Git: promotion moves artifact digests between environments with delivery.mode oci`,
    );
  }
  return environment as OciEnvironment;
}

/** The digest to promote: the source's pinned one, or the one `--digest` names for a source that follows a tag. */
function promotedDigest(source: OciEnvironment, given: string | undefined): string {
  if (given !== undefined && !isDigest(given)) throw new UserError(`--digest "${given}" is malformed: write ${DIGEST_SYNTAX}`);
  const placeholder = given === undefined ? undefined : placeholderDigestProblem(given, 'pass the digest the source runs');
  if (placeholder !== undefined) throw new UserError(`--digest "${given}" ${placeholder}`);
  if ('digest' in source.delivery.ref) {
    if (given !== undefined && given !== source.delivery.ref.digest) {
      throw new UserError(
        `--digest ${given} is not what "${source.name}" runs (${source.delivery.ref.digest}): promote what the source runs`,
      );
    }
    return source.delivery.ref.digest;
  }
  if (!('tag' in source.delivery.ref)) {
    throw new UserError(`"${source.name}" is not yet published (published: false): it runs no artifact to promote`);
  }
  if (given === undefined) {
    throw new UsageError(
      `"${source.name}" follows tag ${source.delivery.ref.tag}: pass the digest it runs with --digest (the publishing job's summary, or \`flux get sources oci\` on its cluster)`,
    );
  }
  return given;
}

/**
 * The config text with the target's `delivery.digest` value replaced in place — or, for an environment not yet
 * published, its `published: false` entry replaced by `digest: <digest>`: positions come from the parsed
 * document, so every other byte (comments, order, quoting, flow maps) stays as it was, and the diff is that one
 * line.
 */
function withDigest(text: string, index: number, field: 'digest' | 'published', digest: string, file: string): string {
  const doc = parseDocument(text);
  const delivery = doc.getIn(['environments', index, 'delivery'], true);
  const pair = isMap(delivery) ? delivery.items.find((item) => isScalar(item.key) && item.key.value === field) : undefined;
  const key = pair?.key;
  const value = pair?.value;
  if (!isScalar(key) || !isScalar(value) || !key.range || !value.range)
    throw new UserError(`${file}: environments[${index}].delivery.${field} is not a plain value synth can rewrite`);
  if (field === 'published') return `${text.slice(0, key.range[0])}digest: ${digest}${text.slice(value.range[1])}`;
  const quote = value.type === 'QUOTE_DOUBLE' ? '"' : value.type === 'QUOTE_SINGLE' ? "'" : '';
  return `${text.slice(0, value.range[0])}${quote}${digest}${quote}${text.slice(value.range[1])}`;
}

function writeAtomically(file: string, text: string): void {
  const staging = `${file}.guardrails-staging-${randomUUID()}`;
  try {
    writeFileSync(staging, text);
    renameSync(staging, file);
  } finally {
    rmSync(staging, { force: true });
  }
}

function runSynth(file: string, outdir: string | undefined, output: Output): number {
  return execute(synth, ['--config', file, ...(outdir === undefined ? [] : ['--outdir', outdir])], output);
}
