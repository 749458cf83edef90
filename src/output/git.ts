import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Runs git in `cwd`; undefined when it fails (not a work tree, no HEAD, unknown path…). */
export function git(cwd: string, args: readonly string[], input?: string): Buffer | undefined {
  if (!mayBeInRepository(cwd)) return undefined;
  try {
    return execFileSync('git', args, { cwd, input, stdio: ['pipe', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/**
 * False only where git certainly finds no repository: no `GIT_DIR`, and neither a `.git` nor a git directory's
 * `HEAD` in `dir` or any directory above its real path (git walks up the real path, so a symbolic link into a
 * work tree is in it). Starting git costs tens of milliseconds, so an output directory outside any checkout is not
 * worth asking.
 */
function mayBeInRepository(dir: string): boolean {
  if (process.env.GIT_DIR) return true;
  let current: string;
  try {
    current = realpathSync(dir);
  } catch {
    return true; // git reports what is wrong with the directory
  }
  for (; ; current = dirname(current)) {
    if (existsSync(join(current, '.git')) || existsSync(join(current, 'HEAD'))) return true;
    if (dirname(current) === current) return false;
  }
}

/**
 * The contents of git objects, read with one `git cat-file --batch`: `objects` are anything git names a blob by
 * (`HEAD:./dist/x.yaml`, a blob id). Throws when git fails or an object does not exist.
 */
export function readBlobs(cwd: string, objects: readonly string[]): string[] {
  return readObjects(cwd, objects).map((content, i) => {
    if (content === undefined) throw new Error(`git cannot read ${objects[i]}`);
    return content;
  });
}

/** As {@link readBlobs}, with undefined for an object that does not exist (a path not committed, one outside the repository). */
export function readObjects(cwd: string, objects: readonly string[]): (string | undefined)[] {
  return readObjectBytes(cwd, objects).map((bytes) => bytes?.toString('utf8'));
}

/** As {@link readObjects}, each blob's bytes as git holds them. */
export function readObjectBytes(cwd: string, objects: readonly string[]): (Buffer | undefined)[] {
  if (objects.length === 0) return [];
  const batch = git(cwd, ['cat-file', '--batch'], objects.map((object) => `${object}\n`).join(''));
  if (batch === undefined) throw new Error(`git cat-file failed in ${cwd}`);
  // Each answer is "<id> <type> <size>\n<content>\n", or "<object> missing\n" (or another one-line refusal).
  let offset = 0;
  return objects.map(() => {
    const headerEnd = batch.indexOf(0x0a, offset);
    const found = /^[0-9a-f]+ (\w+) (\d+)$/.exec(batch.subarray(offset, headerEnd).toString());
    offset = headerEnd + 1;
    if (!found) return undefined;
    const start = offset;
    offset += Number(found[2]) + 1;
    return found[1] === 'blob' ? batch.subarray(start, offset - 1) : undefined;
  });
}
