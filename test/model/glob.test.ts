import { describe, expect, it } from 'vitest';
import { globCovers, globToRegExp, matchesGlob, wildcardCountProblem } from '../../src/model/glob';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';

describe('globToRegExp', () => {
  const owner = 'https://github.com/acme/*';

  it.each([
    'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main',
    'https://github.com/acme/x',
    // `*` matches the empty run too, as Kyverno's wildcard matcher does.
    'https://github.com/acme/',
  ])('lets %s match the owner glob', (subject) => {
    expect(matchesGlob(owner, subject)).toBe(true);
  });

  it.each([
    // a sibling owner sharing the prefix
    'https://github.com/acme-evil/x',
    // `.` is literal, not "any character"
    'https://githubXcom/acme/x',
    'https://github.com/acmeXcom/x',
    // anchored at the start …
    'xhttps://github.com/acme/x',
    // … and the literal part must be complete
    'https://github.com/acme',
  ])('does not let %s match the owner glob', (subject) => {
    expect(matchesGlob(owner, subject)).toBe(false);
  });

  it('anchors the end of a glob without a trailing wildcard', () => {
    const glob = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*';
    expect(matchesGlob(glob, 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3')).toBe(true);
    expect(matchesGlob('https://github.com/acme/app', 'https://github.com/acme/app/fork')).toBe(false);
  });

  it('lets `*` span path separators, as in Kyverno and cosign identity globs', () => {
    expect(matchesGlob('https://github.com/*/release.yml', 'https://github.com/acme/app/.github/workflows/release.yml')).toBe(true);
  });

  it('matches every regexp metacharacter literally', () => {
    const glob = 'a.b+c?d(e)f[g]h{2}i|j^k$l\\m';
    expect(matchesGlob(glob, glob)).toBe(true);
    for (const lookalike of [
      'aXb+c?d(e)f[g]h{2}i|j^k$l\\m',
      'a.bbc?d(e)f[g]h{2}i|j^k$l\\m',
      'a.b+d(e)f[g]h{2}i|j^k$l\\m',
      'a.b+c?def[g]h{2}i|j^k$l\\m',
    ]) {
      expect(matchesGlob(glob, lookalike)).toBe(false);
    }
  });

  it('produces an anchored source that Go and JavaScript read alike (only escapes, `.*`, `^` and `$`)', () => {
    expect(globToRegExp('https://github.com/acme/*')).toBe('^https://github\\.com/acme/.*$');
  });
});

describe('globCovers', () => {
  it.each([
    ['ghcr.io/acme/*', 'ghcr.io/acme/app/*'],
    ['ghcr.io/acme/*', 'ghcr.io/acme/app:1'],
    ['ghcr.io/*/app:*', 'ghcr.io/acme/app:v*'],
    ['*', 'anything*at*all'],
    ['a*b', 'a*x*b'],
    ['ghcr.io/acme/app', 'ghcr.io/acme/app'],
  ])('%s covers %s', (outer, inner) => {
    expect(globCovers(outer, inner)).toBe(true);
  });

  it.each([
    ['ghcr.io/acme/app/*', 'ghcr.io/acme/*'],
    // A literal `*` of the narrower glob stands for any run, which a literal of the other cannot match.
    ['ghcr.io/acme/a*', 'ghcr.io/acme/*'],
    ['ghcr.io/acme/*', 'ghcr.io/acme-evil/*'],
    ['a*b', 'a*'],
    ['https://github.com/acme/*', 'https://github.com/*'],
  ])('%s does not cover %s', (outer, inner) => {
    expect(globCovers(outer, inner)).toBe(false);
  });

  // Checked against Kyverno's wildcard matcher (an independent model): a covered glob's every match is the other's,
  // and a glob that is not covered has a match the other refuses, among values built from its own characters.
  it('agrees with the wildcard matcher on random globs', () => {
    const alphabet = ['a', 'b', '/', '*'];
    let state = 7;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const glob = () => Array.from({ length: 1 + Math.floor(random() * 5) }, () => alphabet[Math.floor(random() * 4)]).join('');
    // Every string of up to 5 characters over a, b, / and c (a character no glob names).
    const values = [''];
    for (let length = 1; length <= 5; length++) {
      for (const value of values.filter((v) => v.length === length - 1)) for (const c of ['a', 'b', '/', 'c']) values.push(value + c);
    }
    for (let i = 0; i < 120; i++) {
      const [outer, inner] = [glob(), glob()];
      const counterexample = values.find((value) => kyvernoWildcardMatch(inner, value) && !kyvernoWildcardMatch(outer, value));
      expect(globCovers(outer, inner), `${outer} covers ${inner}: counterexample ${counterexample}`).toBe(counterexample === undefined);
    }
  });
});

describe('matchesGlob', () => {
  const GLOBS = ['*', 'a*', '*a', 'a*b*c', '*ab*', 'https://github.com/acme/*', 'x**y', 'a*a*a*b', ''];
  const VALUES = [
    '',
    'a',
    'ab',
    'abc',
    'aXbYc',
    'acb',
    'xy',
    'xzzy',
    'aaab',
    'aaaa',
    'https://github.com/acme/app',
    'https://github.com/acme',
  ];

  it("agrees with Kyverno's wildcard matcher on every pair", () => {
    for (const glob of GLOBS) {
      for (const value of VALUES) expect(matchesGlob(glob, value), `${glob} / ${value}`).toBe(kyvernoWildcardMatch(glob, value));
    }
  });

  it('answers a glob of many "*" against a long value that almost matches without backtracking through every split', () => {
    // As a backtracking regular expression this pair takes longer than any test may run; configs and downloaded
    // attestations supply both sides.
    expect(matchesGlob(`ghcr.io/acme/${'a*'.repeat(40)}b`, `ghcr.io/acme/${'a'.repeat(500)}`)).toBe(false);
    expect(matchesGlob(`ghcr.io/acme/${'a*'.repeat(40)}b`, `ghcr.io/acme/${'a'.repeat(500)}b`)).toBe(true);
  });
});

describe('wildcardCountProblem', () => {
  it.each([
    ['https://github.com/acme/*/.github/workflows/*@refs/tags/v*', undefined],
    ['https://github.com/acme/*a*b*c*', /has 4 "\*": Kyverno's ClusterPolicy matcher .* at most 3/],
    [`https://github.com/acme/${'*'.repeat(30)}`, /has 30 "\*"/],
  ])('%s', (glob, problem) => {
    if (problem === undefined) expect(wildcardCountProblem(glob)).toBeUndefined();
    else expect(wildcardCountProblem(glob)).toMatch(problem);
  });
});
