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

/** At most this many distinct hex digits in a digest marks it as typed, not computed. */
const MAX_PLACEHOLDER_DIGITS = 4;

/**
 * Why a valid digest is a placeholder, or undefined. A real digest is a hash: its hex digits never repeat a block
 * of 32 or fewer (all zeros, `deadbeef…`, `0123456789abcdef…`), nor use only a handful of the 16 digits
 * (`000…01`) — the odds of either for a real sha256 are below 2^-100. A placeholder pins nothing a registry
 * serves: a cluster pulling by it fails, and a drill or verification by it proves nothing. `remedy` says what to
 * write instead.
 */
export function placeholderDigestProblem(digest: string, remedy: string): string | undefined {
  const hex = digest.slice(digest.indexOf(':') + 1);
  const repeated = /^(.{1,32}?)\1+$/.exec(hex);
  const distinct = new Set(hex).size;
  if (!repeated && distinct > MAX_PLACEHOLDER_DIGITS) return undefined;
  const why = repeated
    ? repeated[1].length === 1
      ? `all "${repeated[1]}"`
      : `"${repeated[1]}" repeated`
    : `made of only ${distinct} distinct hex digits`;
  return `has a placeholder digest (${why}), which no registry serves: ${remedy}`;
}
