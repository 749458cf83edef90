/**
 * How Kyverno v1.19.0's ClusterPolicy engine spells a Pod's image before matching `imageReferences`
 * (`pkg/engine/utils/image.go:27-43` matches `ImageInfo.String()`, `pkg/utils/image/infos.go:34-109`): `docker.io/`
 * added in front when the first segment is no registry host (no `/`, or a lower-case first segment without `.` or `:`
 * that is not `localhost`: `addDefaultRegistry`, with the defaults of `pkg/config/config.go:290-291`) — but no `library/`,
 * since `reference.Parse` does not normalise — then `<registry>/<path>@<digest>` when the image has a digest (its tag
 * dropped), else `<registry>/<path>:<tag>`, with `latest` when no tag is written. Written independently of
 * src/model/image-reference.ts, so tests can compare it with how the registry restriction and the ImageValidatingPolicy
 * engine see the same image: as the Pod writes it.
 */
export function kyvernoImageSpelling(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  const full = hasRegistry ? image : `docker.io/${image}`;
  const at = full.indexOf('@');
  const name = at < 0 ? full : full.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repository = colon < 0 ? name : name.slice(0, colon);
  if (at >= 0) return `${repository}${full.slice(at)}`;
  return `${repository}:${colon < 0 ? 'latest' : name.slice(colon + 1)}`;
}

/**
 * The ways the container runtime may be said to pull a Pod's image, as Docker normalises it (github.com/distribution/reference
 * v0.6.0 normalize.go:107-171, ParseDockerRef and splitDockerDomain): `docker.io` for a name without registry host and for
 * `index.docker.io`, `library/` in front of a one-segment repository there; the reference as written, and the one pulled
 * (a tag beside a digest dropped, `:latest` when neither is written). A test oracle: an image a policy governs or admits
 * through a glob must have one of these forms matched by that glob as the config writes it.
 */
export function dockerNormalizedForms(image: string): string[] {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const isRegistry = slash >= 0 && (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first);
  const registry = !isRegistry || first === 'index.docker.io' ? 'docker.io' : first;
  const rest = isRegistry ? image.slice(slash + 1) : image;
  const at = rest.indexOf('@');
  const name = at < 0 ? rest : rest.slice(0, at);
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const path = colon < 0 ? name : name.slice(0, colon);
  const repository = `${registry}/${registry === 'docker.io' && !path.includes('/') ? 'library/' : ''}${path}`;
  const tag = colon < 0 ? '' : name.slice(colon);
  const digest = at < 0 ? '' : rest.slice(at);
  const pulled = digest !== '' ? `${repository}${digest}` : `${repository}${tag || ':latest'}`;
  return [...new Set([`${repository}${tag}${digest}`, pulled])];
}
