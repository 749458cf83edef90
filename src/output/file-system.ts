import * as fs from 'node:fs';

/** Every file system call the output writer makes, so a test can fail or interrupt any one of them. */
export const FILE_SYSTEM_CALLS = [
  'accessSync',
  'copyFileSync',
  'linkSync',
  'lstatSync',
  'mkdirSync',
  'readFileSync',
  'readdirSync',
  'realpathSync',
  'renameSync',
  'rmSync',
  'unlinkSync',
  'writeFileSync',
] as const;

/** The synchronous node:fs calls the writer uses: node:fs itself, or a test's wrapper that injects faults. */
export type FileSystem = Pick<typeof fs, (typeof FILE_SYSTEM_CALLS)[number]>;

export const NODE_FILE_SYSTEM: FileSystem = fs;

/** From this many entries a tree is a fleet's: writing it or removing it is worth doing beside synth's own work. */
export const FLEET_TREE_ENTRIES = 2_000;

/**
 * Whether a tree of about `entries` entries, through `fs`, is written by a thread and removed by a process of their
 * own: a fleet's tree on node:fs. A test's file system (faults injected) is always worked on in order, here.
 */
export function worksApart(fs: FileSystem, entries: number): boolean {
  return entries >= FLEET_TREE_ENTRIES && fs === NODE_FILE_SYSTEM;
}

/** The error code of a failed file system call (`ENOENT`, `EACCES`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
