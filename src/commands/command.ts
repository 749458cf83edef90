import { parseArgs, type ParseArgsConfig } from 'node:util';
import { INTERNAL_ERROR_EXIT_CODE, USAGE_EXIT_CODE, UsageError, UserError, describeKnownError } from '../errors';
import { consoleOutput, type Output } from './output';

/** One option: what `parseArgs` reads, plus what `--help` says about it. */
export type OptionDescription = NonNullable<ParseArgsConfig['options']>[string] & {
  readonly description: string;
  /** How help names a string option's value, e.g. `file` for `--config <file>`; default `value`. */
  readonly valueName?: string;
};

type OptionDescriptions = Readonly<Record<string, OptionDescription>>;

/** The options and positionals a command's `run` receives, typed from its declared options. */
export type ParsedArgs<O extends OptionDescriptions> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>;

/** One documented exit code of a command. */
export interface ExitCode {
  readonly code: number;
  readonly meaning: string;
}

/**
 * Everything about a command: `--help` is printed from it and argv is parsed with its `options`, so help and
 * parsing cannot disagree. Declaring one (and listing it in src/cli.ts `COMMANDS`) is all a new command needs.
 */
export interface CommandDescription<O extends OptionDescriptions = OptionDescriptions> {
  /** The word after `node scripts/run.mjs` (and the npm script's name). */
  readonly name: string;
  /** What follows the name in the usage line, e.g. `--env <env> <image-ref> [options]`. */
  readonly usage: string;
  /** One sentence: what the command does. */
  readonly summary: string;
  /** More help text, printed after the summary (one paragraph per entry). */
  readonly details?: readonly string[];
  /** Options as passed to `parseArgs`; `--help`/`-h` is added to every command. */
  readonly options: O;
  /** Options the command no longer takes, each with what replaces it: naming one is a usage error that says so. */
  readonly retiredOptions?: Readonly<Record<string, string>>;
  /** Positional arguments with their meaning; a command that declares none refuses them. */
  readonly positionals?: readonly { readonly name: string; readonly description: string }[];
  /** Every exit code, as documented; the usage and internal-error codes are added to every command. */
  readonly exitCodes: readonly ExitCode[];
  /**
   * The exit code of every refused input (a UserError, a filesystem error, a parser limit) when one code must
   * cover them all, whatever code the error carries: for `readiness` and `verify`, 1 is a verdict.
   */
  readonly unusableInputExitCode?: number;
  /** Runs the command on parsed arguments; returns the exit code, throws a UserError for refused input. */
  run(args: ParsedArgs<O>, output: Output): number;
}

/** What a script that runs at its top level declares: a command without `run` (see parseScriptArguments). */
export type ScriptDescription<O extends OptionDescriptions = OptionDescriptions> = Omit<CommandDescription<O>, 'run'>;

/**
 * A command whose exit codes are its outcomes by name: each code is stated once, beside its meaning, and `run`
 * returns the outcome's name. `--help` lists the outcomes in the order they are declared.
 */
export interface OutcomeCommandDescription<O extends OptionDescriptions, X extends string>
  extends Omit<CommandDescription<O>, 'exitCodes' | 'unusableInputExitCode' | 'run'> {
  readonly exitCodes: { readonly [K in X]: ExitCode };
  /** The outcome of every refused input, when one code must cover them all (see CommandDescription). */
  readonly unusableInputExitCode?: X;
  run(args: ParsedArgs<O>, output: Output): X;
}

/**
 * Declares a command, its exit codes a list or named outcomes; the const type parameters keep its option and
 * outcome literals, so `run` receives typed values and can only end in a declared outcome.
 */
export function defineCommand<const O extends OptionDescriptions, const X extends string = never>(
  description: CommandDescription<O> | OutcomeCommandDescription<O, X>,
): CommandDescription<O> {
  if (Array.isArray(description.exitCodes)) return description as CommandDescription<O>;
  const { exitCodes: outcomes, unusableInputExitCode: unusableInput, run } = description as OutcomeCommandDescription<O, X>;
  return {
    ...description,
    exitCodes: Object.values<ExitCode>(outcomes),
    unusableInputExitCode: unusableInput === undefined ? undefined : outcomes[unusableInput].code,
    run: (args, output) => outcomes[run(args, output)].code,
  };
}

const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', description: 'print this help and exit' },
} as const satisfies OptionDescriptions;

/** Exit codes every command shares, documented in every help text (unless the command words one itself). */
const COMMON_EXIT_CODES: readonly ExitCode[] = [
  { code: USAGE_EXIT_CODE, meaning: 'usage error: unknown option, missing or malformed argument' },
  { code: INTERNAL_ERROR_EXIT_CODE, meaning: 'internal error: a bug, printed with its stack' },
];

