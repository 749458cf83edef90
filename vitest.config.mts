import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Test files share each worker's module cache: importing the generated constructs, cdk8s and the
    // validators once per worker instead of once per file is most of the suite's time. The app keeps no
    // module state between synths, and tests restore what they stub.
    isolate: false,
    pool: 'threads',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine. Several files
    // mostly wait for processes they start (git, the hook, cdk8s import, killed writers), so two workers
    // overlap that waiting with the other files' work.
    maxWorkers: 2,
    // The JSON report gives .ci/run its pass/fail totals.
    reporters: ['default', 'json'],
    outputFile: { json: '.build/test-results.json' },
  },
});
