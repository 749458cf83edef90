import { runCommand, type CommandDescription } from './commands/command';
import { consoleOutput, type Output } from './commands/output';
import { readiness } from './commands/readiness';
import { check, synth } from './commands/synth';
import { verify } from './commands/verify';
import { INTERNAL_ERROR_EXIT_CODE, USAGE_EXIT_CODE, UsageError, UserError, describeKnownError } from './errors';

/** Every command `node scripts/run.mjs <command>` (and the npm scripts) can run, in the order help lists them. */
export const COMMANDS: readonly CommandDescription[] = [synth, check, readiness, verify];

/** Dispatches `argv[0]` to its command; returns the exit code. Never throws: this is every command's error boundary. */
export function main(argv: readonly string[], output: Output = consoleOutput): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    listCommands(output.out);
    return name === undefined ? USAGE_EXIT_CODE : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    output.err(`usage error: unknown command '${name}'`);
    listCommands(output.err);
    return USAGE_EXIT_CODE;
  }
  return execute(command, rest, output);
}

/** Runs one command inside the error boundary; returns its exit code. */
export function execute(command: CommandDescription, argv: readonly string[], output: Output): number {
  try {
    return runCommand(command, argv, output);
  } catch (error) {
    return reportFailure(error, command, output);
  }
}

function listCommands(print: (line: string) => void): void {
  const width = Math.max(...COMMANDS.map(({ name }) => name.length));
  print('usage: node scripts/run.mjs <command> [options]   (or: npm run <command> -- [options])');
  print('');
  print('commands:');
  for (const { name, summary } of COMMANDS) print(`  ${name.padEnd(width)}  ${summary}`);
  print('');
  print('Run any command with --help for its options and exit codes.');
}

/**
 * The one place a failure becomes output: what the user can act on is a message without a stack and a
 * documented exit code; anything else is a bug, printed with its stack under the internal-error code.
 */
function reportFailure(error: unknown, command: CommandDescription, output: Output): number {
  if (error instanceof UsageError) {
    output.err(`usage error: ${error.message} (see ${command.name} --help)`);
    return error.exitCode;
  }
  const known = error instanceof UserError ? error.message : describeKnownError(error);
  if (known !== undefined) {
    output.err(known);
    return command.unusableInputExitCode ?? (error instanceof UserError ? error.exitCode : 1);
  }
  output.err('internal error (a bug in supply-chain-guardrails; please report it with this output):');
  output.err(error instanceof Error ? (error.stack ?? String(error)) : String(error));
  return INTERNAL_ERROR_EXIT_CODE;
}
