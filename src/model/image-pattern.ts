import { isDigest, placeholderDigestProblem } from './digest';
import { normalizedImageGlob, officialWildcardName } from './image-spellings';
import { TEMPLATE_SYNTAX_PROBLEM, hasTemplateSyntax } from './identity';
import {
  imageReferenceFormProblem,
  imageReferenceSyntaxProblem,
  repairedImageReference,
  splitImageReference,
  type ImageGlobUse,
} from './image-reference';

/**
 * Why an image reference glob is too broad to govern or allow images with, or undefined when it names one
 * registry host: a pattern for every registry, or one without a registry host (which silently depends on
 * Docker Hub being the default), says nothing about where an image comes from.
 */
function imagePatternBreadth(pattern: string): string | undefined {
  if (/^[*/]+$/.test(pattern)) return 'governs every image of every registry';
  const slash = pattern.indexOf('/');
  const host = slash < 0 ? '' : pattern.slice(0, slash);
  if (host.includes('*')) return `governs every registry matching "${host}": name one registry host`;
  // A registry host, as the first segment of an image reference, has a `.` or `:`, or is `localhost`.
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') {
    return 'does not name a registry host: what it governs depends on how each Pod spells its image (Docker Hub is implied)';
  }
  return undefined;
}

/**
 * Public registries where anyone can publish, the first path segment naming the owner (user, organisation, or a
 * Google Cloud project): Docker Hub and its hosts, GitHub's, Quay, Amazon's and GitLab's public registries, Google's
 * Container Registry hosts (`gcr.io`, `us.gcr.io`, `eu.gcr.io`, `asia.gcr.io`: <host>/<project>/<image>) and its cache of
 * Docker Hub (`mirror.gcr.io`, the same owners as Docker Hub).
 */
const PUBLIC_MULTI_TENANT_REGISTRIES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'us.gcr.io',
  'eu.gcr.io',
  'asia.gcr.io',
  'mirror.gcr.io',
  'public.ecr.aws',
  'registry.gitlab.com',
]);

/** Hosts serving Docker Hub's repositories, whose official images are under `library/`. */
const DOCKER_HUB_OWNERS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'mirror.gcr.io']);

