import { describe, expect, it } from 'vitest';
import { imagePatternProblem } from '../../src/model/image-pattern';
import { imageGlobSpellings, matchesImageGlob, normalizedImageGlob } from '../../src/model/image-spellings';
import { testDigest } from '../helpers';
import { PROBE_DIGEST, imageProbes, namedByGlobs } from '../support/image-probes';

/** A spelling as the table writes it: `~` in front when each `*` stops at `/`. */
const spellingsOf = (glob: string) =>
  imageGlobSpellings(glob).map(({ glob: spelled, withinSegment }) => `${withinSegment ? '~' : ''}${spelled}`);

describe('the spellings of the images a glob names', () => {
  it.each<[string, string[]]>([
    // Another registry: the glob alone, or without its tag when that is latest, or with any tag beside its digest.
    ['ghcr.io/acme/*', ['ghcr.io/acme/*']],
    ['ghcr.io/acme/app:latest', ['ghcr.io/acme/app:latest', 'ghcr.io/acme/app']],
    ['ghcr.io/acme/app@*', ['ghcr.io/acme/app@*', 'ghcr.io/acme/app:*@*']],
    ['ghcr.io/acme/app:1.0', ['ghcr.io/acme/app:1.0']],
    ['[fd00::1]:5000/apps/*', ['[fd00::1]:5000/apps/*']],
    // Docker Hub: both hosts and none.
    ['docker.io/acme/*', ['docker.io/acme/*', 'index.docker.io/acme/*', 'acme/*']],
    [
      'index.docker.io/globex/app@*',
      [
        'index.docker.io/globex/app@*',
        'index.docker.io/globex/app:*@*',
        'docker.io/globex/app@*',
        'docker.io/globex/app:*@*',
        'globex/app@*',
        'globex/app:*@*',
      ],
    ],
    // An owner a Pod cannot write without host: `acme.io/app` is the registry acme.io.
    ['docker.io/acme.io/app:1', ['docker.io/acme.io/app:1', 'index.docker.io/acme.io/app:1']],
    // An official image: also its familiar name, with a host or alone (there each `*` stops at `/`).
    [
      'docker.io/nginx:1.25',
      [
        'docker.io/nginx:1.25',
        'docker.io/library/nginx:1.25',
        'index.docker.io/library/nginx:1.25',
        'library/nginx:1.25',
        'index.docker.io/nginx:1.25',
        '~nginx:1.25',
      ],
    ],
    [
      'docker.io/library/busybox:*',
      [
        'docker.io/library/busybox:*',
        'docker.io/library/busybox',
        'index.docker.io/library/busybox:*',
        'index.docker.io/library/busybox',
        'library/busybox:*',
        'library/busybox',
        'docker.io/busybox:*',
        'docker.io/busybox',
        'index.docker.io/busybox:*',
        'index.docker.io/busybox',
        '~busybox:*',
        '~busybox',
      ],
    ],
    ['docker.io/library/*', ['docker.io/library/*', 'index.docker.io/library/*', 'library/*', '~docker.io/*', '~index.docker.io/*', '~*']],
    // A one-segment name with a `*` could stand for any owner (the config refuses it): no other spelling.
    ['docker.io/ngin*', ['docker.io/ngin*']],
  ])('%s', (glob, spellings) => {
    expect(spellingsOf(glob)).toEqual(spellings);
  });

  // Globs of both fields, on Docker Hub and elsewhere, as the config accepts them.
  const GLOBS: readonly [string, 'verified' | 'admitted'][] = [
    ['docker.io/acme/*', 'verified'],
    ['docker.io/my_org/app-*', 'verified'],
    ['index.docker.io/globex/app@*', 'verified'],
    ['docker.io/library/nginx@*', 'verified'],
    [`docker.io/library/redis@${testDigest('redis')}`, 'verified'],
    ['docker.io/library/redis:latest', 'verified'],
    ['docker.io/acme.io/app:1', 'verified'],
    ['ghcr.io/acme/app:latest', 'verified'],
    ['localhost:5000/acme/*', 'verified'],
    ['[fd00::1]:5000/apps/*', 'verified'],
    ['docker.io/library/busybox:*', 'admitted'],
    ['docker.io/library/busybox:1.*', 'admitted'],
    ['docker.io/library/postgr*', 'admitted'],
    ['docker.io/library/*', 'admitted'],
    ['index.docker.io/bitnami/*', 'admitted'],
  ];

  it('the globs of the table are ones the config accepts', () => {
    for (const [glob, use] of GLOBS) expect(imagePatternProblem(glob, use, 'x'), glob).toBeUndefined();
  });

  it.each(GLOBS)(
    '%s: a Pod image matches a spelling exactly when the glob names the image Docker pulls for it, never another registry',
    (glob) => {
      const named = namedByGlobs([glob]);
      for (const image of imageProbes([glob]))
        expect({ image, matches: matchesImageGlob(glob, image) }).toEqual({ image, matches: named(image) });
    },
  );

  it.each([
    // A familiar name followed by ":<port>/" is a registry host, which a `*` stopping at `/` never reaches.
    ['docker.io/library/busybox:*', 'busybox:5000/evil/miner:1', false],
    ['docker.io/library/busybox:*', 'busybox:1.36', true],
    ['docker.io/library/*', 'nginx:1.27', true],
    ['docker.io/library/*', 'docker.io/evil/miner', false],
    ['docker.io/library/nginx@*', `nginx:1.27@${PROBE_DIGEST}`, true],
    ['docker.io/library/nginx@*', `nginx:5000/evil/miner@${PROBE_DIGEST}`, false],
    ['docker.io/acme/*', 'acme/app:1', true],
    ['docker.io/acme/*', 'acme:5000/app:1', false],
    ['docker.io/acme/*', 'acme.evil.io/app:1', false],
    ['docker.io/acme/*', 'registry-1.docker.io/acme/app:1', false],
  ])('%s matches %s: %s', (glob, image, matches) => {
    expect(matchesImageGlob(glob, image)).toBe(matches);
  });
});

describe('normalizedImageGlob: the glob as Docker normalises the images it names', () => {
  it.each([
    ['ghcr.io/acme/*', 'ghcr.io/acme/*'],
    ['acme/*', 'docker.io/acme/*'],
    ['index.docker.io/acme/*', 'docker.io/acme/*'],
    ['nginx@*', 'docker.io/library/nginx@*'],
    ['docker.io/nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx'],
    // A `*` in a one-segment name could stand for an owner too: kept as it is.
    ['docker.io/ngin*', 'docker.io/ngin*'],
    ['docker.io/acme.io/app:1', 'docker.io/acme.io/app:1'],
    ['localhost/app', 'localhost/app'],
    ['acme.io/app', 'acme.io/app'],
  ])('%s is %s', (glob, normalized) => {
    expect(normalizedImageGlob(glob)).toBe(normalized);
  });
});
