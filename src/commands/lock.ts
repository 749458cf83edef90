import { loadConfig } from '../config/load';
import { ACCEPT_COMMAND, acceptLock, compareLock, DEFAULT_LOCK_DIR, formatLockDiff, isLockCurrent, lockTree } from '../output/policy-lock';
import { defineCommand } from './command';
import { CONFIG_OPTION, synthesizeValidated } from './synth';

/**
 * `lock`: compares what the config renders per environment and policy (and each environment's Flux objects)
 * with the reviewed lock in `--lock-dir` (default test/policy-lock/); exits 1 naming every new, changed or
 * obsolete entry. `--accept` makes the lock match the config, touching only files inside the lock directory.
 */
export const lock = defineCommand({
  name: 'lock',
  usage: '[--accept] [options]',
  summary: 'Compare the policies the config renders with the reviewed policy lock (test/policy-lock/); --accept records them.',
  details: [
    `After editing environments.yaml: \`npm run synth\`, review the changes this command lists, then \`${ACCEPT_COMMAND}\` and commit the lock with the config.`,
  ],
  options: {
    ...CONFIG_OPTION,
    'lock-dir': { type: 'string', default: DEFAULT_LOCK_DIR, valueName: 'dir', description: 'the policy lock directory' },
    accept: { type: 'boolean', default: false, description: 'make the lock match the config (adds, updates and removes lock files)' },
  },
  exitCodes: [
    { code: 0, meaning: 'the lock is current, or was accepted' },
    { code: 1, meaning: 'the lock differs from the config (each entry named), an invalid config or validation findings' },
  ],
  run({ values }, output) {
    const lockDir = values['lock-dir'];
    const environments = loadConfig(values.config);
    const expected = lockTree(environments, synthesizeValidated(environments).tree);
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
  },
});
