import { parseArgs } from 'node:util';
import { acceptLock, compareLock, DEFAULT_LOCK_DIR, formatLockDiff, isLockCurrent, lockTree } from '../output/policy-lock';
import type { Command } from './output';
import { COMMON_OPTIONS, reportRefusal, synthesizeValidated } from './synth';

/**
 * `lock`: compares what the config renders per environment and policy (and each environment's Flux objects)
 * with the reviewed lock in `--lock-dir` (default test/policy-lock/); exits 1 naming every new, changed or
 * obsolete entry. `--accept` makes the lock match the config, touching only files inside the lock directory.
 */
export const lock: Command = (argv, output) => {
  const { values } = parseArgs({
    args: [...argv],
    options: { config: COMMON_OPTIONS.config, 'lock-dir': { type: 'string', default: DEFAULT_LOCK_DIR }, accept: { type: 'boolean', default: false } },
  });
  const lockDir = values['lock-dir'];
  try {
    const { environments, tree } = synthesizeValidated(values.config);
    const expected = lockTree(environments, tree);
    const diff = compareLock(expected, lockDir);
    if (isLockCurrent(diff)) {
      output.out(`${lockDir}/ is current (${expected.size} files for ${environments.length} environments)`);
      return 0;
    }
    if (values.accept) {
      acceptLock(expected, lockDir);
      const counts = `${diff.added.length} new, ${diff.changed.length} changed, ${diff.obsolete.length} obsolete removed`;
      output.out(`wrote ${lockDir}/: ${counts}; commit it with the config`);
      return 0;
    }
    for (const line of formatLockDiff(diff, lockDir)) output.err(line);
    return 1;
  } catch (error) {
    return reportRefusal(error, lockDir, output);
  }
};
