/**
 * Translates an identity or image glob (`*` matches any run of characters, `/` included, as in Kyverno's
 * wildcard matcher) into an anchored regular expression source: every other character is matched literally,
 * so `https://github.com/acme/*` cannot match `https://github.com/acme-evil/x`. Never looser than the
 * ClusterPolicy engine: the matcher it uses for identities and image references also reads `.` as any one
 * character, where this reads it literally (the config refuses `?`, the other character it treats specially).
 * Used wherever a glob has to become a regexp: ImageValidatingPolicy `subjectRegExp`, ValidatingPolicy CEL,
 * and the `--certificate-identity-regexp` of local cosign commands.
 */
export function globToRegExp(glob: string): string {
  const escaped = glob
    .split('*')
    .map((literal) => literal.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('.*');
  return `^${escaped}$`;
}

/**
 * Whether an identity value is a glob (has a `*`). ClusterPolicy matches an issuer as a glob either way; the
 * ImageValidatingPolicy engine and cosign match it exactly, so only a glob needs turning into a regexp.
 */
export function isGlob(value: string): boolean {
  return value.includes('*');
}

/** Whether `value` matches the glob, with the same semantics as {@link globToRegExp}. */
export function matchesGlob(glob: string, value: string): boolean {
  return new RegExp(globToRegExp(glob)).test(value);
}
