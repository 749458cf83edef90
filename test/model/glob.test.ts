import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob } from '../../src/model/glob';

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
