/**
 * Translates an identity or image glob (`*` matches any run of characters, `/` included, as in Kyverno's
 * wildcard matcher) into an anchored regular expression source: every other character is matched literally,
 * so `https://github.com/acme/*` cannot match `https://github.com/acme-evil/x`. The same language as the
 * ClusterPolicy engine's matcher (go-wildcard v1.0.3 via Kyverno's `ext/wildcard/match.go`: `.` is literal),
 * except `?`, which that matcher reads as exactly one character and the config refuses in globs.
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
