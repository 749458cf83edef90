import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The JSON report gives .ci/run its pass/fail totals.
    reporters: ['default', 'json'],
    outputFile: { json: '.build/test-results.json' },
  },
});
