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

/**
 * Whether every value `inner` matches is also matched by `outer` (both globs of {@link globToRegExp}'s language), so
 * replacing `outer` by `inner` can only narrow what matches. Decided by matching `outer` against the text of `inner`,
 * where a `*` of `inner` is a character only a `*` of `outer` can cover: a `*` of `inner` can stand for a run of a
 * character `outer` never names, which only a `*` of `outer` matches.
 */
export function globCovers(outer: string, inner: string): boolean {
  const text = [...inner];
  // covered[j]: whether the part of `outer` read so far covers the first j characters of `inner`.
  let covered = [true, ...text.map(() => false)];
  for (const symbol of outer) {
    const next = covered.map(() => false);
    if (symbol === '*') {
      next[0] = covered[0];
      for (let j = 1; j <= text.length; j++) next[j] = next[j - 1] || covered[j];
    } else {
      for (let j = 1; j <= text.length; j++) next[j] = covered[j - 1] && text[j - 1] === symbol;
    }
    covered = next;
  }
  return covered[text.length];
}
