import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { git, readBlobs } from './git';
import type { FileTree } from '../model/layout';
import { readTree } from './write';

/** The files committed under an output directory: listed at once, read only on demand. */
export interface CommittedOutput {
  /** Where the files come from, for messages. */
  readonly source: 'git HEAD' | 'disk';
  /** Paths relative to the output directory. */
  readonly paths: readonly string[];
  /** The contents of some of `paths`. */
  read(paths: readonly string[]): FileTree;
}

/**
 * What is committed under `outdir`: the files at `git HEAD` when `outdir` lies in a git work tree that has a
 * HEAD, else (no git, no commit yet) the files on disk. HEAD comes first because `npx cdk8s synth` deletes
 * `dist/` before running the app, and an earlier synth may have rewritten it: neither is what Flux pulls.
 * Synth runs on every commit, so the common case costs one `git ls-tree` and no file reads.
 */
export function readCommittedOutput(outdir: string): CommittedOutput {
  const absolute = resolve(outdir);
  return committedAtHead(absolute) ?? onDisk(absolute);
}

function committedAtHead(outdir: string): CommittedOutput | undefined {
  let parent: string;
  try {
    // The parent exists even when cdk8s has just wiped outdir.
    parent = realpathSync(dirname(outdir));
  } catch {
    return undefined;
  }
  const name = basename(outdir);
  // Paths come back relative to `parent`; the command fails outside a work tree or without a HEAD.
  const listing = git(parent, ['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', name]);
  if (listing === undefined) return undefined;
  const paths = listing
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((path) => path.slice(name.length + 1));
  return {
    source: 'git HEAD',
    paths,
    read(wanted) {
      const contents = readBlobs(
        parent,
        wanted.map((p) => `HEAD:./${name}/${p}`),
      );
      return new Map(wanted.map((path, i) => [path, contents[i]]));
    },
  };
}

function onDisk(outdir: string): CommittedOutput {
  return {
    source: 'disk',
    paths: [...readTree(outdir).keys()],
    read: (wanted) => new Map(wanted.map((path) => [path, readFileSync(join(outdir, path), 'utf8')])),
  };
}
