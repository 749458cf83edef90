import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** Directories made outside any test (while collecting, or in a beforeAll hook): removed after each test file. */
const outsideTests = new Set<string>();

/** A fresh temporary directory, removed when the current test finishes or, made outside a test, after its file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-test-'));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    outsideTests.add(dir); // a hook cannot register another hook: the setup file's afterAll removes it
  }
  return dir;
}

/** Removes every directory made outside a test so far (vitest.config.mts runs it after every test file). */
export function removeDirsMadeOutsideTests(): void {
  for (const dir of outsideTests) rmSync(dir, { recursive: true, force: true });
  outsideTests.clear();
}
