import { RUN_WITHIN_SEGMENT, globToRegExp, matchesGlob } from './glob';
import { joinImageReference, splitImageReference } from './image-reference';

// A Pod may write one image several ways, and the container runtime pulls the same image for each: it reads a
// reference with Docker's normalisation (github.com/distribution/reference v0.6.0, normalize.go:107-121 ParseDockerRef
// and :126-171 splitDockerDomain). A name whose first segment is no registry host is on Docker Hub (`acme/app` is
// `docker.io/acme/app`), `index.docker.io` is `docker.io`, a repository of one segment there is an official image
// under `library/` (`nginx` is `docker.io/library/nginx`), a reference without tag or digest has the tag `latest`
// (normalize.go:38-39 and 230-240, TagNameOnly), and a tag beside a digest is dropped (the digest is what is pulled).
//
// The engines do not normalise alike (Kyverno v1.19.0). The registry restriction (CEL in both engines) and the
// ImageValidatingPolicy verification (its `matchImageReferences` globs, pkg/cel/compiler/compiler.go:174-199, against
// the images the extractors of pkg/cel/compiler/images.go:15-45 read from the Pod, filtered in
// pkg/image/verification/evaluator/policy.go:142-157) match the string the Pod writes. The ClusterPolicy verification
// matches Kyverno's own spelling (pkg/engine/utils/image.go:27-43, pkg/utils/image/infos.go:34-46 and 102-109): `docker.io/`
// added to a name without a registry host — but no `library/`, and `index.docker.io` kept — then `@<digest>` with the
// tag dropped, or `:<tag>` with `latest` when none is written. Matched as written, `docker.io/acme/*` would verify
// `acme/app` in one engine and let it run unverified in the other.
//
// A glob of the config therefore stands for every spelling of the images it names: each engine matches the ones it can
// see (src/engines/), and the registry restriction admits them all. An added spelling names the same repository and
// never an image of another registry: before its first `*` it fixes the registry — a host, or a first segment followed
// by `/` that Docker reads as no host (no `.` or `:`, not `localhost`: normalize.go:139-159) — or, for a familiar name
// of an official image, each `*` stops at `/`: `nginx:*` would otherwise also match `nginx:5000/evil/app`, an image of
// the registry `nginx:5000`. `registry-1.docker.io` and Docker Hub's mirrors are other hosts to both Docker and
// Kyverno, and get no spelling.

/** One way a Pod may write the images a glob names. */
export interface ImageSpelling {
  /** A glob of the config's language: `*` matches any run of characters. */
  readonly glob: string;
  /** Whether each `*` stops at `/` instead: a familiar name, or one prefixed with a Docker Hub host, of an official image. */
  readonly withinSegment: boolean;
}

const DOCKER_HUB = 'docker.io';
/** normalize.go:20 legacyDefaultDomain. */
const DOCKER_HUB_LEGACY = 'index.docker.io';
/** normalize.go:36 officialRepoPrefix. */
const OFFICIAL = 'library/';

/**
 * Every spelling of the images a glob of the config names, the glob itself first: on Docker Hub (`docker.io` or
 * `index.docker.io`), the same repository under the other host and without one (unless its owner would read as a
 * registry host), and an official image's familiar name with either host or without; then, for any registry, the
 * reference without tag when its tag can be `latest`, and with any tag beside its digest when it names a digest.
 */
