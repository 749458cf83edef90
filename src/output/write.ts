import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { FileTree } from './render';

/** Every regular file below `dir`, by path relative to `dir` (always `/`-separated); empty if `dir` is missing. */
export function readTree(dir: string): FileTree {
  const tree: FileTree = new Map();
  if (!existsSync(dir)) return tree;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    tree.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return tree;
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

/**
 * Replaces `outdir` with exactly `tree`: the new tree is written beside it and swapped in with two renames,
 * so an error while writing leaves `outdir` as it was. Nothing is written when the tree is already current.
 * Returns whether anything changed.
 */
export function writeTreeAtomically(outdir: string, tree: FileTree, current: FileTree = readTree(outdir)): boolean {
  if (isEmptyDiff(diffTrees(tree, current))) return false;
  const parent = dirname(outdir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `${basename(outdir)}.tmp-${process.pid}`);
  const retired = join(parent, `${basename(outdir)}.old-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [path, content] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const file = join(staging, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    if (existsSync(outdir)) renameSync(outdir, retired);
    renameSync(staging, outdir);
  } catch (error) {
    // Put the previous tree back if the swap got halfway.
    if (!existsSync(outdir) && existsSync(retired)) renameSync(retired, outdir);
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  rmSync(retired, { recursive: true, force: true });
  return true;
}
