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
