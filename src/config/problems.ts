import { UserError } from '../errors';
import { INPUT_FIELD, formatFieldPath, type FieldPath } from '../model/field-path';
import { hasControlCharacter } from './read';
import type { ConfigDocument } from './yaml-document';

// A config is refused with every problem a stage found, not the first one: each located where a user finds it in
// an editor (file:line:column), in the environment it belongs to, at the field inside that environment.

/** One problem in the config, located as precisely as the YAML allows. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The environment the problem belongs to, when it belongs to one. */
  readonly environment?: string;
  /** Dotted path of the field inside its environment (or inside the file). */
  readonly field: string;
  readonly message: string;
}

/** The config cannot be used: every problem found, one line each. Exit code 1. */
export class ConfigError extends UserError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `file:line:column: environment "name": field: message`; a problem of the whole file has no position (line 0). */
function formatProblem(p: ConfigProblem): string {
  const position = p.line > 0 ? `:${p.line}:${p.column}` : '';
  const where = p.environment === undefined ? '' : `environment "${p.environment}": `;
  return `${p.file}${position}: ${where}${p.field}: ${p.message}`;
}

/** Places a message at the field `path` of the config; with `atKey`, at the field's key rather than its value. */
export type ProblemAt = (path: FieldPath, message: string, atKey?: boolean) => ConfigProblem;

/**
 * Where problems of one config document are: at the node of their field. A field inside an environment is given
 * relative to it, and the environment is named by its `name` when that is a printable string, by its ordinal
 * (`#2`) otherwise, so no message prints an invisible character or a value that is not a name.
 */
export function problemLocator(file: string, document: ConfigDocument): ProblemAt {
  const data = document.data as { environments?: { name?: unknown }[] } | null;
  return (path, message, atKey = false) => {
    const { line, column } = document.positionOf(path, atKey);
    const envIndex = path[0] === 'environments' && typeof path[1] === 'number' ? path[1] : undefined;
    const envName = envIndex === undefined ? undefined : data?.environments?.[envIndex]?.name;
    const inEnv = envIndex !== undefined && path.length > 2;
    const printable = typeof envName === 'string' && !hasControlCharacter(envName);
    const environment = envIndex === undefined ? undefined : printable ? envName : `#${envIndex + 1}`;
    return { file, line, column, environment, field: formatFieldPath(inEnv ? path.slice(2) : path, INPUT_FIELD), message };
  };
}

/** The problems in the order they stand in the file. */
export function inFileOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The problems without those a user would read twice (the same line of output). */
export function distinct(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
