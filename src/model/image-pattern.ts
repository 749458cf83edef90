/**
 * Why an image reference glob is too broad to govern or allow images with, or undefined when it names one
 * registry host: a pattern for every registry, or one without a registry host (which silently depends on
 * Docker Hub being the default), says nothing about where an image comes from.
 */
export function imagePatternBreadth(pattern: string): string | undefined {
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
 * Why a third-party glob is too broad, or undefined: besides naming one registry host, on a public registry
 * where anyone can publish it must name the owner, since every image it matches is admitted unverified —
 * `docker.io/*` would admit the `docker.io/evil/miner` that restrict-image-registries exists to stop. A
 * registry of your own (a mirror) may be allowed whole.
 */
export function thirdPartyImageBreadth(pattern: string): string | undefined {
  const breadth = imagePatternBreadth(pattern);
  if (breadth) return breadth;
  const [host, path = ''] = pattern.split(/\/(.*)/s);
  if (!PUBLIC_MULTI_TENANT_REGISTRIES.has(host) || /^[^*/]+\//.test(path)) return undefined;
  return `admits every owner's images on the public registry ${host}: name the owner (e.g. ${host}/library/*)`;
}
