/**
 * Translates an identity or image glob (`*` matches any run of characters, `/` included, as in Kyverno's
 * wildcard matcher) into an anchored regular expression source: every other character is matched literally,
 * so `https://github.com/acme/*` cannot match `https://github.com/acme-evil/x`. The same language as the
 * ClusterPolicy engine's matcher (go-wildcard v1.0.3 via Kyverno's `ext/wildcard/match.go`: `.` is literal),
 * except `?`, which that matcher reads as exactly one character and the config refuses in globs.
 * Used wherever a glob has to become a regexp: ImageValidatingPolicy `subjectRegExp`, ValidatingPolicy CEL,
 * and the `--certificate-identity-regexp` of local cosign commands. With `run` {@link RUN_WITHIN_SEGMENT}, a `*` stops
 * at `/` (src/model/image-spellings.ts).
 */
export function globToRegExp(glob: string, run: typeof ANY_RUN | typeof RUN_WITHIN_SEGMENT = ANY_RUN): string {
  const escaped = glob
    .split('*')
    .map((literal) => literal.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join(run);
  return `^${escaped}$`;
}

/** What a `*` stands for in {@link globToRegExp}: any run of characters, or (for an image's familiar name) any run without `/`. */
export const ANY_RUN = '.*';
export const RUN_WITHIN_SEGMENT = '[^/]*';

/**
 * Whether an identity value is a glob (has a `*`). ClusterPolicy matches an issuer as a glob either way; the
 * ImageValidatingPolicy engine and cosign match it exactly, so only a glob needs turning into a regexp.
 */
export function isGlob(value: string): boolean {
  return value.includes('*');
}

/**
 * Whether `value` matches the glob, with the same semantics as {@link globToRegExp}. Matched greedily with one
 * backtracking point (the last `*` seen), in at most |glob|·|value| steps: the regexp of a glob with many `*`
 * backtracks exponentially in JavaScript, and globs and values here come from configs and downloaded attestations.
 */
export function matchesGlob(glob: string, value: string): boolean {
  let g = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (glob[g] === '*') {
      star = g++;
      resume = v;
    } else if (g < glob.length && glob[g] === value[v]) {
      g++;
      v++;
    } else if (star >= 0) {
      // Let the last `*` take one more character, and match the rest of the glob again from there.
      g = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * Most `*` a glob Kyverno matches with its wildcard matcher may hold. The ClusterPolicy engine matches keyless
 * subjects and attestation conditions with github.com/IGLOU-EU/go-wildcard v1.0.3 (`ext/wildcard/match.go` in Kyverno
 * v1.19.0), whose `deepMatchRune` (wildcard.go:48-67) tries every way to share the value among the `*`, without
 * memory: a value that almost matches costs about C(length, stars) steps. Three keep that below a few million for
 * any identity; a handful more stall admission on a value a few hundred characters long.
 */
export const MAX_GLOB_WILDCARDS = 3;

/** Why a glob holds too many `*` for Kyverno's wildcard matcher, or undefined. */
export function wildcardCountProblem(glob: string): string | undefined {
  const stars = [...glob].filter((c) => c === '*').length;
  if (stars <= MAX_GLOB_WILDCARDS) return undefined;
  return (
    `has ${stars} "*": Kyverno's ClusterPolicy matcher tries every way to share a value among them, which grows ` +
    `exponentially with their number and can stall admission; use at most ${MAX_GLOB_WILDCARDS}`
  );
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
