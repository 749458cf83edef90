import { describe, expect, it } from 'vitest';
import { placeholderDigestProblem } from '../../src/model/digest';
import { matchesGlob } from '../../src/model/glob';
import { imagePatternProblem, imageReferenceProblem } from '../../src/model/image-pattern';
import { splitImageReference } from '../../src/model/image-reference';
import { testDigest } from '../helpers';
import { kyvernoImageSpelling } from '../support/kyverno-image';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';

const D = testDigest('app');
const OTHER = testDigest('other');
const CONSEQUENCE = 'restrict-image-registries would admit such images unverified';
const pattern = (value: string) => imagePatternProblem(value, 'verified', CONSEQUENCE);

/** The values a message offers after "did you mean", without what each means. */
function suggestionsIn(message: string | undefined): string[] {
  const offered = /: did you mean (.*)\?$/.exec(message ?? '')?.[1];
  return offered === undefined ? [] : offered.split(' or ').map((each) => each.replace(/ \(.*\)$/, ''));
}

/** Patterns refused, what the message says, and the one suggestion offered (undefined: none). */
const REFUSED_PATTERNS: [string, RegExp, string | undefined][] = [
  ['https://registry.example.io/apps/*', /starts with the URL scheme "https:\/\/"/, 'registry.example.io/apps/*'],
  ['docker://ghcr.io/acme/*', /URL scheme "docker:\/\/"/, 'ghcr.io/acme/*'],
  ['oci://ghcr.io/acme/*', /URL scheme "oci:\/\/"/, 'ghcr.io/acme/*'],
  ['https://ghcr.io/*', /URL scheme/, undefined], // its repair, ghcr.io/*, admits every owner
  ['GHCR.IO/acme/*', /upper-case registry host "GHCR\.IO"/, 'ghcr.io/acme/*'],
  ['Registry.Example.io:5000/apps/*', /upper-case registry host/, 'registry.example.io:5000/apps/*'],
  ['ghcr.io/Acme/*', /upper-case letters in its repository path/, 'ghcr.io/acme/*'],
  [' ghcr.io/acme/*', /contains whitespace/, 'ghcr.io/acme/*'],
  ['ghcr.io/acme/ app*', /contains whitespace/, 'ghcr.io/acme/app*'],
  ['registry.example.io/apps//x*', /empty path segment/, 'registry.example.io/apps/x*'],
  ['registry.example.io/apps/', /ends its path with "\/"/, 'registry.example.io/apps/*'],
  ['registry.example.io/', /names no repository/, 'registry.example.io/*'],
  ['ghcr.io./acme/*', /registry host ending with a dot/, 'ghcr.io/acme/*'],
  ['ghcr.io/acme/app:*', /"\*" in its tag/, 'ghcr.io/acme/app@*'],
  ['ghcr.io/acme/app:v1.*', /"\*" in its tag/, 'ghcr.io/acme/app@*'],
  ['ghcr.io/acme/*/web', /text after its "\*"/, 'ghcr.io/acme/*'],
  ['ghcr.io/acme/*-prod', /text after its "\*"/, 'ghcr.io/acme/*'],
  [`ghcr.io/acme/app:1.0@${D}`, /both a tag and a digest/, `ghcr.io/acme/app@${D}`],
  ['ghcr.io/acme/app@sha256:abc', /malformed digest/, undefined],
  ['ghcr.io/acme/app..x/*', /path segment "app\.\.x"/, undefined],
  ['ghcr.io/acme', /no wildcard, tag or digest/, 'ghcr.io/acme/*'],
  // Pods write official images without owner (nginx:1.27), a spelling only a `*` stopping at `/` can match, which the
  // ClusterPolicy engine has not (src/model/image-spellings.ts).
  ['docker.io/library/*', /names Docker's official images by a wildcard \("\*"\)/, undefined],
  ['index.docker.io/library/redis*', /official images by a wildcard \("redis\*"\)/, undefined],
];

describe('image patterns: one reference grammar, "*" only where the engines agree', () => {
  it.each(REFUSED_PATTERNS)('refuses %s', (value, message, suggestion) => {
    const problem = pattern(value);
    expect(problem).toMatch(message);
    expect(suggestionsIn(problem)[0]).toBe(suggestion);
  });

  it('offers only suggestions that pass every check of the field', () => {
    const offered = REFUSED_PATTERNS.flatMap(([value]) => suggestionsIn(pattern(value)));
    expect(offered.length).toBeGreaterThan(REFUSED_PATTERNS.length / 2);
    for (const suggestion of offered) expect(pattern(suggestion), suggestion).toBeUndefined();
  });

  it('suggests every image under a trailing-slash path, not an empty segment or an empty tag', () => {
    const problem = pattern('registry.example.io/apps/');
    expect(suggestionsIn(problem)).toEqual(['registry.example.io/apps/*']);
    expect(problem).not.toMatch(/apps\/\/\*|apps\/:\*/);
  });

  it('offers, for a literal without tag or digest, every image under it and the image by any digest', () => {
    expect(suggestionsIn(pattern('registry.example.io/apps'))).toEqual(['registry.example.io/apps/*', 'registry.example.io/apps@*']);
  });

  const ACCEPTED = [
    'ghcr.io/acme/*',
    'ghcr.io/acme/app-*',
    'ghcr.io/acme/app:1.0',
    'ghcr.io/acme/app@*',
    'ghcr.io/acme/app@sha256:*',
    `ghcr.io/acme/app@${D}`,
    'registry.acme.example/*',
    'localhost:5000/acme/*',
    'mirror.acme.example/library/*',
    // Docker Hub, its official images named one by one (`docker.io/nginx` is `docker.io/library/nginx`), an IPv6 host.
    'docker.io/acme/*',
    'docker.io/library/nginx@*',
    'docker.io/nginx@*',
    'index.docker.io/library/redis:7',
    '[fd00::1]:5000/apps/*',
  ];
  it.each(ACCEPTED)('accepts %s', (value) => expect(pattern(value)).toBeUndefined());

  const IMAGES = [
    'ghcr.io/acme/app',
    'ghcr.io/acme/app:1.0',
    `ghcr.io/acme/app@${D}`,
    `ghcr.io/acme/app:1.0@${OTHER}`,
    `ghcr.io/acme/app-x:2@${D}`,
    `ghcr.io/acme/x/web:1@${D}`,
    'ghcr.io/acme/x/web',
    `registry.acme.example/x/y:1@${D}`,
    `localhost:5000/acme/a:1@${D}`,
  ];

  it('accepts only patterns for which every image the registry restriction admits is also matched by the ClusterPolicy verification', () => {
    for (const accepted of ACCEPTED) {
      for (const image of IMAGES) {
        // The registry restriction (and the ImageValidatingPolicy engine) match the image as written …
        if (!matchesGlob(accepted, image)) continue;
        // … the ClusterPolicy verification matches Kyverno's spelling of it: no image may slip between the two.
        expect(kyvernoWildcardMatch(accepted, kyvernoImageSpelling(image)), `${accepted} / ${image}`).toBe(true);
      }
    }
  });

  it.each([
    ['ghcr.io/acme/app:*', `ghcr.io/acme/app:1@${OTHER}`],
    ['ghcr.io/acme/*/web', 'ghcr.io/acme/x/web'],
    ['ghcr.io/acme/*-prod', 'ghcr.io/acme/app-prod'],
    [`ghcr.io/acme/app:1.0@${OTHER}`, `ghcr.io/acme/app:1.0@${OTHER}`],
  ])('refuses %s, which the registry restriction admits %s with while the ClusterPolicy verification skips it', (refused, image) => {
    expect(matchesGlob(refused, image)).toBe(true);
    expect(kyvernoWildcardMatch(refused, kyvernoImageSpelling(image))).toBe(false);
    expect(pattern(refused)).toBeDefined();
  });
});

describe('third-party images: admitted unverified, matched only as the Pod writes them', () => {
  const thirdParty = (value: string) => imagePatternProblem(value, 'admitted', CONSEQUENCE);

  const ACCEPTED_THIRD_PARTY = [
    'docker.io/library/busybox:*',
    'docker.io/library/busybox:1.*',
    'docker.io/library/busybox:*-musl',
    `docker.io/library/busybox:1.36@${D}`,
    `docker.io/library/busybox:*@${D}`,
    'docker.io/library/busybox:1.36@*',
    'mirror.acme.example/library/*',
    'mirror.acme.example/library/*:1.36',
  ];
  it.each(ACCEPTED_THIRD_PARTY)('accepts %s, which no verification reads', (value) => expect(thirdParty(value)).toBeUndefined());

  const THIRD_PARTY_IMAGES = [
    'docker.io/library/busybox',
    'docker.io/library/busybox:1.36',
    'docker.io/library/busybox:1.36-musl',
    `docker.io/library/busybox@${D}`,
    `docker.io/library/busybox:1.36@${OTHER}`,
    `docker.io/library/busybox:1.36@${D}`,
    'docker.io/library/busybox-evil:1.36',
    'docker.io/library/busyboxx:1',
    `docker.io/evil/busybox:1.36@${D}`,
    'mirror.acme.example/library/web:1.36',
    'mirror.acme.example/library/a/b:1.36',
  ];

  it('admits, for a "*" in a tag, only images of the repository the glob names (no other owner, no other image)', () => {
    for (const glob of ACCEPTED_THIRD_PARTY.filter((value) => splitImageReference(value).tag?.includes('*'))) {
      const named = splitImageReference(glob);
      const admitted = THIRD_PARTY_IMAGES.filter((image) => matchesGlob(glob, image));
      expect(admitted.length, glob).toBeGreaterThan(0);
      for (const image of admitted) {
        const { host, path } = splitImageReference(image);
        expect({ host, path }, `${glob} / ${image}`).toEqual({ host: named.host, path: named.path });
      }
    }
  });

  it.each([
    ['docker.io/library/*-alpine', /text after its "\*" in the path: .*a tag can satisfy that text/, 'docker.io/library/*'],
    ['docker.io/library/busybox:*@sha256:abc', /malformed digest/, undefined],
    ['docker.io/library/busybox:.*', /invalid tag/, undefined],
    ['docker.io/*', /admits every owner's images on the public registry docker\.io/, undefined],
  ])('refuses %s', (value, message, suggestion) => {
    expect(thirdParty(value)).toMatch(message);
    expect(suggestionsIn(thirdParty(value))[0]).toBe(suggestion);
  });

  it('offers, for a literal without tag or digest, every image under it, the image by any tag and by any digest', () => {
    expect(suggestionsIn(thirdParty('docker.io/library/busybox'))).toEqual([
      'docker.io/library/busybox/*',
      'docker.io/library/busybox:*',
      'docker.io/library/busybox@*',
    ]);
  });

  it('keeps refusing a "*" in a tag and a tag beside a digest in imagePatterns, which the verification reads', () => {
    expect(pattern('docker.io/library/busybox:*')).toMatch(/"\*" in its tag/);
    expect(pattern(`docker.io/library/busybox:1.36@${D}`)).toMatch(/both a tag and a digest/);
  });
});

describe('registries where anyone publishes', () => {
  it.each([
    ['us-docker.pkg.dev/*', /public registry us-docker\.pkg\.dev: name the owner \(us-docker\.pkg\.dev\/<owner>\/\*\)/],
    ['europe-west1-docker.pkg.dev/acme*', /public registry europe-west1-docker\.pkg\.dev/],
    ['eu.gcr.io/*', /public registry eu\.gcr\.io/],
    [
      'mirror.gcr.io/*',
      /public registry mirror\.gcr\.io: name the owner \(mirror\.gcr\.io\/<owner>\/\*, or an official image: mirror\.gcr\.io\/library\/<image>@\*\)/,
    ],
    ['ttl.sh/*', /ttl\.sh, where anyone can push any name without an account/],
    ['ttl.sh/acme/*', /ttl\.sh, where anyone can push any name/],
    ['ttl.sh/acme/app:1h', /only a digest .* pins what it serves there/],
  ])('refuses %s in both lists', (value, message) => {
    expect(pattern(value)).toMatch(message);
    expect(imagePatternProblem(value, 'admitted', CONSEQUENCE)).toMatch(message);
  });

  it.each(['us-docker.pkg.dev/acme-prod/*', 'eu.gcr.io/acme-prod/*', 'mirror.gcr.io/library/*', `ttl.sh/acme/app@${D}`])(
    'accepts %s, which names its owner (or pins one image)',
    (value) => expect(pattern(value)).toBeUndefined(),
  );
});

describe('image references (drill images, verify)', () => {
  it.each([
    ['ghcr.io/acme/app/', /ends its path with "\/"/, 'ghcr.io/acme/app'],
    ['GHCR.IO/acme/app:1', /upper-case registry host/, 'ghcr.io/acme/app:1'],
    ['https://ghcr.io/acme/app:1', /URL scheme/, 'ghcr.io/acme/app:1'],
    ['ghcr.io/acme//app:1', /empty path segment/, 'ghcr.io/acme/app:1'],
    ['ghcr.io/acme/*', /has a "\*"/, undefined],
    ['ghcr.io/acme/app:*', /has a "\*"/, undefined],
    ['ghcr.io/acme/app:-x', /invalid tag/, undefined],
  ])('refuses %s', (value, message, suggestion) => {
    const problem = imageReferenceProblem(value);
    expect(problem).toMatch(message);
    expect(suggestionsIn(problem)[0]).toBe(suggestion);
    for (const offered of suggestionsIn(problem)) expect(imageReferenceProblem(offered)).toBeUndefined();
  });

  it.each([
    'busybox:1.36',
    'docker.io/library/busybox:1.36',
    `ghcr.io/acme/app:1.0@${D}`,
    'localhost:5000/acme/web:1.0',
    'ghcr.io/acme/app:V1_RC',
  ])('accepts %s', (value) => expect(imageReferenceProblem(value)).toBeUndefined());
});

describe('placeholder digests', () => {
  it.each([
    [`sha256:${'0'.repeat(64)}`, /all "0"/],
    [`sha256:${'a'.repeat(64)}`, /all "a"/],
    [`sha256:${'deadbeef'.repeat(8)}`, /"deadbeef" repeated/],
    [`sha256:${'0123456789abcdef'.repeat(4)}`, /"0123456789abcdef" repeated/],
    [`sha256:${'0'.repeat(63)}1`, /only 2 distinct hex digits/],
    [`sha512:${'ab'.repeat(64)}`, /"ab" repeated/],
  ])('refuses %s', (digest, why) => expect(placeholderDigestProblem(digest, 'remedy')).toMatch(why));

  it('refuses them in image globs too, which would carry them into dist/', () => {
    const placeholder = `ghcr.io/acme/app@sha256:${'0'.repeat(64)}`;
    expect(pattern(placeholder)).toMatch(/has a placeholder digest \(all "0"\).*<repository>@\* for any digest$/);
    expect(imagePatternProblem(`docker.io/library/busybox:1.36@sha256:${'deadbeef'.repeat(8)}`, 'admitted', CONSEQUENCE)).toMatch(
      /"deadbeef" repeated/,
    );
  });

  it('accepts digests a registry computes', () => {
    const digests = Array.from({ length: 50 }, (_, i) => testDigest(`image ${i}`));
    digests.push(testDigest('image', 'sha512'), 'sha256:7947ded93820512162ef446278104f3b5efd82d6c85f613bd4c712a036e6f341');
    for (const digest of digests) expect(placeholderDigestProblem(digest, 'remedy'), digest).toBeUndefined();
  });
});