export function imageGlobSpellings(glob: string): ImageSpelling[] {
  const spellings = dockerHubSpellings(glob).flatMap(tagAndDigestSpellings);
  const seen = new Set<string>();
  return spellings.filter(({ glob: spelled, withinSegment }) => {
    const key = `${withinSegment} ${spelled}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dockerHubSpellings(glob: string): ImageSpelling[] {
  const itself = { glob, withinSegment: false };
  const { host, path, tag, digest } = splitImageReference(glob);
  if (host !== DOCKER_HUB && host !== DOCKER_HUB_LEGACY) return [itself];
  const repository = dockerHubRepository(path);
  const owner = repository.split('/')[0];
  // A `*` in the owner, or in a one-segment name (`ngin*`, which the config refuses), could stand for another owner.
  if (!repository.includes('/') || owner.includes('*')) return [itself];
  const spelled = (at: string | undefined, name: string, withinSegment = false) => ({
    glob: joinImageReference({ host: at, path: name, tag, digest }),
    withinSegment,
  });
  const spellings = [itself, spelled(DOCKER_HUB, repository), spelled(DOCKER_HUB_LEGACY, repository)];
  if (namesDockerHub(owner)) spellings.push(spelled(undefined, repository));
  const name = officialName(repository);
  if (name !== undefined) {
    const wildcard = name.includes('*');
    spellings.push(spelled(DOCKER_HUB, name, wildcard), spelled(DOCKER_HUB_LEGACY, name, wildcard), spelled(undefined, name, true));
  }
  return spellings;
}

/**
 * The repository a Docker Hub path names (normalize.go:162-168): one literal segment is an official image under
 * `library/`. A one-segment path with a `*` is kept as it is: its `*` could stand for an owner and a repository.
 */
function dockerHubRepository(path: string): string {
  return path.includes('/') || path.includes('*') ? path : `${OFFICIAL}${path}`;
}

/** The name of an official image (`library/<name>`, one segment), the one a Pod may write alone; undefined for another repository. */
function officialName(repository: string): string | undefined {
  const name = repository.startsWith(OFFICIAL) ? repository.slice(OFFICIAL.length) : undefined;
  return name === undefined || name.includes('/') ? undefined : name;
}

/**
 * For a glob on Docker Hub naming official images by a wildcard (`docker.io/library/*`, `docker.io/library/redis*`):
 * the wildcard name. Pods write such images by their familiar name, which only a `*` stopping at `/` matches.
 */
export function officialWildcardName(glob: string): string | undefined {
  const { host, path } = splitImageReference(glob);
  if (host !== DOCKER_HUB && host !== DOCKER_HUB_LEGACY) return undefined;
  const name = officialName(dockerHubRepository(path));
  return name?.includes('*') ? name : undefined;
}

/** Whether a Pod's image whose first segment is `segment`, followed by `/`, is on Docker Hub (normalize.go:139-159). */
function namesDockerHub(segment: string): boolean {
  return !/[.:]/.test(segment) && segment !== 'localhost' && segment === segment.toLowerCase();
}

/**
 * The spelling, and the same image without tag when its tag (or tag glob: `*`) stands for `latest`, or with any tag
 * beside its digest.
 */
function tagAndDigestSpellings(spelling: ImageSpelling): ImageSpelling[] {
  const { tag, digest, ...name } = splitImageReference(spelling.glob);
  if (tag !== undefined && digest === undefined && matchesGlob(tag, 'latest'))
    return [spelling, { ...spelling, glob: joinImageReference(name) }];
  if (digest !== undefined && tag === undefined)
    return [spelling, { ...spelling, glob: joinImageReference({ ...name, tag: '*', digest }) }];
  return [spelling];
}

/** The anchored regular expression of a spelling, as the CEL of the policies matches it. */
export function spellingRegExp({ glob, withinSegment }: ImageSpelling): string {
  return withinSegment ? globToRegExp(glob, RUN_WITHIN_SEGMENT) : globToRegExp(glob);
}

/** Whether `image`, as a Pod writes it, is one of the spellings of the images the glob names. */
export function matchesImageGlob(glob: string, image: string): boolean {
  let matches = imageGlobMatchers.get(glob);
  if (matches === undefined) {
    const each = imageGlobSpellings(glob).map((spelling): ((value: string) => boolean) => {
      if (!spelling.withinSegment) return (value) => matchesGlob(spelling.glob, value);
      const regexp = new RegExp(spellingRegExp(spelling));
      return (value) => regexp.test(value);
    });
    matches = (value) => each.some((matchesSpelling) => matchesSpelling(value));
    imageGlobMatchers.set(glob, matches);
  }
  return matches(image);
}

/** The matcher of each glob asked about, made once: checks and commands match many images against a few globs. */
const imageGlobMatchers = new Map<string, (image: string) => boolean>();

/**
 * The glob as Docker normalises the images it names: a first segment that is no registry host means Docker Hub, whose
 * hosts are written `docker.io`, and a literal one-segment repository there is under `library/`. What the breadth
 * checks judge, so `nginx@*` (a spelling of `docker.io/library/nginx@*`) names one owner as its glob does.
 */
export function normalizedImageGlob(glob: string): string {
  const slash = glob.indexOf('/');
  const first = slash < 0 ? '' : glob.slice(0, slash);
  const isHost = slash >= 0 && !namesDockerHub(first);
  if (isHost && first !== DOCKER_HUB && first !== DOCKER_HUB_LEGACY) return glob;
  // The rest split into repository, tag and digest: its first segment is a path segment here, whatever it looks like.
  const { host, path, tag, digest } = splitImageReference(isHost ? glob.slice(slash + 1) : glob);
  const repository = dockerHubRepository(host === undefined ? path : `${host}/${path}`);
  return joinImageReference({ host: DOCKER_HUB, path: repository, tag, digest });
}
