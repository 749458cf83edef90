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

/** The error code of a failed file system call (`ENOENT`, `EACCES`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
