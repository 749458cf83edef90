/**
 * A failure the user can act on: bad input, a refused output directory, a filesystem problem with a path.
 * Each command's error boundary prints its message (one or more lines, no stack) and exits with `exitCode`.
 * Anything that is not a UserError (nor a known filesystem or parser error) is a bug and says so.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** The process exit code the command documents for this failure. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The exit code of every usage error: an unknown option, a missing argument, a malformed value. */
export const USAGE_EXIT_CODE = 2;

/** The exit code of a bug (sysexits' EX_SOFTWARE), so scripts can tell it from every documented outcome. */
export const INTERNAL_ERROR_EXIT_CODE = 70;

/** The command line cannot be understood; the boundary points at `--help`. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, USAGE_EXIT_CODE);
  }
}

/** What each filesystem error code means, and what the user can do about it. */
const FILESYSTEM_ERRORS: Readonly<Record<string, { problem: string; remedy: string }>> = {
  ENOSPC: { problem: 'no space left on the device', remedy: 'free some space and run again' },
  EDQUOT: { problem: 'disk quota exceeded', remedy: 'free some space and run again' },
  EACCES: { problem: 'permission denied', remedy: 'check its permissions (and those of its directory), or use another path' },
  EPERM: { problem: 'operation not permitted', remedy: 'check its permissions and attributes, or use another path' },
  EROFS: { problem: 'read-only file system', remedy: 'use a path on a writable file system' },
  ENOTDIR: { problem: 'not a directory (it, or a directory above it, is a file)', remedy: 'move that file away or use another path' },
  EISDIR: { problem: 'a directory where a file was expected', remedy: 'name a file, not a directory' },
  ENOENT: { problem: 'no such file or directory', remedy: 'check the path' },
  EEXIST: { problem: 'already exists', remedy: 'move it away or use another path' },
  ENOTEMPTY: { problem: 'directory not empty', remedy: 'move it away or use another path' },
  EBUSY: { problem: 'busy (in use by another program, or a mount point)', remedy: 'close what uses it, or use another path' },
  EMFILE: { problem: 'too many open files', remedy: 'raise the limit (`ulimit -n`) and run again' },
  ENFILE: { problem: 'too many open files in the system', remedy: 'close other programs and run again' },
  ELOOP: { problem: 'too many levels of symbolic links', remedy: 'fix the symbolic link loop' },
  ENAMETOOLONG: { problem: 'file name too long', remedy: 'use a shorter path' },
  EIO: { problem: 'input/output error', remedy: 'check the disk and run again' },
};

/** What a system call was doing, as a user would say it. */
const OPERATIONS: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create directory',
  rmdir: 'remove',
  rm: 'remove',
  unlink: 'remove',
  rename: 'rename',
  scandir: 'list directory',
  opendir: 'list directory',
  stat: 'inspect',
  lstat: 'inspect',
  copyfile: 'copy',
  symlink: 'create link',
};

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

function isFilesystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as SystemError).code === 'string' && (error as SystemError).code in FILESYSTEM_ERRORS;
}

/** `<problem> (<CODE>); <remedy>` for a filesystem error code this module knows, else undefined. */
export function describeFilesystemProblem(code: string): string | undefined {
  const known = FILESYSTEM_ERRORS[code];
  return known && `${known.problem} (${code}); ${known.remedy}`;
}

/** The `yaml` parser refused to expand a document's aliases: too many, as in an alias bomb. */
export function isAliasLimitError(error: unknown): boolean {
  return error instanceof ReferenceError && error.message.startsWith('Excessive alias count');
}

/**
 * One line for a failure the user can act on although no code of ours recognised it: a filesystem error
 * (naming the path), a YAML parser limit, a pattern too large to compile. Undefined for anything else.
 */
export function describeKnownError(error: unknown): string | undefined {
  if (isFilesystemError(error)) {
    // `mkdir -p` through a file reports that the file "exists".
    const problem =
      error.code === 'EEXIST' && error.syscall === 'mkdir'
        ? `exists and is not a directory (EEXIST); ${FILESYSTEM_ERRORS.EEXIST.remedy}`
        : describeFilesystemProblem(error.code);
    // A failed spawn names the program in its syscall (`spawnSync cosign`) and path.
    const operation = error.syscall?.startsWith('spawn') ? 'run' : (OPERATIONS[error.syscall ?? ''] ?? error.syscall ?? 'access');
    const target = error.path === undefined ? '' : ` ${error.path}${error.dest === undefined ? '' : ` to ${error.dest}`}`;
    return `cannot ${operation}${target}: ${problem}`;
  }
  if (isAliasLimitError(error)) {
    return 'a YAML input uses more aliases (*name) than is safe to expand (a guard against alias bombs): write the values out';
  }
  if (error instanceof SyntaxError && /^Invalid regular expression.*too large/s.test(error.message)) {
    return 'a pattern is too large to compile as a regular expression: shorten it';
  }
  return undefined;
}
