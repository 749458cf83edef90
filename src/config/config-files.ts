import { resolve } from 'node:path';
import { readAtMost } from '../bounded-read';

// The files a config names (a trust root's certificates, keys, trusted_root.json, TUF root), each given relative to
// the config file's directory. Every command reads them from the working tree; the pre-commit check reads those of the
// commit being made from the git index, and the regression gate the committed ones from git HEAD (src/output/), so
// each judges the config together with the files it names as they are in the same place.

/** A file's bytes, or that it is larger than asked, or why it cannot be read. */
export type ConfigFileRead = { readonly bytes: Buffer } | { readonly tooLarge: true } | { readonly problem: string };

/** Where a config's files are read from. */
export interface ConfigFiles {
  /** The file at `path`, relative to the config file's directory and inside it, if it has at most `limit` bytes. */
  read(path: string, limit: number): ConfigFileRead;
}

/** The files beside a config file, in the working tree. */
export function workingTreeFiles(configFile: string): ConfigFiles {
  const directory = resolve(configFile, '..');
  return {
    read(path, limit) {
      try {
        const bytes = readAtMost(resolve(directory, path), limit);
        return bytes === undefined ? { tooLarge: true } : { bytes };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return {
          problem: `cannot read "${path}" (${code === 'ENOENT' ? 'no such file' : (error as Error).message}); paths are relative to the config file`,
        };
      }
    },
  };
}
