import { globToRegExp } from '../model/glob';
import { imageGlobSpellings, spellingRegExp } from '../model/image-spellings';
import type { RegistryRestriction } from '../policies/definition';

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
  return celMatchesAnyRegExp(
    expression,
    globs.map((glob) => globToRegExp(glob)),
  );
}

function celMatchesAnyRegExp(expression: string, regexps: readonly string[]): string {
  return `${celStringList(regexps)}.exists(pattern, ${expression}.matches(pattern))`;
}

/** CEL that holds when the image `expression` (as the Pod writes it) is a spelling of what one of the image globs names. */
export function celMatchesAnyImageGlob(expression: string, globs: readonly string[]): string {
  return celMatchesAnyRegExp(expression, [...new Set(globs.flatMap(imageGlobSpellings).map(spellingRegExp))]);
}

/** A Pod's three container lists, each with how a message names it; every image check covers all three. */
export const CONTAINER_LISTS = [
  { field: 'containers', noun: 'container' },
  { field: 'initContainers', noun: 'init container' },
  { field: 'ephemeralContainers', noun: 'ephemeral container' },
] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/**
 * The registry restriction as CEL over the admitted Pod, one validation per container list (an absent list holds
 * no image), each image matched against the anchored regexps of every spelling of the allowed globs
 * (src/model/image-spellings.ts: `acme/app` is admitted where `docker.io/acme/*` is). Both engines use it: a
 * ValidatingPolicy has only CEL, so one expression, derived by the one tested `globToRegExp`, keeps the engines
 * from diverging; a ClusterPolicy `pattern` would bring a second matcher (go-wildcard v1.0.3 via Kyverno's
 * `ext/wildcard/match.go`, where `.` is literal too but `?` is a wildcard) to keep equivalent. Kyverno's autogen
 * rewrites `object.spec` for Pod controllers in both policy kinds.
 */
export function registryRestrictionValidations(restriction: RegistryRestriction): { expression: string; message: string }[] {
  return CONTAINER_LISTS.map((list) => {
    const images = `object.spec.${list.field}`;
    const allowed = `${images}.all(container, ${celMatchesAnyImageGlob('container.image', restriction.allowedImages)})`;
    return {
      // `containers` is required in a Pod spec; the other two lists may be absent.
      expression: list.field === 'containers' ? allowed : `!has(${images}) || ${allowed}`,
      message: `${list.noun} ${restriction.message}`,
    };
  });
}
