#!/usr/bin/env node
// Times whole processes, the way a pre-commit hook or CI runs them, and checks the performance targets.
//
//   npm run bench                                   # 5 timed runs per case after one warm-up round
//   npm run bench -- --runs 10 --json out.json      # more runs; numbers to another file
//   npm run bench -- --no-test                      # skip the single `npm test` run
//   npm run bench -- --fleet 300,1000 --fleet-runs 5  # other fleet sizes and runs; --no-fleet skips them
//   npm run bench -- --help                         # every option and exit code
//
// `npm run bench` runs this file under tsx: its options are declared, parsed and explained by the same
// module as every command's (src/commands/command.ts).
// Cases run round-robin (one run of every case per round) so a load change on the machine hits every case
// alike, and the ratio to `cdk8s synth` compares runs made side by side. Every output goes to a temporary
// directory: the repository's dist/ and tracked files are only read.
//
// Peak memory is the largest resident set of any process in the case's process tree (npm, node, tsx...):
// GNU time's %M, which the kernel reports for the whole waited-for tree without touching the processes.
// Where GNU time is missing (macOS, Windows) every Node process in the tree reports its own peak through a
// preload in NODE_OPTIONS instead; non-Node processes (shells) are then not counted.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseScriptArguments } from '../src/commands/command.ts';
import { fleetCases, fleetTargets, growthRows } from './fleet-bench.mjs';

const root = resolve(import.meta.dirname, '..');
const SHIPPED_CONFIG = 'environments.yaml';
/** Generated config sizes; equally spaced so the two increments show whether time grows linearly. */
const SIZES = [10, 55, 100];
const MIB = 1024 * 1024;

const { values: options } = parseScriptArguments(
  {
    name: 'bench',
    usage: '[options]',
    summary: `Time synth, check, generated ${SIZES.join('/')}-environment configs and \`npm test\` against \`cdk8s synth\`, and check the performance targets.`,
    options: {
      runs: { type: 'string', default: '5', valueName: 'n', description: 'timed runs per case' },
      warmup: { type: 'string', default: '1', valueName: 'n', description: 'warm-up rounds before timing' },
      json: { type: 'string', default: join(root, 'bench-results.json'), valueName: 'file', description: 'where the numbers are written' },
      'no-test': { type: 'boolean', default: false, description: 'skip the single `npm test` run' },
      fleet: {
        type: 'string',
        default: '300,1000,3000',
        valueName: 'sizes',
        description: 'fleet sizes (environments, comma-separated, ascending) for the fleet cases (docs/performance.md)',
      },
      'fleet-runs': { type: 'string', default: '3', valueName: 'n', description: 'timed runs per fleet case' },
      'no-fleet': { type: 'boolean', default: false, description: 'skip the fleet cases' },
    },
    exitCodes: [
      { code: 0, meaning: 'measured (each target is printed PASS or FAIL)' },
      { code: 1, meaning: '`npm test` failed' },
      { code: 2, meaning: 'usage error, or a benchmarked command failed' },
    ],
  },
  process.argv.slice(2),
);
const runs = integerAtLeast(1, options.runs, '--runs');
const warmup = integerAtLeast(0, options.warmup, '--warmup');
const fleetRuns = integerAtLeast(1, options['fleet-runs'], '--fleet-runs');
const fleetSizes = options['no-fleet'] ? [] : options.fleet.split(',').map((size) => integerAtLeast(1, size.trim(), '--fleet'));
if (fleetSizes.some((size, i) => i > 0 && size <= fleetSizes[i - 1])) fail(`--fleet sizes must ascend (got ${options.fleet})`);

