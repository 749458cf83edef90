import { execute, type CommandDescription } from './commands/command';
import { consoleOutput, type Output } from './commands/output';
import { lock } from './commands/lock';
import { promote } from './commands/promote';
import { readiness } from './commands/readiness';
import { check, synth } from './commands/synth';
import { trustedRoot } from './commands/trusted-root';
import { verify } from './commands/verify';
import { USAGE_EXIT_CODE } from './errors';

/** Every command `node scripts/run.mjs <command>` (and the npm scripts) can run, in the order help lists them. */
export const COMMANDS: readonly CommandDescription[] = [synth, check, lock, readiness, promote, verify, trustedRoot];

/** Dispatches `argv[0]` to its command; returns the exit code. Never throws: every command runs in the error boundary. */
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

function listCommands(print: (line: string) => void): void {
  const width = Math.max(...COMMANDS.map(({ name }) => name.length));
  print('usage: node scripts/run.mjs <command> [options]   (or: npm run <command> -- [options])');
  print('');
  print('commands:');
  for (const { name, summary } of COMMANDS) print(`  ${name.padEnd(width)}  ${summary}`);
  print('');
  print('Run any command with --help for its options and exit codes.');
}
