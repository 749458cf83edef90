/**
 * How Kyverno v1.19 matches a ClusterPolicy glob (a keyless `issuer`/`subject`, an `imageReferences` entry, a string
 * in a validate pattern): `ext/wildcard` calls github.com/IGLOU-EU/go-wildcard/v2 `Match`, where `*` matches any
 * run of characters, `/` included, `.` matches any single character, and every other character itself.
 *
 * An oracle written independently of src/model/glob.ts, as dynamic programming over pattern and value, so tests of
 * the regexps that module derives do not check it against itself. `dots: 'literal'` reads `.` as itself: the
 * meaning the ImageValidatingPolicy regexps and local cosign commands implement, stricter than Kyverno's.
 * `?` (zero or one character in go-wildcard) is refused by the config, so it is not modelled here.
 */
export function kyvernoWildcardMatch(pattern: string, value: string, options: { dots: 'any' | 'literal' } = { dots: 'any' }): boolean {
  if (pattern.includes('?')) throw new Error(`"?" in ${JSON.stringify(pattern)} is not modelled`);
  // matched[j]: whether the pattern read so far matches the first j characters of value.
  let matched = Array.from({ length: value.length + 1 }, (_, j) => j === 0);
  for (const symbol of pattern) {
    const next = new Array<boolean>(value.length + 1).fill(false);
    if (symbol === '*') {
      next[0] = matched[0];
      for (let j = 1; j <= value.length; j++) next[j] = next[j - 1] || matched[j];
    } else {
      const any = symbol === '.' && options.dots === 'any';
      for (let j = 1; j <= value.length; j++) next[j] = matched[j - 1] && (any || value[j - 1] === symbol);
    }
    matched = next;
  }
  return matched[value.length];
}
