/**
 * How Kyverno v1.19.0's ClusterPolicy engine spells a Pod's image before matching `imageReferences`
 * (`pkg/engine/utils/image.go:27-36` matches `ImageInfo.String()`, `pkg/utils/image/infos.go:34-46`):
 * `<registry>/<path>@<digest>` when the image has a digest (its tag dropped), else `<registry>/<path>:<tag>`, with
 * `latest` when no tag is written. Written independently of src/model/image-reference.ts, for images that name
 * their registry (the only ones the config's patterns can match), so tests can compare it with how the registry
 * restriction sees the same image: as the Pod writes it.
 */
export function kyvernoImageSpelling(image: string): string {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repository = colon < 0 ? name : name.slice(0, colon);
  if (at >= 0) return `${repository}${image.slice(at)}`;
  return `${repository}:${colon < 0 ? 'latest' : name.slice(colon + 1)}`;
}
