import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeFilesystemProblem, UserError } from '../errors';
import { errorCode, NODE_FILE_SYSTEM, type FileSystem } from './file-system';
import { acquireLock } from './lock';
import { assertWrittenBySynth, MANIFEST_FILE, resolveOutputDirectory, withManifest } from './ownership';
import type { FileTree } from '../model/layout';
import { scanDirectory, type DirectoryScan } from './scan';

/** Every regular file below `dir`, by path relative to `dir` (always `/`-separated); empty if `dir` is missing. */
export function readTree(dir: string): FileTree {
  return scanDirectory(dir, NODE_FILE_SYSTEM).files;
}

/** How the tree on disk differs from the one synth would write. */
export interface TreeDiff {
  /** Files synth would write that are not on disk. */
  readonly added: string[];
  /** Files on disk whose content differs. */
  readonly changed: string[];
  /** Files on disk synth would not write. */
  readonly removed: string[];
}

export function diffTrees(expected: FileTree, actual: FileTree): TreeDiff {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [path, content] of expected) {
    const current = actual.get(path);
    if (current === undefined) added.push(path);
    else if (current !== content) changed.push(path);
  }
  const removed = [...actual.keys()].filter((path) => !expected.has(path));
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}

export function isEmptyDiff(diff: TreeDiff): boolean {
  return diff.added.length + diff.changed.length + diff.removed.length === 0;
}

/** How the writer touches the disk and waits for another synth. */
export interface WriterOptions {
  /** The file system calls it makes: node:fs unless a test injects faults. */
  readonly fs?: FileSystem;
  /** How long to wait for another synth holding the output directory's lock before refusing (default 30 s). */
  readonly lockTimeoutMs?: number;
}

/** What `writeTreeAtomically` can be asked to do besides writing. */
export interface WriteOptions extends WriterOptions {
  /**
   * Runs holding the lock, after a killed run's leftovers are repaired and before anything is written: a
   * check of the output on disk (such as the regression gate) sees it whole and unchanged by another synth.
   * It receives the files the output holds now, so a caller can say what the write changes without reading
   * them again. Throwing from it leaves the output untouched.
   */
  readonly beforeWrite?: (current: FileTree) => void;
  /**
   * Runs holding the lock once the output holds the new tree (written now, or already current): what must match
   * the output, such as the cluster entry points beside it, is written before another synth can swap it.
   */
  readonly afterWrite?: () => void;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * The writer's own entries beside output directory `dist`, all named `dist.guardrails-*`: the lock, the breaker
 * that serialises taking over a stale lock, and per run a staging directory (the new tree, complete once its
 * manifest is written, which is written last) and a retired one (the old tree, between the two renames).
 */
class SideEntries {
  readonly parent: string;
  readonly prefix: string;
  readonly lock: string;
  readonly breaker: string;

  constructor(readonly outdir: string) {
    this.parent = dirname(outdir);
    this.prefix = `${basename(outdir)}.guardrails-`;
    this.lock = join(this.parent, `${this.prefix}lock`);
    this.breaker = join(this.parent, `${this.prefix}lock-breaker`);
  }

  newStaging(): string {
    return join(this.parent, `${this.prefix}staging-${randomUUID()}`);
  }

  newRetired(): string {
    return join(this.parent, `${this.prefix}retired-${randomUUID()}`);
  }

