import { FILE_SYSTEM_CALLS, NODE_FILE_SYSTEM, type FileSystem } from '../../src/output/file-system';

/** One call the writer made: its number (from 0), the function and its first argument. */
export interface FileSystemCall {
  readonly index: number;
  readonly name: (typeof FILE_SYSTEM_CALLS)[number];
  readonly path: string;
}

/** node:fs with `before` run ahead of every call the writer makes: it may record, throw, or kill the process. */
export function interceptedFileSystem(before: (call: FileSystemCall) => void): FileSystem {
  let index = 0;
  const wrapped: Record<string, unknown> = {};
  for (const name of FILE_SYSTEM_CALLS) {
    const original = NODE_FILE_SYSTEM[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      before({ index: index++, name, path: String(args[0]) });
      return original(...args);
    };
  }
  return wrapped as unknown as FileSystem;
}

/** An error as node:fs throws it. */
export function fileSystemFault(code: string, call: FileSystemCall): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${call.name} '${call.path}'`), { code, syscall: call.name, path: call.path });
}

/** A file system that fails every call changing the disk: proves a refusal came before anything was touched. */
export const READ_ONLY_FILE_SYSTEM = interceptedFileSystem((call) => {
  if (['mkdirSync', 'writeFileSync', 'linkSync', 'copyFileSync', 'renameSync', 'rmSync', 'unlinkSync'].includes(call.name)) {
    throw new Error(`the writer tried to change the disk: ${call.name} ${call.path}`);
  }
});
