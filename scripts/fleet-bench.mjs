// The fleet cases of `npm run bench`: synth, check and the pre-commit hook on hundreds and thousands of
// environments, against the disk floor measured in the same run. See docs/performance.md.
//
// For each size, from the user's own config (each shipped environment repeated with a numbered name, as the smaller
// cases do): a cold synth into an empty directory, a synth of the unchanged fleet, `check`, the pre-commit hook's
// `check --staged` in a git repository holding the fleet, and a synth after one environment changed. They run as the
// hook runs the app, `node scripts/run.mjs`: `npm run` adds its own start (the `npm run synth` case shows it).
// The floor is a plain Node loop writing the very files a cold synth writes: what no synth writing them can beat.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

/** Growth is linear when the second increment costs per environment at most this much more than the first. */
export const LINEAR_WITHIN = 1.15;

const FLOOR_SCRIPT = `
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const [from, to] = process.argv.slice(1);
const start = process.hrtime.bigint();
const files = readdirSync(from, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name).slice(from.length + 1));
const contents = files.map((file) => readFileSync(join(from, file)));
const read = Number(process.hrtime.bigint() - start) / 1e9;
const made = new Set();
files.forEach((file, i) => {
  const dir = dirname(join(to, file));
  if (!made.has(dir)) mkdirSync(dir, { recursive: true });
  made.add(dir);
  writeFileSync(join(to, file), contents[i]);
});
process.stdout.write(JSON.stringify({ readSeconds: read, files: files.length }));
`;

/**
 * The fleet's cases, for bench.mjs to run round-robin with its own: each has an untimed `prepare` step (an empty
 * directory for a cold synth, the other config for a change), and the floor reports the seconds it spent reading the
 * files it writes, which are not part of the floor.
 */
export function fleetCases({ root, work, sizes, shippedConfig }) {
  const run = (...args) => [process.execPath, join(root, 'scripts', 'run.mjs'), ...args];
  return sizes.flatMap((size) => {
    const dir = join(work, `fleet-${size}`);
    mkdirSync(dir, { recursive: true });
    const [config, changed] = fleetConfigs(shippedConfig, size).map((text, i) => {
      const file = join(dir, i === 0 ? 'environments.yaml' : 'environments-changed.yaml');
      writeFileSync(file, text);
      return file;
    });
    const cold = join(dir, 'cold', 'dist');
    const warm = join(dir, 'warm', 'dist');
    const floor = join(dir, 'floor', 'dist');
    const repo = hookRepository(root, join(dir, 'repo'), config);
    return settled(dir, [
      {
        id: `floor-${size}`,
        size,
        label: `disk floor, ${size} environments (a loop writing the same files)`,
        prepare: () => rmSync(dirname(floor), { recursive: true, force: true }),
        command: [process.execPath, '-e', FLOOR_SCRIPT, join(repo, 'dist'), floor],
        // Reading the files it then writes is the loop's preparation, not part of the floor.
        adjustSeconds: (stdout) => -JSON.parse(stdout).readSeconds,
      },
      {
        id: `cold-${size}`,
        size,
        label: `cold synth, ${size} environments`,
        prepare: () => rmSync(dirname(cold), { recursive: true, force: true }),
        command: run('synth', '--config', config, '--outdir', cold),
      },
      {
        id: `noop-${size}`,
        size,
        label: `synth of the unchanged fleet, ${size} environments`,
        prepare: () => synthOnce(run, config, warm),
        command: run('synth', '--config', config, '--outdir', warm),
      },
      {
        id: `check-${size}`,
        size,
        label: `check, ${size} environments`,
        command: run('check', '--config', config, '--outdir', warm),
      },
      {
        id: `hook-${size}`,
        size,
        label: `pre-commit hook (check --staged), ${size} environments`,
        cwd: repo,
        command: run('check', '--staged'),
      },
      {
        id: `changed-${size}`,
        size,
        label: `synth after one environment changed, ${size} environments`,
        // From the unchanged fleet, each run: one environment differs from what dist/ holds.
        prepare: () => synthOnce(run, config, warm),
        command: run('synth', '--config', changed, '--outdir', warm),
      },
    ]);
  });
}

/**
 * The cases, each starting on a settled disk: after its own preparation, no old tree of the fleet is still being
 * removed (synth leaves a fleet's to a process of its own, which would otherwise run beside the next case), and the
 * file system has written out what earlier cases and removals left (`sync`; on ext4 mounted with `discard`, a removed
 * tree's blocks are discarded when the journal commits). Without this, one case's clean-up lands in another's time:
 * the floor of 1,000 environments measured from 0.4 s to 11 s on one machine.
 */
function settled(dir, cases) {
  const settle = () => {
    const deadline = Date.now() + 120_000;
    while (retiredTrees(dir).length > 0 && Date.now() < deadline) sleep(100);
    try {
      execFileSync('sync', { stdio: 'ignore' });
    } catch {} // no `sync` command (Windows): the waiting above is what remains
  };
  return cases.map((benchCase) => ({
    ...benchCase,
    prepare: () => {
      benchCase.prepare?.();
      settle();
    },
  }));
}

/** Old output trees under the fleet's directory `dir` that a synth left to be removed. */
function retiredTrees(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => readdirSync(join(dir, entry.name)).filter((name) => name.includes('.guardrails-retired-')));
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The fleet of `size` environments from the shipped config, and the same with one environment changed in a way
 * that weakens no guardrail: its Flux reconcile interval.
 */
