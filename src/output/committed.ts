import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { FileTree } from './render';
import { readTree } from './write';

/** The tree the guards compare against, and where it came from (for messages). */
export interface CommittedTree {
  readonly source: 'git HEAD' | 'disk';
  readonly tree: FileTree;
}

/**
 * What is committed under `outdir`: the files at `git HEAD` when `outdir` lies in a git work tree that has a
 * HEAD, else (no git, no commit yet) the files on disk. HEAD comes first because `npx cdk8s synth` deletes
 * `dist/` before running the app, and an earlier synth may have rewritten it: neither is what Flux pulls.
 */
export function readCommittedTree(outdir: string): CommittedTree {
  const absolute = resolve(outdir);
  const fromGit = readTreeAtHead(absolute);
  return fromGit ? { source: 'git HEAD', tree: fromGit } : { source: 'disk', tree: readTree(absolute) };
}

function git(cwd: string, args: readonly string[], input?: string): Buffer | undefined {
  try {
    return execFileSync('git', args, { cwd, input, stdio: ['pipe', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

function readTreeAtHead(outdir: string): FileTree | undefined {
  let parent: string;
  try {
    // The parent exists even when cdk8s has just wiped outdir.
    parent = realpathSync(dirname(outdir));
  } catch {
    return undefined;
  }
  const top = git(parent, ['rev-parse', '--show-toplevel'])?.toString().trim();
  if (!top || git(parent, ['rev-parse', '--verify', '--quiet', 'HEAD']) === undefined) return undefined;
  const prefix = relative(top, join(parent, basename(outdir))).split('\\').join('/');
  const listing = git(top, ['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', prefix]);
  if (listing === undefined) return undefined;
  const paths = listing.toString().split('\0').filter(Boolean);
  const tree: FileTree = new Map();
  if (paths.length === 0) return tree;
  // One `git cat-file --batch` for every file: each answer is "<sha> <type> <size>\n<content>\n".
  const batch = git(top, ['cat-file', '--batch'], paths.map((p) => `HEAD:${p}\n`).join(''));
  if (batch === undefined) return undefined;
  let offset = 0;
  for (const path of paths) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const size = Number(batch.subarray(offset, headerEnd).toString().split(' ')[2]);
    tree.set(path.slice(prefix.length + 1), batch.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    offset = headerEnd + 1 + size + 1;
  }
  return tree;
}
