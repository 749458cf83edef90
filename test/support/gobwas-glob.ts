/**
 * How Kyverno v1.19.0 matches an ImageValidatingPolicy `matchImageReferences[].glob` against the image a Pod writes:
 * `glob.Compile(pattern)` of github.com/gobwas/glob v0.2.3 without separators (pkg/cel/compiler/compiler.go:174-199),
 * in the syntax of glob.go:13-38 and syntax/lexer/lexer.go:10-31, 73-194: `*` and `**` any run of characters (no
 * separator to stop at), `?` one character, `[abc]`, `[!abc]`, `[a-z]`, `[!a-z]` one character of (or not of) a class,
 * `{a,b}` one of the alternatives (each a pattern), `\c` the character c; every other character itself.
 *
 * An oracle written independently of src/ (which only escapes for this syntax), as a translation into a JavaScript
 * regular expression. Throws for a pattern gobwas would not compile (an unclosed class or alternative).
 */
export function gobwasGlob(pattern: string): (value: string) => boolean {
  const regexp = new RegExp(`^${translate(pattern)}$`, 's');
  return (value) => regexp.test(value);
}

const literal = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function translate(pattern: string): string {
  const chars = [...pattern];
  let i = 0;
  const sequence = (inTerms: boolean): string => {
    let out = '';
    while (i < chars.length) {
      const c = chars[i];
      if (inTerms && (c === ',' || c === '}')) return out;
      i++;
      if (c === '\\') {
        if (i >= chars.length) return `${out}${literal('\\')}`; // a trailing escape escapes nothing
        out += literal(chars[i++]);
      } else if (c === '*') {
        while (chars[i] === '*') i++;
        out += '.*';
      } else if (c === '?') {
        out += '.';
      } else if (c === '[') {
        out += characterClass();
      } else if (c === '{') {
        const alternatives = [sequence(true)];
        while (chars[i] === ',') {
          i++;
          alternatives.push(sequence(true));
        }
        if (chars[i] !== '}') throw new Error(`unclosed {…} in ${pattern}`);
        i++;
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += literal(c);
      }
    }
    if (inTerms) throw new Error(`unclosed {…} in ${pattern}`);
    return out;
  };
  const characterClass = (): string => {
    let negated = false;
    if (chars[i] === '!') {
      negated = true;
      i++;
    }
    let members = '';
    if (chars[i + 1] === '-' && chars[i] !== undefined) {
      members = `${literal(chars[i])}-${literal(chars[i + 2] ?? '')}`;
      i += 3;
    } else {
      while (i < chars.length && chars[i] !== ']') {
        if (chars[i] === '\\') i++;
        members += literal(chars[i++] ?? '');
      }
    }
    if (chars[i] !== ']' || members === '') throw new Error(`unclosed or empty [...] in ${pattern}`);
    i++;
    return `[${negated ? '^' : ''}${members}]`;
  };
  return sequence(false);
}
