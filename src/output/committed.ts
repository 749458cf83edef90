import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { git, readBlobs } from './git';
import type { FileTree } from '../model/layout';
import { blobId } from './manifest';
import { listTree } from './write';

/** The files committed under an output directory: listed at once, read only on demand. */
export interface CommittedOutput {
  /** Where the files come from, for messages. */
  readonly source: 'git HEAD' | 'disk';
  /** Paths relative to the output directory. */
  readonly paths: readonly string[];
  /** The contents of some of `paths`. */
  read(paths: readonly string[]): FileTree;
}

/** The committed output, compared with a new one without reading what did not change, and the config committed with it. */
export interface CommittedState extends CommittedOutput {
  /**
   * The committed contents of those of `paths` that the new output (`next`: path → blob id, as the output manifest
   * records it) does not hold as they are, missing from it included.
   */
  differingFrom(next: ReadonlyMap<string, string>, paths: readonly string[]): FileTree;
  /** The config file as committed with the output (at git HEAD); undefined without git, or when HEAD does not hold it. */
  readConfig(configFile: string): string | undefined;
}

/**
 * What is committed under `outdir`: the files at `git HEAD` when `outdir` lies in a git work tree that has a
 * HEAD, else (no git, no commit yet) the files on disk. HEAD comes first because `npx cdk8s synth` deletes
 * `dist/` before running the app, and an earlier synth may have rewritten it: neither is what Flux pulls.
 * Synth runs on every commit, so the common case costs one `git ls-tree` and no file reads. `onDisk` is the output
 * on disk as the caller listed (and hashed) it already.
 */
export function readCommittedOutput(outdir: string, onDisk: () => ListedOutput = () => listedOnDisk(resolve(outdir))): CommittedState {
  const absolute = resolve(outdir);
  return committedAtHead(absolute) ?? readFromDisk(absolute, onDisk());
}

/** An output directory as listed: its files' paths and, on demand, their blob ids. */
export interface ListedOutput {
  readonly paths: readonly string[];
  idOf(path: string): string;
}

function listedOnDisk(outdir: string): ListedOutput {
  return { paths: listTree(outdir), idOf: (path) => blobId(readFileSync(join(outdir, path))) };
}

function committedAtHead(outdir: string): CommittedState | undefined {
  let parent: string;
  try {
    // The parent exists even when cdk8s has just wiped outdir.
    parent = realpathSync(dirname(outdir));
  } catch {
    return undefined;
  }
  const name = basename(outdir);
  // "<mode> <type> <id>\t<path>", paths relative to `parent`; the command fails outside a work tree or without a HEAD.
  const listing = git(parent, ['ls-tree', '-r', '-z', 'HEAD', '--', name]);
  if (listing === undefined) return undefined;
  const ids = new Map(
    listing
      .toString()
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const tab = entry.indexOf('\t');
        return [entry.slice(tab + 1 + name.length + 1), entry.slice(0, tab).split(' ')[2]] as const;
      }),
  );
  const read = (wanted: readonly string[]): FileTree => {
    const contents = readBlobs(
      parent,
      wanted.map((p) => `HEAD:./${name}/${p}`),
    );
    return new Map(wanted.map((path, i) => [path, contents[i]]));
  };
  return {
    source: 'git HEAD',
    paths: [...ids.keys()],
    read,
    differingFrom(next, paths) {
      // Only files whose blob id differs are read (all of them in a repository whose ids are not SHA-1), and compared
      // by the id of their content (git may store them normalized).
      const candidates = paths.filter((path) => next.get(path) !== ids.get(path));
      return new Map([...read(candidates)].filter(([path, content]) => blobId(content) !== next.get(path)));
    },
    readConfig(configFile) {
      // Asked in the config's own directory: a config outside the output's repository is not in its HEAD.
      const directory = dirname(resolve(configFile));
      return git(directory, ['cat-file', 'blob', `HEAD:./${basename(configFile)}`])?.toString('utf8');
    },
  };
}

function readFromDisk(outdir: string, { paths, idOf }: ListedOutput): CommittedState {
  const read = (wanted: readonly string[]): FileTree => new Map(wanted.map((path) => [path, readFileSync(join(outdir, path), 'utf8')]));
  return {
    source: 'disk',
    paths,
    read,
    // Only the files whose id differs are read.
    differingFrom: (next, wanted) => read(wanted.filter((path) => idOf(path) !== next.get(path))),
    readConfig: () => undefined,
  };
}
