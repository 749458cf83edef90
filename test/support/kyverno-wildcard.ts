/**
 * How Kyverno v1.19 matches a ClusterPolicy glob (a keyless `issuer`/`subject`, an `imageReferences` entry, a string
 * in a validate pattern): `ext/wildcard/match.go` calls `Match` of github.com/IGLOU-EU/go-wildcard v1.0.3 (the v1
 * import path pinned in Kyverno's go.mod), where `*` matches any run of characters, `/` included, `?` exactly one
 * character, and every other character, `.` included, only itself.
 *
 * An oracle written independently of src/model/glob.ts, as dynamic programming over pattern and value, so tests of
 * the regexps that module derives do not check it against itself. The config refuses `?` in identity and image
 * globs (src/config/guardrail-checks.ts), but the oracle models it so a test can show what Kyverno would do.
 */
export function kyvernoWildcardMatch(pattern: string, value: string): boolean {
  // The text before the first wildcard must start the value (a quick answer for most values a test probes).
  const wildcard = pattern.search(/[*?]/);
  if (wildcard < 0) return pattern === value;
  if (!value.startsWith(pattern.slice(0, wildcard))) return false;
  const STAR = 42; // '*'
  const QUESTION = 63; // '?'
  // matched[j]: whether the pattern read so far matches the first j characters of value.
  let matched = new Uint8Array(value.length + 1);
  let next = new Uint8Array(value.length + 1);
  matched[0] = 1;
  for (let i = 0; i < pattern.length; i++) {
    const symbol = pattern.charCodeAt(i);
    if (symbol === STAR) {
      next[0] = matched[0];
      for (let j = 1; j <= value.length; j++) next[j] = next[j - 1] | matched[j];
    } else {
      next[0] = 0;
      for (let j = 1; j <= value.length; j++) next[j] = symbol === QUESTION || value.charCodeAt(j - 1) === symbol ? matched[j - 1] : 0;
    }
    [matched, next] = [next, matched];
  }
  return matched[value.length] === 1;
}
