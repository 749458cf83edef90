import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { readTree } from '../../src/output/write';
import { synthesize } from '../../src/synthesize';
import { outputTreeFor, tempDir } from '../helpers';
import { configOf } from '../support/writer';

const RUNNER = resolve(import.meta.dirname, '..', '..', 'scripts', 'run.mjs');

/** Runs `node scripts/run.mjs synth` of this checkout, as `npm run synth` does; config and output are temporary. */
function synthProcess(config: string, outdir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [RUNNER, 'synth', '--config', config, '--outdir', outdir], { cwd: dirname(outdir) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

test("two synths of different configs at once into one output directory: both succeed, one after the other, and the output and the entry points beside it are one synth's", async () => {
  const dir = tempDir();
  const outdir = join(dir, 'dist');
  const configs = [configOf('one', 'two'), configOf('three')];
  // One synth first, so that both concurrent ones replace an existing tree and neither builds the bundle.
  expect((await synthProcess(configOf('one'), outdir)).code).toBe(0);

  const results = await Promise.all(configs.map((config) => synthProcess(config, outdir)));
  for (const { code, output } of results) {
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(code, output).toBe(0);
  }
  const written = Object.fromEntries(readTree(outdir));
  const last = configs.find((config) => isDeepStrictEqual(written, Object.fromEntries(outputTreeFor(config))));
  expect(last, "the output is exactly one config's").toBeDefined();
  // The entry points were written under the same lock, so they belong to the same synth, not to the other one.
  const { entryPoints } = synthesize(loadConfig(last!));
  const clusters = readTree(join(dir, 'clusters'));
  expect(Object.fromEntries([...clusters].map(([path, text]) => [`clusters/${path}`, text]))).toEqual(Object.fromEntries(entryPoints));
  expect(readdirSync(dir).sort()).toEqual(['clusters', 'dist', 'dist.guardrails-config']); // no staging, retired or lock entry left beside them
}, 120_000); // a ceiling for three processes on a busy machine, not a speed check
