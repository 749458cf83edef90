import { join } from 'node:path';
import { UserError } from '../errors';
import { errorCode, type FileSystem } from './file-system';
import type { FileTree } from '../model/layout';

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

/**
 * Most entries and bytes an output directory is read with. Synth's output for a hundred environments holds about
 * a thousand small files; a directory far beyond either bound is not its output, and reading all of it (a wrong
 * `--outdir` naming a large tree) would only exhaust memory before the ownership check refused it.
 */
export const SCAN_LIMITS = { entries: 20_000, bytes: 64 * 1024 * 1024 };

/**
 * Reads every entry below `dir` without following symbolic links; empty when `dir` does not exist. Refuses
 * (a UserError) a directory holding more than SCAN_LIMITS, as soon as it has seen that much.
 */
export function scanDirectory(dir: string, fs: FileSystem, limits: typeof SCAN_LIMITS = SCAN_LIMITS): DirectoryScan {
  const scan: DirectoryScan = { exists: true, files: new Map(), irregular: [], directories: [] };
  let entries = 0;
  let bytes = 0;
  const tooLarge = (what: string) =>
    new UserError(
      `${dir}/ holds more than ${what}, far more than synth writes: it is not an output directory of synth. Choose another directory.`,
    );
  const pending = [''];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    let children;
    try {
      children = fs.readdirSync(join(dir, path), { withFileTypes: true });
    } catch (error) {
      if (path === '' && errorCode(error) === 'ENOENT') return { exists: false, files: new Map(), irregular: [], directories: [] };
      throw error;
    }
    for (const entry of children) {
      if (++entries > limits.entries) throw tooLarge(`${limits.entries} entries`);
      const child = path === '' ? entry.name : `${path}/${entry.name}`;
      const absolute = join(dir, child);
      if (entry.isDirectory()) {
        scan.directories.push(child);
        pending.push(child);
      } else if (entry.isFile()) {
        bytes += fs.lstatSync(absolute).size;
        if (bytes > limits.bytes) throw tooLarge(`${limits.bytes / 1024 / 1024} MiB`);
        scan.files.set(child, fs.readFileSync(absolute, 'utf8'));
      } else {
        scan.irregular.push({ path: child, kind: entryKind(entry) });
      }
    }
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
