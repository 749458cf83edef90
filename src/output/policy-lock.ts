import type { Environment } from '../model/environment';
import { FLUX_OUTPUT_DIR, type FileTree } from '../model/layout';
import { MANIFEST_FILE } from './manifest';
import { diffTrees, readTree, readTreeIds, writeTreeAtomically, type TreeDiff } from './write';

/**
 * The policy lock: a reviewed copy of what `environments.yaml` renders, one readable YAML file per environment
 * and policy (`<env>/<policy>.yaml`) plus the environment's Flux objects (`<env>/flux/<file>`). Derived from
 * whatever environments the config declares, so editing the config changes the lock, never the product's tests.
 */
export const DEFAULT_LOCK_DIR = 'test/policy-lock';

/** The command that accepts the current config's output as the new lock. */
export const ACCEPT_COMMAND = 'npm run lock -- --accept';

/** Generated per directory from the files beside it: locking it would add nothing to review. */
const DERIVED_FILE = 'kustomization.yaml';

/**
 * The lock's files for a synthesized tree: each environment's policies and Flux objects (the drill is not policy).
 * The values are carried over as they are: the files' contents, or their blob ids.
 */
export function lockTree<V>(environments: readonly Environment[], tree: ReadonlyMap<string, V>): Map<string, V> {
  const names = new Set(environments.map((env) => env.name));
  const lock = new Map<string, V>();
  for (const [path, text] of tree) {
    if (path.endsWith(`/${DERIVED_FILE}`)) continue;
    const [top, ...rest] = path.split('/');
    if (names.has(top) && rest.length === 1) lock.set(path, text);
    // flux/<env>/<file> → <env>/flux/<file>: everything of one environment in one folder of the lock.
    else if (top === FLUX_OUTPUT_DIR && names.has(rest[0])) lock.set(`${rest[0]}/${FLUX_OUTPUT_DIR}/${rest.slice(1).join('/')}`, text);
  }
  return lock;
}

/** One locked file, named as a reviewer reads it. */
export interface LockEntry {
  /** Path inside the lock directory. */
  readonly path: string;
  readonly environment: string;
  /** The policy name, or `flux/<file>` for a Flux object file. */
  readonly subject: string;
}

export function lockEntry(path: string): LockEntry {
  const [environment, ...rest] = path.split('/');
  return { path, environment, subject: rest.join('/').replace(/\.yaml$/, '') };
}

/** `environment production, policy verify-image-signatures` (or `Flux objects flux/policies`). */
export function describeLockEntry({ environment, subject }: LockEntry): string {
  const what = subject.startsWith(`${FLUX_OUTPUT_DIR}/`) ? `Flux objects ${subject}` : `policy ${subject}`;
  return `environment ${environment}, ${what}`;
}

/** How the lock directory differs from the config's output: new, changed and obsolete lock files. */
export interface LockDiff {
  readonly added: LockEntry[];
  readonly changed: LockEntry[];
  readonly obsolete: LockEntry[];
}

function toLockDiff({ added, changed, removed }: TreeDiff): LockDiff {
  return { added: added.map(lockEntry), changed: changed.map(lockEntry), obsolete: removed.map(lockEntry) };
}

/** Compares the config's lock files with the files of a lock directory (read from disk or from the git index), by content or by blob id. */
export function diffLock<V>(expected: ReadonlyMap<string, V>, locked: ReadonlyMap<string, V>): LockDiff {
  const policies = new Map(locked);
  policies.delete(MANIFEST_FILE); // the writer's record of the files it wrote, not a locked policy
  return toLockDiff(diffTrees(expected, policies));
}

/** Compares the config's lock files with the lock directory; the one comparison the `lock` command and its test share. */
export function compareLock(expected: FileTree, lockDir: string): LockDiff {
  return diffLock(expected, readTree(lockDir));
}

/** {@link compareLock} by blob id: `expected` maps each lock file to the id of its content. */
export function compareLockIds(expected: ReadonlyMap<string, string>, lockDir: string): LockDiff {
  return diffLock(expected, readTreeIds(lockDir));
}

export function isLockCurrent(diff: LockDiff): boolean {
  return diff.added.length + diff.changed.length + diff.obsolete.length === 0;
}

/** One line per difference, naming environment, policy and lock file. */
export function describeLockDiff(diff: LockDiff, lockDir: string): string[] {
  const line = (label: string) => (entry: LockEntry) => `${label} ${describeLockEntry(entry)} (${lockDir}/${entry.path})`;
  return [...diff.added.map(line('new:     ')), ...diff.changed.map(line('changed: ')), ...diff.obsolete.map(line('obsolete:'))];
}

/** {@link describeLockDiff}, then the command that accepts the differences. */
export function formatLockDiff(diff: LockDiff, lockDir: string): string[] {
  return [
    ...describeLockDiff(diff, lockDir),
    `the policy lock in ${lockDir}/ differs from the config: review the changes, then run \`${ACCEPT_COMMAND}\``,
  ];
}

/** Makes the lock directory hold exactly `expected`: adds, updates and deletes files inside it, nothing else. */
export function acceptLock(expected: FileTree, lockDir: string): void {
  writeTreeAtomically(lockDir, expected);
}
