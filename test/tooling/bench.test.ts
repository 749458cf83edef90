import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

// scripts/bench.mjs declares its options with the commands' own module, so it runs under tsx: a process that
// transforms TypeScript, hence here and not in `npm test`.
it('the benchmark script gets the same help and usage errors as every command, and stops before its work', () => {
  const bench = (...argv: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.mjs', ...argv], { encoding: 'utf8' });
  const help = bench('--help');
  expect(help.status).toBe(0);
  expect(help.stdout).not.toContain('machine:'); // the help, not a benchmark
  for (const option of ['--runs <n>', '--warmup <n>', '--json <file>', '--no-test', '-h, --help'])
    expect(help.stdout).toContain(`  ${option}`);
  const usage = bench('--runs');
  expect(usage.status).toBe(2);
  expect(usage.stdout).toBe('');
  expect(usage.stderr).toBe("usage error: Option '--runs <value>' argument missing (see bench --help)\n");
});
