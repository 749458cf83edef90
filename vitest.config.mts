import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * @actions/workflow-parser and @actions/expressions ship source maps that name sources they do not ship, and
 * Vite warns about each of their files: loaded without the map comment, their code is unchanged and silent.
 */
const actionsPackagesWithoutSourceMaps = {
  name: 'actions-packages-without-source-maps',
  enforce: 'pre' as const,
  load(id: string) {
    if (!/\/node_modules\/@actions\/(workflow-parser|expressions)\/dist\/.*\.js$/.test(id)) return null;
    return readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
  },
};

export default defineConfig({
  plugins: [actionsPackagesWithoutSourceMaps],
  test: {
    // Test files share each worker's module cache: importing the generated constructs, cdk8s and the
    // validators once per worker instead of once per file is most of the suite's time. The app keeps no
    // module state between synths, and tests restore what they stub.
    isolate: false,
    // Worker processes, not threads: many tests start processes (git, the hook, killed and concurrent writers), and
    // starting one costs in proportion to the memory of the process that starts it, which for a thread is every
    // worker's together (about 2 s less for the suite).
    pool: 'forks',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine. Several files
    // mostly wait for processes they start (git, the hook, killed writers), so two workers overlap that
    // waiting with the other files' work.
    maxWorkers: 2,
    // Transformed modules are kept on disk (node_modules/.experimental-vitest-cache) and reused by the next run.
    experimental: { fsModuleCache: true },
    // The JSON report gives .ci/run its pass/fail totals.
    // @actions/workflow-parser imports its JSON schema without an import attribute, which Node 20 refuses:
    // letting Vite transform it (instead of handing it to Node) loads the JSON.
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
    // Removes the temporary directories a file's hooks made (a hook cannot register the removal itself).
    setupFiles: ['test/support/after-each-file.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.build/test-results.json' },
    projects: [
      // `npm test`: the app, its commands and its output.
      { extends: true, test: { name: 'product', include: ['test/**/*.test.ts'], exclude: ['test/tooling/**', 'test/real-engines/**'] } },
      // `npm run test:tooling`: the CRD import and upgrade scripts, the bundle runner, `npx cdk8s synth` and the benchmark
      // script's options, which start the cdk8s CLI, esbuild and tsx (seconds of CPU each); CI runs them as a step of their own.
      // Each of their tests starts processes: 30 s is a ceiling for a loaded machine, not a speed check.
      { extends: true, test: { name: 'tooling', include: ['test/tooling/**/*.test.ts'], testTimeout: 30_000 } },
      // `npm run test:engines`: the real Kyverno CLI, cosign and Flux CLI, built from the Go modules of engine-tests/
      // (the global setup builds them, or finds them in the cache), run on the product's output. Files run one at a
      // time: each starts the tools and a registry. The ceilings are for a loaded 2-core machine, not speed checks.
      {
        extends: true,
        test: {
          name: 'engines',
          include: ['test/real-engines/**/*.test.ts'],
          globalSetup: ['test/real-engines/support/build-tools.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
