import { globToRegExp } from '../../model/glob';

/**
 * The one way a configured string reaches CEL: as a double-quoted literal. JSON's escapes (`\"`, `\\`, `\n`,
 * `\uXXXX`) are all valid CEL escapes, so any value (quotes, backslashes, newlines) stays data, never code.
 */
export function celString(value: string): string {
  return JSON.stringify(value);
}

/** A CEL list literal of strings. */
function celStringList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** CEL that holds when the string `expression` matches one of the globs, each as its anchored regexp. */
export function celMatchesAnyGlob(expression: string, globs: readonly string[]): string {
  return `${celStringList(globs.map(globToRegExp))}.exists(pattern, ${expression}.matches(pattern))`;
}