/**
 * Runs a command inside the error boundary every command shares; returns its exit code and never throws. What
 * the user can act on becomes a message without a stack and a documented exit code; anything else is a bug,
 * printed with its stack under the internal-error code. Standalone scripts use it too (see docs/cli.md).
 */
export function execute(command: CommandDescription, argv: readonly string[], output: Output): number {
  try {
    return runCommand(command, argv, output);
  } catch (error) {
    return reportFailure(error, command, output);
  }
}

/**
 * For a script whose work runs at its top level rather than in a `run` function: parses argv as `execute` does
 * and returns the arguments. After printing the help (exit 0) or a usage error (exit 2), ends the process.
 */
export function parseScriptArguments<const O extends OptionDescriptions>(
  script: ScriptDescription<O>,
  argv: readonly string[],
): ParsedArgs<O> {
  let parsed: ParsedArgs<O> | undefined;
  try {
    parsed = parseCommandLine(script, argv, consoleOutput);
  } catch (error) {
    process.exit(reportFailure(error, script, consoleOutput));
  }
  if (parsed === undefined) process.exit(0);
  return parsed;
}

function reportFailure(error: unknown, command: ScriptDescription, output: Output): number {
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

function runCommand(command: CommandDescription, argv: readonly string[], output: Output): number {
  const parsed = parseCommandLine(command, argv, output);
  return parsed === undefined ? 0 : command.run(parsed, output);
}

/**
 * Parses argv for a command. `--help`/`-h` anywhere prints its help and returns undefined, even beside an
 * unknown option; a parseArgs error becomes a UsageError.
 */
function parseCommandLine<O extends OptionDescriptions>(
  command: ScriptDescription<O>,
  argv: readonly string[],
  output: Output,
): ParsedArgs<O> | undefined {
  const options: OptionDescriptions = { ...command.options, ...HELP_OPTION };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code?.startsWith('ERR_PARSE_ARGS')) throw error;
    if (asksForHelp(argv, options)) return printHelp(command, output);
    const retired = optionNames(argv, options).find((name) => command.retiredOptions?.[name] !== undefined);
    if (retired !== undefined) throw new UsageError(`--${retired} is replaced by ${command.retiredOptions![retired]}`);
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    // Node's advice on positionals that start with '-' only confuses a mistyped option name.
    throw new UsageError(code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? message.replace(/\. To specify a positional.*$/, '') : message);
  }
  if (parsed.values.help) return printHelp(command, output);
  if (!command.positionals?.length && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument '${parsed.positionals[0]}': ${command.name} takes no positional arguments`);
  }
  return parsed as ParsedArgs<O>; // parsed with O's own options (plus help), so O's types hold
}

/** Whether a command line that did not parse still asks for help, e.g. `synth --bogus --help`. */
function asksForHelp(argv: readonly string[], options: OptionDescriptions): boolean {
  return optionNames(argv, options).includes('help');
}

/** The names of the options a command line gives, known or not. */
function optionNames(argv: readonly string[], options: OptionDescriptions): string[] {
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  return tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : []));
}

function printHelp(command: ScriptDescription, output: Output): undefined {
  formatHelp(command).forEach((line) => output.out(line));
}

/** The help text of a command: usage, summary, details, positionals, options (with type and default), exit codes. */
function formatHelp(command: ScriptDescription): string[] {
  const lines = [`usage: ${command.name} ${command.usage}`, '', command.summary];
  for (const paragraph of command.details ?? []) lines.push('', paragraph);
  if (command.positionals?.length) {
    lines.push('', 'arguments:', ...table(command.positionals.map(({ name, description }) => [`<${name}>`, description])));
  }
  const options = Object.entries({ ...command.options, ...HELP_OPTION }).map(([name, option]) => [
    optionSyntax(name, option),
    optionText(option),
  ]);
  lines.push('', 'options:', ...table(options));
  const declared = new Set(command.exitCodes.map(({ code }) => code));
  const exitCodes = [...command.exitCodes, ...COMMON_EXIT_CODES.filter(({ code }) => !declared.has(code))].map(({ code, meaning }) => [
    String(code),
    meaning,
  ]);
  lines.push('', 'exit codes:', ...table(exitCodes));
  return lines;
}

function optionSyntax(name: string, option: OptionDescription): string {
  const long = option.type === 'string' ? `--${name} <${option.valueName ?? 'value'}>` : `--${name}`;
  return option.short === undefined ? long : `-${option.short}, ${long}`;
}

function optionText(option: OptionDescription): string {
  const notes = [];
  if (option.multiple) notes.push('repeatable');
  const hasDefault = option.default !== undefined && !(Array.isArray(option.default) && option.default.length === 0);
  if (hasDefault && option.type === 'string') notes.push(`default: ${[option.default].flat().join(', ')}`);
  return notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`;
}

/** Two columns, the first padded to its widest entry. */
function table(rows: readonly (readonly string[])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
