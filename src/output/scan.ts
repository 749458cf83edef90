import { join } from 'node:path';
import { UserError } from '../errors';
import { errorCode, type FileSystem } from './file-system';
import { blobId, MANIFEST_FILE, parseManifest, type Manifest } from './manifest';

/** An entry of an output directory that is neither a directory nor a regular file. */
export interface IrregularEntry {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  /** What it is, for messages: "a symbolic link", "a named pipe", … */
  readonly kind: string;
}

/** Everything below an output directory: listed at once, each file's content read only when asked for. */
export interface DirectoryScan {
  /** False when the directory does not exist (everything else is then empty). */
  readonly exists: boolean;
  /** Every regular file but the manifest, by path relative to the directory (`/`-separated), sorted. */
  readonly paths: readonly string[];
  /** The manifest the directory holds; undefined when it holds none. */
  readonly manifest?: Manifest;
  /** Its text, to compare with the manifest a write would put there. */
  readonly manifestText?: string;
  /** Symbolic links, pipes, sockets and devices: synth never writes any. */
  readonly irregular: IrregularEntry[];
  /** Every directory below it (relative paths), sorted: parents before their children. */
  readonly directories: string[];
  /** The blob id of a listed file's content, read and hashed once. */
  idOf(path: string): string;
  /** A listed file's content. */
  read(path: string): string;
}

/**
 * How much an output directory may hold. A directory far beyond what synth writes is not its output, and walking all
 * of it (a wrong `--outdir` naming a large tree) would only take time before the ownership check refused it; a file
 * far larger than any synth writes would only take memory. Both scale with the fleet: `expectedFiles` is what the
 * caller is about to write (an estimate), and the manifest, when there is one, says how many the directory held.
 */
export interface ScanLimits {
  /** Entries (files and directories) on top of four per expected or listed file. */
  readonly baseEntries: number;
  /** Largest file read, the manifest included. */
  readonly fileBytes: number;
}

export const SCAN_LIMITS: ScanLimits = { baseEntries: 20_000, fileBytes: 64 * 1024 * 1024 };

/** Entries a directory may hold for a write of `expectedFiles` files over a manifest listing `listedFiles`. */
function entryLimit(limits: ScanLimits, expectedFiles: number, listedFiles: number): number {
  return limits.baseEntries + 4 * Math.max(expectedFiles, listedFiles);
}

/**
 * Lists every entry below `dir` without following symbolic links, and reads its manifest; empty when `dir` does
 * not exist. File contents are read later, one at a time, by `idOf` and `read`. Refuses (a UserError) a directory
 * holding more entries than {@link entryLimit} allows, as soon as it has seen that many, and a file larger than
 * `limits.fileBytes` when it is read.
 */
export function scanDirectory(dir: string, fs: FileSystem, expectedFiles: number, limits: ScanLimits = SCAN_LIMITS): DirectoryScan {
  const tooLarge = (what: string) =>
    new UserError(`${dir}/ holds ${what}, far more than synth writes: it is not an output directory of synth. Choose another directory.`);
  const readFile = (path: string): Buffer => {
    const absolute = join(dir, path);
    if (fs.lstatSync(absolute).size > limits.fileBytes)
      throw tooLarge(`a file larger than ${limits.fileBytes / 1024 / 1024} MiB (${path})`);
    return fs.readFileSync(absolute);
  };
  const manifestStats = lstatOrUndefined(join(dir, MANIFEST_FILE), fs);
  if (manifestStats === undefined && lstatOrUndefined(dir, fs) === undefined) return emptyScan();
  // A manifest that is not a regular file (a link, say) is not read: the walk lists it as an irregular entry.
  const manifestText = manifestStats?.isFile() ? readFile(MANIFEST_FILE).toString('utf8') : undefined;
  const manifest = manifestText === undefined ? undefined : parseManifest(manifestText);
  const maxEntries = entryLimit(limits, expectedFiles, manifest?.files.size ?? 0);
  const paths: string[] = [];
  const irregular: IrregularEntry[] = [];
  const directories: string[] = [];
  let entries = 0;
  const pending = [''];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    for (const entry of fs.readdirSync(join(dir, path), { withFileTypes: true })) {
      if (++entries > maxEntries) throw tooLarge(`more than ${maxEntries} entries`);
      const child = path === '' ? entry.name : `${path}/${entry.name}`;
      if (entry.isDirectory()) {
        directories.push(child);
        pending.push(child);
      } else if (entry.isFile()) {
        if (child !== MANIFEST_FILE || manifestText === undefined) paths.push(child);
      } else {
        irregular.push({ path: child, kind: entryKind(entry) });
      }
    }
  }
  const ids = new Map<string, string>();
  return {
    exists: true,
    paths: paths.sort(),
    manifest,
    manifestText,
    irregular,
    directories: directories.sort(),
    idOf(path) {
      let id = ids.get(path);
      if (id === undefined) {
        id = blobId(readFile(path));
        ids.set(path, id);
      }
      return id;
    },
    read: (path) => readFile(path).toString('utf8'),
  };
}

function emptyScan(): DirectoryScan {
  const none = (path: string): never => {
    throw new Error(`${path} is not in an output directory that does not exist`);
  };
  return { exists: false, paths: [], irregular: [], directories: [], idOf: none, read: none };
}

function lstatOrUndefined(path: string, fs: FileSystem): ReturnType<FileSystem['lstatSync']> | undefined {
  try {
    return fs.lstatSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

function entryKind(entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isFIFO()) return 'a named pipe';
  if (entry.isSocket()) return 'a socket';
  return 'a device';
}
