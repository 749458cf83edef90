import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { expect, test } from 'vitest';
import { MANIFEST_FILE } from '../../src/output/manifest';
import { inspectOutput, readTree, writeTreeAtomically } from '../../src/output/write';
import { tempDir, treeFor } from '../helpers';
import { interceptedFileSystem } from '../support/fault-fs';
import { configOf, expectExactly, withManifest } from '../support/writer';

const oldConfig = configOf('one', 'two');
const newConfig = configOf('one');
const OLD = treeFor(oldConfig);
const NEW = treeFor(newConfig);

/** The writer in one plain script (quick to start), run by each child. */
function bundledKillWriter(): string {
  const outfile = join(tempDir(), 'kill-writer.cjs');
  buildSync({
    entryPoints: [resolve(import.meta.dirname, '..', 'support', 'kill-writer.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

/** Runs the writer of NEW over a fresh OLD output in a child that SIGKILLs itself before call `killAt`. */
function killedWrite(script: string, killAt: number): Promise<{ outdir: string; signal: NodeJS.Signals | null }> {
  const outdir = join(tempDir(), 'dist');
  writeTreeAtomically(outdir, OLD);
  const treeFile = join(tempDir(), 'tree.json');
  writeFileSync(treeFile, JSON.stringify([...NEW]));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, outdir, String(killAt), treeFile], { stdio: 'ignore' });
    child.on('error', fail);
    child.on('exit', (_, signal) => done({ outdir, signal }));
  });
}

/** The calls that change the disk: a kill before any other call leaves the same state as one before the next of these. */
const CHANGING_CALLS = ['mkdirSync', 'writeFileSync', 'linkSync', 'copyFileSync', 'renameSync', 'rmSync', 'unlinkSync'];

test('killed before each call that changes the disk, the output is old or new and the next run repairs the rest', async () => {
  const killPoints: number[] = [];
  const outdir = join(tempDir(), 'dist');
  writeTreeAtomically(outdir, OLD);
  const fs = interceptedFileSystem((call) => CHANGING_CALLS.includes(call.name) && killPoints.push(call.index));
  writeTreeAtomically(outdir, NEW, { fs });

  const script = bundledKillWriter();
  const runs = await Promise.all(killPoints.map((killAt) => killedWrite(script, killAt)));
  const whole = [withManifest(OLD), withManifest(NEW)].map((tree) => Object.fromEntries(tree));
  let windows = 0;
  for (const [i, { outdir, signal }] of runs.entries()) {
    const at = `kill before call ${killPoints[i]}`;
    expect(signal, at).toBe('SIGKILL');
    if (existsSync(outdir)) {
      expect(whole, at).toContainEqual(Object.fromEntries(readTree(outdir)));
    } else {
      // The one window, between the two renames: a complete staging directory waits beside the output.
      windows++;
      const staging = readdirSync(dirname(outdir)).filter((name) => name.startsWith('dist.guardrails-staging-'));
      expect(
        staging.some((name) => existsSync(join(dirname(outdir), name, MANIFEST_FILE))),
        at,
      ).toBe(true);
      // The drift gate's reader repairs what it reads: it rolls the complete new tree forward.
      expect(Object.fromEntries(inspectOutput(outdir, 0, () => readTree(outdir))), at).toEqual(whole[1]);
      expect(Object.fromEntries(readTree(outdir)), at).toEqual(whole[1]);
    }
    // The next synth's writer succeeds (taking over the dead run's lock) and leaves nothing beside dist/.
    writeTreeAtomically(outdir, NEW, { lockTimeoutMs: 0 });
    expectExactly(outdir, NEW);
  }
  expect(windows).toBe(1);
}, 60_000); // a ceiling for starting one child per kill point on a busy machine, not a speed check