function integerAtLeast(min, text, flag) {
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : fail(`${flag} must be an integer ≥ ${min} (got ${text})`);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'guardrails-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------- memory

/** How peak memory is measured here: GNU time when it works, else a preload in every Node process. */
const memory = (() => {
  const probe = join(work, 'time-probe');
  const gnuTime = spawnSync('/usr/bin/time', ['-f', '%M', '-o', probe, 'node', '-e', '0'], { stdio: 'ignore' });
  if (gnuTime.status === 0 && /^\d+\s*$/.test(readFileSync(probe, 'utf8'))) {
    return {
      source: 'GNU time %M (largest process in the tree)',
      wrap: (command, file) => ({ command: ['/usr/bin/time', '-f', '%M', '-o', file, ...command], env: process.env }),
    };
  }
  const preload = join(work, 'report-max-rss.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('node:fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'));\n",
  );
  return {
    source: 'process.resourceUsage().maxRSS of each Node process (GNU time unavailable)',
    wrap: (command, file) => ({
      command,
      env: { ...process.env, BENCH_RSS_FILE: file, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${preload}"` },
    }),
  };
})();

/** Largest RSS (KiB, as both sources report it) written to `file`, in MiB; undefined if nothing was reported. */
function peakMiB(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const kib = text
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
  return kib.length === 0 ? undefined : (Math.max(...kib) * 1024) / MIB;
}

// ----------------------------------------------------------------------------------------------- cases

/**
 * The shipped environments repeated to `count` environments, each copy with its own name and namespaces
 * (`<name>-<i>`, as distinct environments would have); the rest of the file is kept.
 */
function generateConfig(count) {
  const config = parse(readFileSync(join(root, SHIPPED_CONFIG), 'utf8'));
  const shipped = config.environments;
  config.environments = Array.from({ length: count }, (_, i) => {
    // Copied, not shared: shared objects would be written as YAML anchors and aliases, unlike a real config.
    const copy = structuredClone(shipped[i % shipped.length]);
    const suffix = `-${i + 1}`;
    copy.name += suffix;
    if (Array.isArray(copy.namespaces)) copy.namespaces = copy.namespaces.map((namespace) => namespace + suffix);
    return copy;
  });
  const file = join(work, `environments-${count}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

// Each case its own parent directory: synth writes the entry points to clusters/ beside the output directory.
const out = (name) => join(work, name, 'dist');
const npmRun = (script, ...args) => ['npm', 'run', script, '--', ...args];

const CDK8S = 'cdk8s';
const FLOOR = 'node';
const cases = [
  // What starting Node costs on this machine, for reading the others: the issue measured 0.13 s on 2 cores.
  { id: FLOOR, label: 'node -e 0 (floor)', command: [process.execPath, '-e', '0'] },
  { id: 'synth', label: 'npm run synth', command: npmRun('synth', '--outdir', out('synth')) },
  // As the pre-commit hook starts the app: without npm's own start.
  {
    id: 'synth-node',
    label: 'node scripts/run.mjs synth',
    command: [process.execPath, join(root, 'scripts', 'run.mjs'), 'synth', '--outdir', out('synth-node')],
  },
  {
    id: CDK8S,
    label: 'cdk8s synth (app: npx tsx src/main.ts)',
    command: ['npx', 'cdk8s', 'synth', '--no-check-upgrade', '--app', 'npx tsx src/main.ts', '--output', out(CDK8S)],
  },
  // Compared with what `synth` above wrote, so a stale dist/ in the checkout cannot fail the case.
  { id: 'check', label: 'npm run check', command: npmRun('check', '--outdir', out('synth')) },
  ...SIZES.map((size) => ({
    id: `synth-${size}`,
    label: `npm run synth, ${size} environments`,
    command: npmRun('synth', '--config', generateConfig(size), '--outdir', out(`synth-${size}`)),
  })),
];
const testCase = { id: 'test', label: 'npm test (one run)', command: ['npm', 'test'] };

/**
 * Runs one command to completion after its untimed `prepare` step: its wall time (s, with the case's own
 * adjustment), peak memory (MiB) and, when it failed, why.
 */
function measure(benchCase, index) {
  benchCase.prepare?.();
  const rssFile = join(work, `rss-${benchCase.id}-${index}`);
  const { command, env } = memory.wrap(benchCase.command, rssFile);
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { cwd: benchCase.cwd ?? root, env, encoding: 'utf8', maxBuffer: 64 * MIB });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const failure =
    result.status === 0
      ? undefined
      : `\`${benchCase.command.join(' ')}\` exited with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`;
  const seconds = failure ? wall : wall + (benchCase.adjustSeconds?.(result.stdout) ?? 0);
  return { seconds, peakMiB: peakMiB(rssFile), failure };
}

function summarize(samples) {
  const seconds = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const mid = Math.floor(seconds.length / 2);
  const median = seconds.length % 2 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2;
  const peaks = samples.map((s) => s.peakMiB).filter((m) => m !== undefined);
  return {
    median,
    min: seconds[0],
    max: seconds.at(-1),
    runs: samples.map((s) => s.seconds),
    peakMiB: peaks.length ? Math.max(...peaks) : undefined,
  };
}

// ----------------------------------------------------------------------------------------------- run

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim(),
  node: process.version,
  npm: spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim(),
  platform: `${process.platform} ${process.arch}`,
  loadAverageAtStart: loadavg()[0],
};
console.log(
  `machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, npm ${machine.npm}, load ${machine.loadAverageAtStart.toFixed(2)}`,
);
console.log(`${runs} runs per case after ${warmup} warm-up round(s); memory: ${memory.source}`);
if (machine.loadAverageAtStart > machine.cpus / 2) {
  console.log(
    `warning: the machine is busy (load ${machine.loadAverageAtStart.toFixed(2)} on ${machine.cpus} CPUs); times will be high and noisy`,
  );
}
console.log();

/** Runs `caseList` round-robin, `rounds` timed rounds after `warmupRounds`: each case's summary, by id. */
function runRounds(caseList, rounds, warmupRounds, title) {
  const samples = new Map(caseList.map((c) => [c.id, []]));
  for (let round = 0; round < warmupRounds + rounds; round++) {
    process.stdout.write(`${title}: ${round < warmupRounds ? 'warm-up' : `run ${round - warmupRounds + 1}/${rounds}`} `);
    for (const benchCase of caseList) {
      const sample = measure(benchCase, round);
      // A failing case has no meaningful time, and the ratios and targets need every case.
      if (sample.failure) fail(`\n${sample.failure}`);
      if (round >= warmupRounds) samples.get(benchCase.id).push(sample);
      process.stdout.write('.');
    }
    process.stdout.write('\n');
  }
  return Object.fromEntries(caseList.map((c) => [c.id, { label: c.label, command: c.command.join(' '), ...summarize(samples.get(c.id)) }]));
}

const results = runRounds(cases, runs, warmup, 'cases');
const fleetLoad = loadavg()[0];
if (fleetSizes.length > 0)
  console.log(`fleet of ${fleetSizes.join(', ')} environments (load ${fleetLoad.toFixed(2)}): generating and synthesizing…`);
const fleet = fleetCases({ root, work, sizes: fleetSizes, shippedConfig: join(root, SHIPPED_CONFIG) });
const fleetResults = fleet.length === 0 ? {} : runRounds(fleet, fleetRuns, 1, 'fleet');
let testFailure;
if (!options['no-test']) {
  const sample = measure(testCase, 0);
  testFailure = sample.failure;
  results[testCase.id] = {
    label: testCase.label,
    command: testCase.command.join(' '),
    failed: Boolean(testFailure),
    ...summarize([sample]),
  };
}

const sameOutput = treesEqual(out('synth'), out(CDK8S));

function treesEqual(a, b) {
  const files = (dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  const [left, right] = [files(a), files(b)];
  return left.join('\n') === right.join('\n') && left.every((f) => readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}

// ------------------------------------------------------------------------------------------- targets

const cdk8sMedian = results[CDK8S].median;
const [small, middle, large] = SIZES.map((size) => results[`synth-${size}`]);
// Linear growth: the second half of the sizes costs about what the first half did. Quadratic growth would make
// the second increment (100² − 55²) / (55² − 10²) ≈ 2.4× the first; 1.5× leaves room for noise between them.
// Judged on the fastest runs: the difference of two medians is too noisy on a busy machine.
const MAX_GROWTH = 1.5;
const growth = (large.min - middle.min) / (middle.min - small.min);
const ourPeaks = cases.filter((c) => c.id !== CDK8S && c.id !== FLOOR).flatMap((c) => results[c.id].peakMiB ?? []);
const ourPeak = ourPeaks.length === 0 ? undefined : Math.max(...ourPeaks);
const targets = [
  { target: 'npm run synth median ≤ 0.8 s', value: `${results.synth.median.toFixed(2)} s`, pass: results.synth.median <= 0.8 },
  {
    target: 'node scripts/run.mjs synth (the sample) median ≤ 0.5 s',
    value: `${results['synth-node'].median.toFixed(2)} s`,
    pass: results['synth-node'].median <= 0.5,
  },
  {
    target: 'npm run synth ≥ 3.5× faster than cdk8s synth',
    value: `${(cdk8sMedian / results.synth.median).toFixed(1)}×`,
    pass: cdk8sMedian / results.synth.median >= 3.5,
  },
  { target: `${SIZES.at(-1)} environments ≤ 2.5 s`, value: `${large.median.toFixed(2)} s`, pass: large.median <= 2.5 },
  {
    target: `linear growth ${SIZES.join('→')} (second increment ≤ ${MAX_GROWTH}× the first)`,
    value: `fastest runs +${((middle.min - small.min) * 1000).toFixed(0)} ms, then +${((large.min - middle.min) * 1000).toFixed(0)} ms (${growth.toFixed(2)}×)`,
    pass: growth <= MAX_GROWTH,
  },
  {
    target: 'peak memory ≤ 150 MiB (every npm run case)',
    value: ourPeak === undefined ? 'not measured' : `${ourPeak.toFixed(0)} MiB`,
    pass: ourPeak === undefined ? undefined : ourPeak <= 150,
  },
  { target: 'npm run check median ≤ 1.0 s', value: `${results.check.median.toFixed(2)} s`, pass: results.check.median <= 1.0 },
  ...(results.test
    ? [
        {
          target: 'npm test ≤ 20 s (and passes)',
          value: `${results.test.median.toFixed(1)} s${testFailure ? ', FAILED' : ''}`,
          pass: !testFailure && results.test.median <= 20,
        },
      ]
    : []),
  { target: 'cdk8s synth writes the same bytes as npm run synth', value: sameOutput ? 'identical' : 'different', pass: sameOutput },
  ...(fleet.length === 0 ? [] : fleetTargets(fleetResults, fleetSizes)),
];

// -------------------------------------------------------------------------------------------- report

const rows = Object.values(results).map((r) => [
  r.label,
  r.median.toFixed(3),
  r.min.toFixed(3),
  r.max.toFixed(3),
  r.peakMiB === undefined ? 'n/a' : r.peakMiB.toFixed(0),
  r === results[CDK8S] ? '1.0×' : `${(cdk8sMedian / r.median).toFixed(1)}×`,
]);
printTable(['case', 'median s', 'min s', 'max s', 'peak MiB', 'vs cdk8s synth'], rows);
console.log();
if (fleet.length > 0) {
  console.log(`\nfleet (${fleetRuns} runs per case after one warm-up round; load ${fleetLoad.toFixed(2)} when it started)`);
  const kinds = ['floor', 'cold', 'noop', 'check', 'hook', 'changed'];
  printTable(
    ['environments', 'floor s', 'cold s', 'unchanged s', 'check s', 'hook s', 'one changed s', 'peak MiB'],
    fleetSizes.map((size) => [
      String(size),
      ...kinds.map((kind) => fleetResults[`${kind}-${size}`].median.toFixed(3)),
      Math.max(...kinds.slice(1).map((kind) => fleetResults[`${kind}-${size}`].peakMiB ?? 0)).toFixed(0),
    ]),
  );
  console.log();
  printTable(['growth', ...kinds.map((kind) => `${kind}`)], growthRows(fleetResults, fleetSizes));
}
console.log();
printTable(
  ['target', 'measured', ''],
  targets.map((t) => [t.target, t.value, t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'FAIL']),
);

function printTable(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

const jsonFile = resolve(options.json);
writeFileSync(
  jsonFile,
  `${JSON.stringify({ date: new Date().toISOString(), machine: { ...machine, loadAverageAtFleet: fleetLoad, loadAverageAtEnd: loadavg()[0] }, runs, warmup, fleetRuns, memory: memory.source, results, fleet: fleetResults, targets }, null, 2)}\n`,
);
console.log(`\nload ${loadavg()[0].toFixed(2)} at the end; numbers written to ${jsonFile}`);
if (testFailure) {
  console.error(`\n${testFailure}`);
  process.exitCode = 1;
}
