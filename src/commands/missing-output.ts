import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { git } from '../output/git';

/**
 * What synth and check say about an output directory synth did not write, so that neither claims it is unchanged
 * when it is gone. `npx cdk8s synth` deletes its output directory before it starts the app (cdk8s-cli 2.207.60,
 * lib/cli/cmds/synth.js:83-85: `fs.rmSync(outdir, { recursive: true, force: true })`, then `synthApp` runs the
 * `app:` command with `CDK8S_OUTDIR` set to that directory, lib/util.js:91-104): when synth then refuses, the
 * directory is missing although synth wrote nothing. Git still holds what was staged or committed, so the
 * directory can be restored exactly as the index has it.
 */

/** `outdir` with a trailing slash, as messages name directories. */
function directory(outdir: string): string {
  return outdir.endsWith('/') ? outdir : `${outdir}/`;
}

/** Whether this process was started by the cdk8s CLI for `outdir`: it sets `CDK8S_OUTDIR` to the directory it deleted. */
function startedByCdk8s(outdir: string): boolean {
  const cdk8sOutdir = process.env.CDK8S_OUTDIR;
  return cdk8sOutdir !== undefined && cdk8sOutdir !== '' && resolve(cdk8sOutdir) === resolve(outdir);
}

/** Whether the git index holds files under `outdir`, so `git restore` can bring them back. */
function restorableFromGit(outdir: string): boolean {
  const parent = dirname(resolve(outdir));
  if (!existsSync(parent)) return false;
  const listing = git(parent, ['ls-files', '-z', '--', basename(resolve(outdir))]);
  return listing !== undefined && listing.length > 0;
}

/** Why the output directory is missing, and how to get it back, for a directory that does not exist. */
function missing(outdir: string): string {
  const dir = directory(outdir);
  const deletedBy = startedByCdk8s(outdir) ? ': `cdk8s synth` deleted it before running synth' : '';
  return restorableFromGit(outdir)
    ? `${dir} does not exist${deletedBy}. Restore it from git with \`git restore -- ${outdir}\`, then run \`npm run synth\`, ` +
        `which leaves ${dir} as it was when it refuses.`
    : `${dir} does not exist${deletedBy}; git holds no copy of it to restore.`;
}

/** The line synth prints after a refusal: the output directory is as it was, or it is missing and how to restore it. */
export function notWrittenNote(outdir: string): string {
  return existsSync(outdir) ? `${directory(outdir)} was not changed.` : `Nothing was written. ${missing(outdir)}`;
}

/** The remedy check prints for a stale output directory: synth, or, when the directory is gone, restoring it first. */
export function staleOutputRemedy(outdir: string, clustersDir: string): string {
  const stale = `${directory(outdir)} or ${clustersDir}/ is stale`;
  return existsSync(outdir) ? `${stale}: run \`npm run synth\` and commit the result.` : `${stale}. ${missing(outdir)}`;
}
