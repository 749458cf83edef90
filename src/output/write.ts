import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeFilesystemProblem, UserError } from '../errors';
import { errorCode, NODE_FILE_SYSTEM, worksApart, type FileSystem } from './file-system';
import { acquireLock } from './lock';
import { blobId, MANIFEST_FILE, parseManifest, pathsManifest } from './manifest';
import { assertWrittenBySynth, resolveOutputDirectory } from './ownership';
import type { FileTree } from '../model/layout';
import { scanDirectory, type DirectoryScan } from './scan';
import { stagingTree, type StagingTree } from './staging';

/**
 * Every regular file below `dir` with its content, the manifest included, by path relative to `dir` (always
 * `/`-separated); empty if `dir` is missing. For small directories (the policy lock) and tests: synth's output is
 * compared by blob id, file by file.
 */
export function readTree(dir: string): FileTree {
  const scan = scanDirectory(dir, NODE_FILE_SYSTEM, 0);
  const tree: FileTree = new Map(scan.paths.map((path) => [path, scan.read(path)]));
  if (scan.manifestText !== undefined) tree.set(MANIFEST_FILE, scan.manifestText);
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The path of every regular file below `dir`, the manifest included, none read. */
export function listTree(dir: string): string[] {
  const scan = scanDirectory(dir, NODE_FILE_SYSTEM, 0);
  return scan.manifestText === undefined ? [...scan.paths] : [...scan.paths, MANIFEST_FILE].sort();
}

/** Every regular file below `dir`, the manifest included, by path → blob id. */
export function readTreeIds(dir: string): Map<string, string> {
  const scan = scanDirectory(dir, NODE_FILE_SYSTEM, 0);
  const ids = new Map(scan.paths.map((path) => [path, scan.idOf(path)]));
  if (scan.manifestText !== undefined) ids.set(MANIFEST_FILE, blobId(scan.manifestText));
  return ids;
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

/** How `actual` differs from `expected`; the values compared are contents or blob ids, as long as both hold the same. */
export function diffTrees<V>(expected: ReadonlyMap<string, V>, actual: ReadonlyMap<string, V>): TreeDiff {
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

/** What a write can be asked to do besides writing. */
export interface WriteOptions extends WriterOptions {
  /**
   * Runs holding the lock once the output holds the new tree (written now, or already current): what must match
   * the output, such as the cluster entry points beside it, is written before another synth can swap it.
   */
  readonly afterWrite?: () => void;
}

/** A file of the new tree that the output already holds with the bytes it must have: linked, not written again. */
export const KEEP: unique symbol = Symbol('the file the output holds');

/** The new tree, produced file by file while the writer stages it, so it is never held in memory whole. */
export interface TreeSource {
  /**
   * Every file but the manifest, each with its content or {@link KEEP}. A refusal thrown while producing them
   * leaves the output as it was.
   */
  readonly files: Iterable<readonly [path: string, content: string | typeof KEEP]>;
  /** The manifest's text, asked once every file was produced. */
  manifest(): string;
}

/** What a write puts in place of the output. */
export interface OutputPlan {
  /** How many files the new tree will hold, about: scales the bound on the directory's entries. */
  readonly expectedFiles: number;
  /**
   * Whether the new tree may hold `path`. Every file of the output that neither this nor the manifest allows is
   * refused before anything is produced, so a directory synth did not write is refused at once, not after rendering.
   */
  readonly mayHold: (path: string) => boolean;
  /** The new tree, decided holding the lock from what the output holds now. */
  source(current: DirectoryScan): TreeSource;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * The writer's own entries beside output directory `dist`, all named `dist.guardrails-*`: the lock, the breaker
 * that serialises taking over a stale lock, the checked config synth keeps, and per run a staging directory (the new tree, complete once its
 * manifest is written, which is written last) and a retired one (the old tree, between the two renames).
 */
class SideEntries {
  readonly parent: string;
  readonly prefix: string;
  readonly lock: string;
  readonly breaker: string;
  /** The checked config of the last run (src/config/checked-cache.ts). */
  readonly checkedConfig: string;

  constructor(readonly outdir: string) {
    this.parent = dirname(outdir);
    this.prefix = `${basename(outdir)}.guardrails-`;
    this.lock = join(this.parent, `${this.prefix}lock`);
    this.breaker = join(this.parent, `${this.prefix}lock-breaker`);
    this.checkedConfig = join(this.parent, `${this.prefix}config`);
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
 * Where synth keeps the checked config beside the output directory `outdir` (`dist.guardrails-config`); none for an
 * output directory the writer refuses, which is reported when it is written.
 */
export function checkedConfigBeside(outdir: string): string | undefined {
  try {
    return new SideEntries(resolveOutputDirectory(outdir, NODE_FILE_SYSTEM)).checkedConfig;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the output directory `outdir` with exactly `tree` plus a manifest listing its paths (see
 * {@link writeOutputAtomically}); returns whether anything changed.
 */
export function writeTreeAtomically(outdir: string, tree: FileTree, options: WriteOptions = {}): boolean {
  const source: TreeSource = { files: tree, manifest: () => pathsManifest(tree) };
  return writeOutputAtomically(outdir, { expectedFiles: tree.size, mayHold: (path) => tree.has(path), source: () => source }, options);
}

/**
 * Replaces the output directory `outdir` with the tree `plan` produces plus its manifest, and returns whether
 * anything changed: an unchanged tree is not rewritten, and an unchanged file of a changed tree is linked into the
 * new one, not written again. Holding the output's lock, it repairs what a killed run left, asks `plan` for the new
 * tree given what the output holds now, and writes it beside `outdir` as it is produced, to swap it in with two
 * renames; on any failure or refusal `outdir` is left as it was. Refuses, before producing anything, a directory
 * synth did not write (see `resolveOutputDirectory` and `assertWrittenBySynth`) and one it could not replace
 * completely (a directory that is not writable). docs/crash-model.md lists what a kill at each step leaves and how
 * the next run repairs it.
 */
export function writeOutputAtomically(outdir: string, plan: OutputPlan, options: WriteOptions = {}): boolean {
  const fs = options.fs ?? NODE_FILE_SYSTEM;
  const side = new SideEntries(attempt(`inspect ${outdir}`, () => resolveOutputDirectory(outdir, fs)));
  attempt(`create ${side.parent}`, () => fs.mkdirSync(side.parent, { recursive: true }));
  return withLock(side, fs, options, () => {
    repairUnderLock(side, fs);
    const existing = attempt(`read ${outdir}`, () => scanDirectory(side.outdir, fs, plan.expectedFiles));
    assertWrittenBySynth(outdir, existing, plan.mayHold);
    // The plan reads the output's files (their ids) through the scan: a failure there names the output.
    const source = attempt(`read ${outdir}`, () => plan.source(existing));
    const changed = stageAndSwap(side, existing, source, plan.expectedFiles, fs, outdir);
    options.afterWrite?.();
    return changed;
  });
}
/**
 * Runs `inspect` on what the output directory `outdir` holds (see `scanDirectory`: `expectedFiles` scales its
 * bound), holding its lock so that no synth swaps it meanwhile, after repairing what a killed synth left: when
 * `outdir` is missing, a complete staging directory becomes the output (roll forward), else the retired old tree is
 * put back (roll back); every leftover staging and retired directory is removed. Where the lock cannot be created (a
 * read-only checkout), nothing can be repaired either, and the directory is read as it is.
 */
export function inspectOutput<T>(
  outdir: string,
  expectedFiles: number,
  inspect: (current: DirectoryScan) => T,
  options: WriterOptions = {},
): T {
  const fs = options.fs ?? NODE_FILE_SYSTEM;
  const side = new SideEntries(attempt(`inspect ${outdir}`, () => resolveOutputDirectory(outdir, fs)));
  const read = () => inspect(attempt(`read ${outdir}`, () => scanDirectory(side.outdir, fs, expectedFiles)));
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
  return [...parseManifest(manifest).files.keys()].every((path) => {
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

/**
 * Writes the tree `source` produces to a new staging directory, its manifest last, and swaps it in for the output;
 * returns whether anything changed. Refuses, before the swap, a file of the output that is neither produced nor
 * listed in its manifest. A file the output holds with the same bytes is linked, not written. The staging
 * directory is created at the first file that differs: while none does, the paths are only noted, so an unchanged
 * tree costs no write at all.
 */
function stageAndSwap(
  side: SideEntries,
  existing: DirectoryScan,
  source: TreeSource,
  expectedFiles: number,
  fs: FileSystem,
  outdir: string,
): boolean {
  const present = new Set(existing.paths);
  const produced = new Set<string>();
  const unchanged: string[] = []; // before the staging directory exists
  let staging: StagingTree | undefined;
  const stage = () => {
    assertWritable(side, existing, fs);
    const describe = (error: unknown) => fileSystemError(error, `write the new output beside ${side.outdir}`);
    staging = stagingTree(side.newStaging(), side.outdir, fs, expectedFiles, describe);
    for (const path of unchanged) staging.link(path);
  };
  try {
    for (const [path, content] of source.files) {
      if (produced.has(path) || path === MANIFEST_FILE) throw new Error(`the new tree produces ${path} twice`);
      produced.add(path);
      if (content === KEEP && !present.has(path)) throw new Error(`the new tree keeps ${path}, which the output does not hold`);
      const same = content === KEEP || (present.has(path) && existing.idOf(path) === blobId(content));
      if (same) {
        if (staging) staging.link(path);
        else unchanged.push(path);
        continue;
      }
      if (!staging) stage();
      staging!.write(path, content as string);
    }
    // What the plan allowed may hold more than the new tree: what neither it nor the manifest holds is not synth's.
    assertWrittenBySynth(outdir, existing, (path) => produced.has(path));
    const manifest = source.manifest();
    const identical = existing.exists && manifest === existing.manifestText && existing.paths.every((path) => produced.has(path));
    if (!staging && identical) return false;
    if (!staging) stage();
    staging!.write(MANIFEST_FILE, manifest); // last: a staging directory with its manifest is complete
    staging!.finish();
  } catch (error) {
    if (staging) {
      staging.abandon();
      removeQuietly(staging.dir, fs);
    }
    throw fileSystemError(error, `read ${side.outdir}`); // what writing failed on is already a UserError naming it
  }
  swapIn(side, staging!.dir, existing.exists ? existing.paths.length + existing.directories.length : undefined, fs);
  return true;
}

/**
 * Swaps the complete staging directory in for the output with two renames, then removes the old tree (`retiring`
 * entries; undefined when there was none).
 */
function swapIn(side: SideEntries, staging: string, retiring: number | undefined, fs: FileSystem): void {
  const exists = retiring !== undefined;
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
  if (exists) removeRetired(retired, retiring, fs);
}

/**
 * Removes the old tree. A large one (a fleet's) is removed by a process of its own that synth does not wait for:
 * removing tens of thousands of files costs as much as writing them, and nothing depends on it any more. If that
 * process is stopped, the next synth or check removes what it left (a leftover retired tree).
 */
function removeRetired(retired: string, entries: number, fs: FileSystem): void {
  if (!worksApart(fs, entries)) {
    removeQuietly(retired, fs);
    return;
  }
  try {
    const remove = "require('node:fs').rmSync(process.argv[1], { recursive: true, force: true })";
    spawn(process.execPath, ['-e', remove, retired], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    removeQuietly(retired, fs);
  }
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
