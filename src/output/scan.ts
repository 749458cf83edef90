import { join, relative } from 'node:path';
import { errorCode, type FileSystem } from './file-system';
import type { FileTree } from './render';

/** An entry of an output directory that is neither a directory nor a regular file. */
export interface IrregularEntry {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  /** What it is, for messages: "a symbolic link", "a named pipe", … */
  readonly kind: string;
}

/** Everything below an output directory. */
export interface DirectoryScan {
  /** False when the directory does not exist (everything else is then empty). */
  readonly exists: boolean;
  /** Regular files with their content. */
  readonly files: FileTree;
  /** Symbolic links, pipes, sockets and devices: synth never writes any. */
  readonly irregular: IrregularEntry[];
  /** Every directory below it (relative paths), sorted: parents before their children. */
  readonly directories: string[];
}

/** Reads every entry below `dir` without following symbolic links; empty when `dir` does not exist. */
export function scanDirectory(dir: string, fs: FileSystem): DirectoryScan {
  let entries;
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { exists: false, files: new Map(), irregular: [], directories: [] };
    throw error;
  }
  const scan: DirectoryScan = { exists: true, files: new Map(), irregular: [], directories: [] };
  for (const entry of entries) {
    const absolute = join(entry.parentPath, entry.name);
    const path = relative(dir, absolute).split('\\').join('/');
    if (entry.isDirectory()) scan.directories.push(path);
    else if (entry.isFile()) scan.files.set(path, fs.readFileSync(absolute, 'utf8'));
    else scan.irregular.push({ path, kind: entryKind(entry) });
  }
  scan.directories.sort();
  return scan;
}

function entryKind(entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isFIFO()) return 'a named pipe';
  if (entry.isSocket()) return 'a socket';
  return 'a device';
}
