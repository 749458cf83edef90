import { lock } from './commands/lock';
import { consoleOutput, type Command, type Output } from './commands/output';
import { readiness } from './commands/readiness';
import { check, synth } from './commands/synth';
import { verify } from './commands/verify';

/** Every command `node scripts/run.mjs <command>` (and the npm scripts) can run. */
export const COMMANDS: Readonly<Record<string, Command>> = { synth, check, readiness, verify, lock };

/** Dispatches `argv[0]` to its command; returns the exit code. */
export function main(argv: readonly string[], output: Output = consoleOutput): number {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    output.err(`usage: <command> [options]; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    return command(rest, output);
  } catch (error) {
    // Option errors from parseArgs are user errors; anything else is a bug and keeps its stack.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      output.err((error as Error).message);
      return 2;
    }
    throw error;
  }
}