/** Artifact Registry's Docker hosts, `<location>-docker.pkg.dev/<project>/<repository>/<image>`: one per location, shared by every project. */
const ARTIFACT_REGISTRY_HOST = /^[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev$/;

/** Registries where anyone pushes any name without an account (ttl.sh): no path there names an owner. */
const ANONYMOUS_REGISTRIES = new Set(['ttl.sh']);

/**
 * Why an image glob of the config (imagePatterns or thirdPartyImages) is too broad, or undefined: besides
 * naming one registry host, on a public registry where anyone can publish it must name the owner, since
 * restrict-image-registries admits every image it matches — `docker.io/*` would admit the
 * `docker.io/evil/miner` that policy exists to stop, unverified wherever no other guardrail is enabled. On an
 * anonymous registry no owner exists: only a digest pins an image there. A registry of your own (a mirror) may be
 * allowed whole.
 */
export function imageGlobBreadth(pattern: string): string | undefined {
  const breadth = imagePatternBreadth(pattern);
  if (breadth) return breadth;
  const [host] = pattern.split('/');
  // The path as Docker normalises it, so `docker.io/nginx@*` names the owner `library` as `docker.io/library/nginx@*` does.
  const [, path = ''] = normalizedImageGlob(pattern).split(/\/(.*)/s);
  if (ANONYMOUS_REGISTRIES.has(host)) {
    const { digest } = splitImageReference(pattern);
    return !pattern.includes('*') && digest !== undefined && isDigest(digest)
      ? undefined
      : `is on ${host}, where anyone can push any name without an account: only a digest (<repository>@sha256:<64 hex digits>) pins what it serves there`;
  }
  // Without a wildcard the glob is one literal reference, which names at most one owner.
  const multiTenant = PUBLIC_MULTI_TENANT_REGISTRIES.has(host) || ARTIFACT_REGISTRY_HOST.test(host);
  if (!multiTenant || !pattern.includes('*') || /^[^*/]+\//.test(path)) return undefined;
  // Docker Hub's official images live under `library`, one by one (src/model/image-spellings.ts); any other owner is yours to name.
  const example = DOCKER_HUB_OWNERS.has(host) ? `${host}/<owner>/*, or an official image: ${host}/library/<image>@*` : `${host}/<owner>/*`;
  return `admits every owner's images on the public registry ${host}: name the owner (${example})`;
}

/**
 * Why a glob can match only one literal image reference without meaning to, or undefined: `ghcr.io/acme` has
 * no wildcard, tag or digest, so it governs only Pods whose image is exactly `ghcr.io/acme` (no tag at all) —
 * and the ClusterPolicy engine, which adds `:latest` to such an image, not even those. With a tag or digest a
 * literal reference is deliberate and accepted.
 */
function literalPatternProblem(pattern: string): string | undefined {
  const { tag, digest } = splitImageReference(pattern);
  if (pattern.includes('*') || tag !== undefined || digest !== undefined) return undefined;
  return `has no wildcard, tag or digest, so it matches only the image reference "${pattern}" itself`;
}

/** What a suggestion means, by how it was made from the pattern, and for which uses it is offered. */
const LITERAL_SUGGESTIONS: readonly { suffix: string; meaning: string; uses: readonly ImageGlobUse[] }[] = [
  { suffix: '/*', meaning: 'every image under it', uses: ['verified', 'admitted'] },
  { suffix: ':*', meaning: 'this one image, by any tag', uses: ['admitted'] },
  { suffix: '@*', meaning: 'this one image, pinned by any digest', uses: ['verified', 'admitted'] },
];

/**
 * Every problem of an image glob of the config, the most fundamental first, or undefined: template syntax,
 * whitespace or a URL scheme, its breadth ({@link imageGlobBreadth}, with `consequence` saying what that allows),
 * the reference grammar and where its `*` stands for its `use` (src/model/image-reference.ts), a literal without
 * tag or digest. A message ends with a did-you-mean only when the suggestion itself passes every one of these checks.
 */
export function imagePatternProblem(pattern: string, use: ImageGlobUse, consequence: string): string | undefined {
  const problem = patternProblemOnly(pattern, use, consequence);
  if (problem === undefined) return undefined;
  const valid = (candidate: string) => candidate !== pattern && patternProblemOnly(candidate, use, consequence) === undefined;
  if (literalPatternProblem(pattern) === problem) {
    const suggestions = LITERAL_SUGGESTIONS.filter(({ uses }) => uses.includes(use))
      .map(({ suffix, meaning }) => ({ value: `${pattern}${suffix}`, meaning }))
      .filter(({ value }) => valid(value));
    return `${problem}${didYouMean(suggestions)}`;
  }
  const repaired = repairedImageReference(pattern, use);
  return `${problem}${didYouMean(valid(repaired) ? [{ value: repaired }] : [])}`;
}

function patternProblemOnly(pattern: string, use: ImageGlobUse, consequence: string): string | undefined {
  if (hasTemplateSyntax(pattern)) return TEMPLATE_SYNTAX_PROBLEM;
  const form = imageReferenceFormProblem(pattern);
  if (form) return form;
  const breadth = imageGlobBreadth(pattern);
  if (breadth) return `${breadth}: ${consequence}`;
  return (
    imageReferenceSyntaxProblem(pattern, use) ??
    literalPatternProblem(pattern) ??
    patternDigestProblem(pattern) ??
    (use === 'verified' ? officialWildcardProblem(pattern) : undefined)
  );
}

/**
 * Docker's official images by a wildcard (`docker.io/library/*`) cannot be verified alike in both engines: Pods write
 * them by their familiar name (`nginx:1.27`), which the ClusterPolicy engine reads as `docker.io/nginx:1.27`
 * (src/model/image-spellings.ts), and no glob of its matcher tells that from `docker.io/<another owner>/…`.
 */
function officialWildcardProblem(pattern: string): string | undefined {
  const name = officialWildcardName(pattern);
  if (name === undefined) return undefined;
  return (
    `names Docker's official images by a wildcard ("${name}"): Pods write them without owner (nginx:1.27), and the ClusterPolicy ` +
    'engine cannot match those spellings with a wildcard; name each image (docker.io/library/nginx@*), or list official images in thirdPartyImages'
  );
}

/** A glob pinned to a placeholder digest matches no image a registry serves, and would reach dist/ as it is. */
function patternDigestProblem(pattern: string): string | undefined {
  const { digest } = splitImageReference(pattern);
  if (digest === undefined || !isDigest(digest)) return undefined;
  return placeholderDigestProblem(digest, 'write the digest of the image you mean, or <repository>@* for any digest');
}

/**
 * Why a string is not one image reference the engines parse as written (a drill image, `verify`'s argument), or
 * undefined; with a did-you-mean when the repaired reference is one.
 */
export function imageReferenceProblem(reference: string): string | undefined {
  const problem = hasTemplateSyntax(reference) ? TEMPLATE_SYNTAX_PROBLEM : imageReferenceSyntaxProblem(reference);
  if (problem === undefined) return undefined;
  const repaired = repairedImageReference(reference);
  const valid = repaired !== reference && !hasTemplateSyntax(repaired) && imageReferenceSyntaxProblem(repaired) === undefined;
  return `${problem}${didYouMean(valid ? [{ value: repaired }] : [])}`;
}

/** `: did you mean a (…) or b (…)?`, or nothing without suggestions. */
function didYouMean(suggestions: readonly { value: string; meaning?: string }[]): string {
  if (suggestions.length === 0) return '';
  const each = suggestions.map(({ value, meaning }) => (meaning === undefined ? value : `${value} (${meaning})`));
  return `: did you mean ${each.join(' or ')}?`;
}
