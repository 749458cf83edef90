import type { ConfigFiles } from '../config/load';
import { git, readObjectBytes } from './git';

/** Where in git the files a config names are read: the index (the commit being made) or HEAD (the last commit). */
export type GitTree = 'index' | 'HEAD';

/** A file a config named, relative to the config's directory, and whether the git tree holds it. */
export interface AskedFile {
  readonly path: string;
  readonly inTree: boolean;
}

/**
 * The files a config names, as `tree` holds them beside the config file (`configDirectory`, the config's directory in
 * the work tree), and every file asked for, so the caller can compare them with the work tree. A file's size is asked
 * first, so a large blob is never read.
 */
export function gitConfigFiles(configDirectory: string, tree: GitTree): ConfigFiles & { readonly asked: readonly AskedFile[] } {
  const asked: AskedFile[] = [];
  return {
    asked,
    read(path, limit) {
      // `<tree>:./<path>` names the path relative to the directory git runs in; an empty tree is the index.
      const object = `${tree === 'index' ? '' : tree}:./${path}`;
      const size = blobSize(configDirectory, object);
      asked.push({ path, inTree: size !== undefined });
      if (size === undefined) {
        return {
          problem: tree === 'index' ? `"${path}" is not in the git index: \`git add\` it` : `"${path}" is not committed at git ${tree}`,
        };
      }
      if (size > limit) return { tooLarge: true };
      const [bytes] = readObjectBytes(configDirectory, [object]);
      return bytes === undefined ? { problem: `git cannot read "${path}" from the ${tree}` } : { bytes };
    },
  };
}

/** The size of the blob `object` names, or undefined when it names none. */
function blobSize(cwd: string, object: string): number | undefined {
  // "<id> blob <size>", or "<object> missing" (or another one-line answer for what is not a blob).
  const answer = git(cwd, ['cat-file', '--batch-check'], `${object}\n`)?.toString();
  const found = answer === undefined ? null : /^[0-9a-f]+ blob (\d+)$/m.exec(answer);
  return found ? Number(found[1]) : undefined;
}