function fleetConfigs(shippedConfig, size) {
  const config = parse(readFileSync(shippedConfig, 'utf8'));
  const shipped = config.environments;
  const environments = Array.from({ length: size }, (_, i) => {
    // Copied, not shared: shared objects would be written as YAML anchors and aliases, unlike a real config.
    const copy = structuredClone(shipped[i % shipped.length]);
    const suffix = `-${i + 1}`;
    copy.name += suffix;
    if (Array.isArray(copy.namespaces)) copy.namespaces = copy.namespaces.map((namespace) => namespace + suffix);
    return copy;
  });
  const middle = structuredClone(environments[Math.floor(size / 2)]);
  middle.flux = { ...middle.flux, interval: middle.flux?.interval === '9m' ? '11m' : '9m' };
  const changed = environments.with(Math.floor(size / 2), middle);
  return [stringify({ ...config, environments }), stringify({ ...config, environments: changed })];
}

/**
 * Synthesizes `config` into `outdir` (nothing to write when it holds it already): where the unchanged-fleet cases
 * start (the case then waits for the old tree's removal, see `settled`).
 */
function synthOnce(run, config, outdir) {
  const [command, ...args] = run('synth', '--config', config, '--outdir', outdir);
  execFileSync(command, args, { stdio: 'ignore' });
}

/** A git repository holding the fleet's config, dist/ and clusters/, committed: what the hook checks on an unchanged fleet. */
function hookRepository(root, repo, config) {
  mkdirSync(repo, { recursive: true });
  cpSync(config, join(repo, 'environments.yaml'));
  cpSync(join(root, '.gitignore'), join(repo, '.gitignore'));
  // As a team synthesizes before committing: from the repository's root, the default config and output. The hook
  // then finds the config this synth checked and kept, which is kept for the config's name as given.
  execFileSync(process.execPath, [join(root, 'scripts', 'run.mjs'), 'synth', '--outdir', 'dist'], { cwd: repo, stdio: 'ignore' });
  const git = (...gitArgs) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...gitArgs], { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--no-verify', '-m', 'fleet');
  // As any `git status` leaves it: files written in the second of the commit are otherwise read again by every diff.
  git('update-index', '-q', '--refresh');
  return repo;
}

/**
 * The fleet's targets (docs/performance.md), from the medians of `results` (by case id): cold synth within 1.5× of
 * the floor at 1,000 and 3,000; peak memory at 1,000; the unchanged fleet (synth, check, hook) at 1,000; one change
 * at 1,000; linear growth of the cold synth and of the unchanged synth from the smallest size to the largest.
 */
export function fleetTargets(results, sizes) {
  const has = (size) => sizes.includes(size);
  const median = (id) => results[id]?.median;
  const targets = [];
  for (const size of [1000, 3000].filter(has)) {
    const ratio = median(`cold-${size}`) / median(`floor-${size}`);
    targets.push({
      target: `cold synth, ${size} environments ≤ 1.5× the disk floor`,
      value: `${median(`cold-${size}`).toFixed(2)} s / ${median(`floor-${size}`).toFixed(2)} s = ${ratio.toFixed(2)}×`,
      pass: ratio <= 1.5,
    });
  }
  if (has(1000)) {
    const peak = Math.max(...['cold', 'noop', 'check', 'hook', 'changed'].map((kind) => results[`${kind}-1000`].peakMiB ?? 0));
    targets.push({ target: 'peak memory, 1,000 environments ≤ 200 MiB', value: `${peak.toFixed(0)} MiB`, pass: peak <= 200 });
    for (const [kind, what] of [
      ['noop', 'synth of the unchanged fleet'],
      ['check', 'check of the unchanged fleet'],
      ['hook', 'pre-commit hook on the unchanged fleet'],
    ]) {
      targets.push({
        target: `${what}, 1,000 environments ≤ 1 s`,
        value: `${median(`${kind}-1000`).toFixed(2)} s`,
        pass: median(`${kind}-1000`) <= 1,
      });
    }
    targets.push({
      target: 'synth after one environment changed, 1,000 environments ≤ 1.5 s',
      value: `${median('changed-1000').toFixed(2)} s`,
      pass: median('changed-1000') <= 1.5,
    });
  }
  if (sizes.length >= 3) {
    const [small, middle, large] = [sizes[0], sizes[Math.floor(sizes.length / 2)], sizes.at(-1)];
    for (const [kind, what] of [
      ['cold', 'cold synth'],
      ['noop', 'synth of the unchanged fleet'],
    ]) {
      // Per environment, so unequal steps compare: the second increment may cost at most 15 % more per environment.
      const first = (median(`${kind}-${middle}`) - median(`${kind}-${small}`)) / (middle - small);
      const second = (median(`${kind}-${large}`) - median(`${kind}-${middle}`)) / (large - middle);
      targets.push({
        target: `${what} grows linearly ${small}→${middle}→${large} (per environment, second step ≤ ${LINEAR_WITHIN}× the first)`,
        value: `${(first * 1000).toFixed(2)} ms, then ${(second * 1000).toFixed(2)} ms per environment (${(second / first).toFixed(2)}×)`,
        pass: second <= LINEAR_WITHIN * first,
      });
    }
  }
  return targets;
}

/** Growth ratios of each fleet case between consecutive sizes, for the report. */
export function growthRows(results, sizes) {
  const kinds = ['floor', 'cold', 'noop', 'check', 'hook', 'changed'];
  return sizes.slice(1).map((size, i) => {
    const previous = sizes[i];
    return [
      `${previous}→${size} (×${(size / previous).toFixed(2)})`,
      ...kinds.map((kind) => `×${(results[`${kind}-${size}`].median / results[`${kind}-${previous}`].median).toFixed(2)}`),
    ];
  });
}
