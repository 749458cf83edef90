import { domainToASCII } from 'node:url';

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

/** Public registries where anyone can publish: the first path segment names the owner. */
const PUBLIC_MULTI_TENANT_REGISTRIES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'public.ecr.aws',
  'registry.gitlab.com',
]);

/**
 * Why an image glob of the config (imagePatterns or thirdPartyImages) is too broad, or undefined: besides
 * naming one registry host, on a public registry where anyone can publish it must name the owner, since
 * restrict-image-registries admits every image it matches — `docker.io/*` would admit the
 * `docker.io/evil/miner` that policy exists to stop, unverified wherever no other guardrail is enabled. A
 * registry of your own (a mirror) may be allowed whole.
 */
export function imageGlobBreadth(pattern: string): string | undefined {
  const breadth = imagePatternBreadth(pattern);
  if (breadth) return breadth;
  const [host, path = ''] = pattern.split(/\/(.*)/s);
  // Without a wildcard the glob is one literal reference, which names at most one owner.
  if (!PUBLIC_MULTI_TENANT_REGISTRIES.has(host) || !pattern.includes('*') || /^[^*/]+\//.test(path)) return undefined;
  return `admits every owner's images on the public registry ${host}: name the owner (e.g. ${host}/library/*)`;
}

/**
 * What is wrong with the registry host an image reference or glob starts with, or undefined. A host must be
 * ASCII: `ghcr.іo` (Cyrillic і) looks like ghcr.io but is another registry, so the config takes only the
 * punycode spelling, which makes the choice explicit. A trailing dot (`ghcr.io.`) names the same registry in
 * DNS, but not as a string: Pods writing `ghcr.io/…` would never match it.
 */
export function registryHostProblem(reference: string): string | undefined {
  const host = reference.split('/')[0];
  if (!/^[\x20-\x7e]*$/.test(host)) {
    const punycode = domainToASCII(host.replace(/:[0-9]*$/, ''));
    const suggestion = punycode === '' ? '' : ` (its punycode form is ${punycode}: write that if you mean this host)`;
    return `has the non-ASCII registry host "${host}", which can imitate another registry${suggestion}`;
  }
  if (/\.(:[0-9]*)?$/.test(host))
    return `has a registry host ending with a dot, "${host}": image references never do, so it would match nothing (write ${host.replace(/\.(?=:|$)/, '')})`;
  return undefined;
}

/**
 * Why a glob can match only one literal image reference without meaning to, or undefined: `ghcr.io/acme` has
 * no wildcard, tag or digest, so it governs only Pods whose image is exactly `ghcr.io/acme` (no tag at all),
 * never `ghcr.io/acme/app:1`. With a tag or digest a literal reference is deliberate and accepted.
 */
export function literalPatternProblem(pattern: string): string | undefined {
  const lastSegment = pattern.slice(pattern.lastIndexOf('/') + 1);
  if (pattern.includes('*') || pattern.includes('@') || lastSegment.includes(':')) return undefined;
  return (
    `has no wildcard, tag or digest, so it matches only the image reference "${pattern}" itself: ` +
    `did you mean ${pattern}/* (every image under it) or ${pattern}:* (every tag of this one image)?`
  );
}
