import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { withManifest } from '../src/output/ownership';
import { readTree } from '../src/output/write';
import { projectCopy, tempDir, treeFor } from './helpers';
import { configOf } from './support/writer';

/** Runs `node scripts/run.mjs synth` in `project`, as `npm run synth` does. */
function synthProcess(project: string, config: string, outdir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'synth', '--config', config, '--outdir', outdir], { cwd: project });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

test('two synths at once into one output directory: both succeed, one after the other, and the result is one synth\'s', async () => {
  const project = projectCopy();
  const dir = tempDir();
  const outdir = join(dir, 'dist');
  const config = configOf('one', 'two');
  // One synth first, so that both concurrent ones replace an existing tree and neither builds the bundle.
  expect((await synthProcess(project, configOf('one'), outdir)).code).toBe(0);

  const results = await Promise.all([synthProcess(project, config, outdir), synthProcess(project, config, outdir)]);
  for (const { code, output } of results) {
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(code, output).toBe(0);
  }
  expect(readTree(outdir)).toEqual(withManifest(treeFor(config)));
  expect(readdirSync(dir).sort()).toEqual(['clusters', 'dist']); // no staging, retired or lock entry left beside them
}, 120_000); // a ceiling for three processes on a busy machine, not a speed check
