/**
 * The digests an image may be pinned by: the OCI image spec's registered algorithms, each with its exact
 * length in lower-case hex. Anything looser (`sha256:` with 40 digits, upper-case hex, `md5:`) is a digest no
 * registry serves, so a reference "pinned" by it would be refused by cosign or pulled by nothing.
 */
const DIGEST_HEX_DIGITS = { sha256: 64, sha512: 128 } as const;

/** Regular expression source (no anchors, no groups that capture) of one valid digest, `sha256:<64 hex>` included. */
export const DIGEST_SOURCE = `(?:${Object.entries(DIGEST_HEX_DIGITS)
  .map(([algorithm, digits]) => `${algorithm}:[0-9a-f]{${digits}}`)
  .join('|')})`;

/** How a valid digest is written, for messages. */
export const DIGEST_SYNTAX = 'sha256:<64 lower-case hex digits> or sha512:<128 lower-case hex digits>';

/** Whether `digest` (the part after `@`) is a valid image digest. */
export function isDigest(digest: string): boolean {
  return new RegExp(`^${DIGEST_SOURCE}$`).test(digest);
}

/** Whether the image reference ends in `@<valid digest>`: the one test of "pinned by digest". */
export function isPinnedByDigest(imageRef: string): boolean {
  const at = imageRef.lastIndexOf('@');
  return at >= 0 && isDigest(imageRef.slice(at + 1));
}