  /** Staging and retired directories left by runs that were killed or could not clean up. */
  leftovers(fs: FileSystem): { staging: string[]; retired: string[] } {
    let names: string[];
    try {
      names = fs.readdirSync(this.parent);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { staging: [], retired: [] };
      throw error;
    }
    const ofKind = (kind: string) =>
      names
        .filter((name) => name.startsWith(`${this.prefix}${kind}-`))
        .sort()
        .map((name) => join(this.parent, name));
    return { staging: ofKind('staging'), retired: ofKind('retired') };
  }
}

/**
 * Replaces the output directory `outdir` with exactly `tree` plus its manifest, and returns whether anything
 * changed (an unchanged tree is not rewritten). Refuses, before touching anything, a directory synth did not
 * write (see `resolveOutputDirectory` and `assertWrittenBySynth`) and one it could not replace completely (a
 * directory that is not writable). Holding the output's lock, it repairs what a killed run left, writes the
 * new tree beside `outdir` and swaps it in with two renames; on any failure `outdir` is left as it was.
 * docs/crash-model.md lists what a kill at each step leaves and how the next run repairs it.
 */
export function writeTreeAtomically(outdir: string, tree: FileTree, options: WriteOptions = {}): boolean {
  const fs = options.fs ?? NODE_FILE_SYSTEM;
  const side = new SideEntries(attempt(`inspect ${outdir}`, () => resolveOutputDirectory(outdir, fs)));
  attempt(`create ${side.parent}`, () => fs.mkdirSync(side.parent, { recursive: true }));
  return withLock(side, fs, options, () => {
    repairUnderLock(side, fs);
    const existing = attempt(`read ${outdir}`, () => scanDirectory(side.outdir, fs));
    if (options.beforeWrite) attempt(`read ${outdir}`, () => options.beforeWrite!(existing.files));
    const next = withManifest(tree);
    assertWrittenBySynth(outdir, existing, next);
    const changed = !existing.exists || !isEmptyDiff(diffTrees(next, existing.files));
    if (changed) {
      assertWritable(side, existing, fs);
      swapIn(side, next, existing.exists, fs);
    }
    options.afterWrite?.();
    return changed;
  });
}

/**
 * Every entry below the output directory `outdir` (see `scanDirectory`), read holding its lock so that no synth
 * swaps it meanwhile, after repairing what a killed synth left: when `outdir` is missing, a complete staging
 * directory becomes the output (roll forward), else the retired old tree is put back (roll back); every
 * leftover staging and retired directory is removed. Where the lock cannot be created (a read-only checkout),
 * nothing can be repaired either, and the directory is read as it is.
 */
export function readOutput(outdir: string, options: WriterOptions = {}): DirectoryScan {
  const fs = options.fs ?? NODE_FILE_SYSTEM;
  const side = new SideEntries(attempt(`inspect ${outdir}`, () => resolveOutputDirectory(outdir, fs)));
  const read = () => attempt(`read ${outdir}`, () => scanDirectory(side.outdir, fs));
  try {
    fs.accessSync(side.parent, constants.W_OK);
  } catch {
    return read();
  }
  return withLock(side, fs, options, () => {
    repairUnderLock(side, fs);
    return read();
  });
}

function withLock<T>(side: SideEntries, fs: FileSystem, options: WriterOptions, action: () => T): T {
  const lock = attempt(`create the lock ${side.lock}`, () =>
    acquireLock(side.lock, side.breaker, fs, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
  );
  try {
    return action();
  } finally {
    lock.release();
  }
}

function repairUnderLock(side: SideEntries, fs: FileSystem): void {
  const { staging, retired } = attempt(`read ${side.parent}`, () => side.leftovers(fs));
  if (staging.length + retired.length === 0) return;
  if (!attempt(`inspect ${side.outdir}`, () => exists(side.outdir, fs))) {
    const complete = (dir: string) => isComplete(dir, fs);
    const restored = staging.find(complete) ?? retired.find(complete) ?? retired[0];
    if (restored !== undefined) attempt(`restore ${side.outdir} from ${restored}`, () => fs.renameSync(restored, side.outdir));
  }
  // A leftover that cannot be removed (an immutable file, say) is harmless: names never repeat.
  for (const leftover of [...staging, ...retired]) removeQuietly(leftover, fs);
}

/** A tree the writer wrote is complete once its manifest (written last) exists and every file it lists does. */
function isComplete(dir: string, fs: FileSystem): boolean {
  let manifest: string;
  try {
    manifest = fs.readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return false;
  }
  const listed = manifest.split('\n').filter((line) => line && !line.startsWith('#'));
  return listed.every((path) => {
    try {
      return fs.lstatSync(join(dir, path)).isFile();
    } catch {
      return false;
    }
  });
}

function exists(path: string, fs: FileSystem): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Refuses, before anything moves, a swap that could not finish: the parent must take new entries, and every
 * directory of the old tree must be writable, or removing it after the swap would fail halfway.
 */
function assertWritable(side: SideEntries, existing: DirectoryScan, fs: FileSystem): void {
  const old = existing.exists ? [side.outdir, ...existing.directories.map((dir) => join(side.outdir, dir))] : [];
  const directories = [side.parent, ...old];
  for (const dir of directories) {
    try {
      fs.accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new UserError(
        `${dir} is not writable (${errorCode(error) ?? String(error)}): synth could not replace the output completely. ` +
          `Make it writable (for example \`chmod -R u+w ${dir}\`) and run synth again.`,
      );
    }
  }
}

/** Writes `tree` to a new staging directory (its manifest last) and swaps it in for `outdir`. */
function swapIn(side: SideEntries, tree: FileTree, exists: boolean, fs: FileSystem): void {
  const staging = side.newStaging();
  const files = [...tree.keys()].filter((path) => path !== MANIFEST_FILE).sort();
  const created = new Set<string>();
  try {
    for (const path of [...files, MANIFEST_FILE]) {
      const file = join(staging, path);
      if (!created.has(dirname(file))) fs.mkdirSync(dirname(file), { recursive: true });
      created.add(dirname(file));
      fs.writeFileSync(file, tree.get(path)!);
    }
  } catch (error) {
    removeQuietly(staging, fs);
    throw fileSystemError(error, `write the new output beside ${side.outdir}`);
  }
  const retired = side.newRetired();
  if (exists) {
    try {
      fs.renameSync(side.outdir, retired);
    } catch (error) {
      removeQuietly(staging, fs);
      throw fileSystemError(error, `move ${side.outdir} aside`);
    }
  }
  try {
    fs.renameSync(staging, side.outdir);
  } catch (error) {
    // Put the old tree back; if even that fails, the next run does it (the staging directory is complete).
    if (exists) {
      try {
        fs.renameSync(retired, side.outdir);
        removeQuietly(staging, fs);
      } catch {}
    } else removeQuietly(staging, fs);
    throw fileSystemError(error, `move the new output to ${side.outdir}`);
  }
  // The new tree is in place: a failure to remove the old one only leaves a leftover the next run removes.
  if (exists) removeQuietly(retired, fs);
}

function removeQuietly(path: string, fs: FileSystem): void {
  try {
    fs.rmSync(path, { recursive: true, force: true });
  } catch {}
}

/** Runs a file system step, turning its failure into a UserError that names what could not be done. */
function attempt<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw fileSystemError(error, what);
  }
}

function fileSystemError(error: unknown, what: string): unknown {
  if (error instanceof UserError) return error;
  const code = errorCode(error);
  if (code === undefined) return error; // not a file system failure: a bug, keep its stack
  return new UserError(`cannot ${what}: ${describeFilesystemProblem(code) ?? `${(error as Error).message}; run synth again`}`);
}
