import { domainToASCII } from 'node:url';
import { DIGEST_SYNTAX, isDigest } from './digest';
import { isPrintableAscii } from './printable-ascii';

// Image references as the engines parse them: the grammar of github.com/distribution/reference v0.6.0
// (reference.go:4-25, regexp.go:41-136), which containerd and Kyverno parse Pod images with (Kyverno v1.19.0
// `pkg/utils/image/infos.go:48-51` calls its `reference.Parse`). One function reads every image of the config —
// imagePatterns and thirdPartyImages (globs), drill images — and `verify`'s argument.
//
// Where a glob's `*` may stand follows from how the engines match. Kyverno's `*` matches any run of characters,
// `:` and `@` included. The registry restriction (CEL, both engines) and the ImageValidatingPolicy engine match
// the image as the Pod writes it; the ClusterPolicy engine matches Kyverno's own spelling of it (infos.go:34-46):
// `<registry>/<path>:<tag>`, or `<registry>/<path>@<digest>` with the tag dropped when a digest is present, and
// `:latest` added when neither is; each also in the other spellings of the images a glob names
// (src/model/image-spellings.ts). So:
// - a `*` in the repository path is the last character: text after it (`apps/*/web`, `apps/*-prod`) can be
//   satisfied by a tag the ClusterPolicy spelling drops, or can never match that spelling at all;
// - no `*` in a tag (`app:*`, `app:1.*`): it also matches `app:1@sha256:<any>`, which the registry restriction
//   admits while the ClusterPolicy verification, reading `app@sha256:<any>`, skips it — admitted unverified;
// - a `*` may stand for the whole digest (`app@*`, `app@sha256:*`): it matches that repository pinned by any digest;
// - a literal reference names a tag or a digest, not both: the ClusterPolicy spelling drops the tag, so
//   `app:1@sha256:…` never matches there while the registry restriction admits it.
// Those three rules protect the verification. A third-party glob (thirdPartyImages) is never verified: only the
// registry restriction matches it, as the Pod writes the image, so a `*` in its tag (`busybox:*`, `busybox:1.*`)
// and a tag beside a digest mean what they say — the text before the `:` fixes the repository, and after it a
// reference holds only its tag and digest. Text after a `*` in its path is refused still: a tag can satisfy it, so
// `library/*-alpine` would also admit `library/<any repository>:<tag>-alpine`.

/**
 * How a glob of the config is matched: `verified` (imagePatterns), by the registry restriction as the Pod writes the
 * image and by the verification as its engine spells it; `admitted` (thirdPartyImages), by the registry restriction only.
 */
export type ImageGlobUse = 'verified' | 'admitted';

/** The parts of an image reference (or glob), split as the grammar splits them; absent parts are undefined. */
export interface ImageReferenceParts {
  /** The registry host and port, when the first path segment is one (has `.` or `:`, or is `localhost`). */
  readonly host?: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

// regexp.go:44-68 (alphanumeric, separator, domainNameComponent, optionalPort, tag), 91 (ipv6address), 123 (pathComponent).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
/** Any start of a path component: a component, possibly cut after a separator (`app-`, `app_`, `app.`). */
const PATH_COMPONENT_START = `${PATH_COMPONENT}(?:[._]|__|[-]+)?`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_AND_PORT = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
/** reference.go:38-39, 209-211: the path (the name without its host) has at most 255 characters. */
const MAX_PATH_LENGTH = 255;
/** A URL scheme in front of a reference (`https://`, `docker://`, `oci://`). */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const WILDCARD = '*';

/** How an image reference is written, for messages. */
export const IMAGE_REFERENCE_SYNTAX = '<host>[:<port>]/<path>[:<tag>|@<digest>], in lower case';

/**
 * Splits a reference as the grammar does: the digest after `@`, the tag after the last `:` of the last path
 * segment, the host when the first segment has a `.` or `:`, or is `localhost` (normalize.go:139-151).
 */
export function splitImageReference(reference: string): ImageReferenceParts {
  const at = reference.indexOf('@');
  const name = at < 0 ? reference : reference.slice(0, at);
  const digest = at < 0 ? undefined : reference.slice(at + 1);
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const repository = colon < 0 ? name : name.slice(0, colon);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  return isHost ? { host: first, path: repository.slice(slash + 1), tag, digest } : { path: repository, tag, digest };
}

/** The reference written back from its parts. */
export function joinImageReference({ host, path, tag, digest }: ImageReferenceParts): string {
  return `${host === undefined ? '' : `${host}/`}${path}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/**
 * What makes `value` something the engines would not parse or match as written, or undefined. A glob (`glob`, how
 * it is matched) may hold a `*` where it is safe for that use (see above); without `glob`, `value` is one image
 * reference. The message says what is wrong and the form expected; it holds no suggestion, since a suggestion must
 * pass every check of its field ({@link repairedImageReference}).
 */
export function imageReferenceSyntaxProblem(value: string, glob?: ImageGlobUse): string | undefined {
  if (imageReferenceFormProblem(value)) return imageReferenceFormProblem(value);
  const parts = splitImageReference(value);
  return hostProblem(parts.host) ?? pathProblem(parts, glob) ?? tagAndDigestProblem(parts, glob);
}

/** The first of {@link imageReferenceSyntaxProblem}'s checks, on the string as a whole: empty, whitespace, a URL scheme. */
export function imageReferenceFormProblem(value: string): string | undefined {
  if (value === '') return `is empty: write ${IMAGE_REFERENCE_SYNTAX}`;
  if (/\s/.test(value)) return 'contains whitespace, which no image reference has';
  const scheme = SCHEME.exec(value);
  if (scheme) {
    return `starts with the URL scheme "${scheme[1]}://": an image reference has none, so a Pod's image never matches it (write it as ${IMAGE_REFERENCE_SYNTAX})`;
  }
  return undefined;
}

/**
 * What is wrong with the registry host an image reference starts with, or undefined. It must be ASCII:
 * `ghcr.іo` (Cyrillic і) looks like ghcr.io but is another registry. It must not end with a dot: `ghcr.io.` names
 * the same registry in DNS but not as a string, so Pods writing `ghcr.io/…` never match it. It must be lower case:
 * the grammar reads `GHCR.IO` as a host, but the engines compare strings, and Pods (and registries' own
 * instructions) spell hosts in lower case.
 */
function hostProblem(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  if (!isPrintableAscii(host)) {
    const punycode = domainToASCII(host.replace(/:[0-9]*$/, ''));
    const suggestion = punycode === '' ? '' : ` (its punycode form is ${punycode}: write that if you mean this host)`;
    return `has the non-ASCII registry host "${host}", which can imitate another registry${suggestion}`;
  }
  if (host.includes(WILDCARD)) return undefined; // the breadth check names this one
  if (/\.(:[0-9]*)?$/.test(host)) {
    return `has a registry host ending with a dot, "${host}": image references never do, so it would match nothing`;
  }
  if (/[A-Z]/.test(host)) {
    return `has the upper-case registry host "${host}": the engines compare references as written, and Pods spell registry hosts in lower case, so it would match nothing`;
  }
  if (!HOST_AND_PORT.test(host))
    return `has an invalid registry host "${host}": write a DNS name or [IPv6 address], with an optional :<port>`;
  return undefined;
}

function pathProblem({ path, tag, digest }: ImageReferenceParts, glob: ImageGlobUse | undefined): string | undefined {
  if (path === '') return `names no repository: write ${IMAGE_REFERENCE_SYNTAX}`;
  const segments = path.split('/');
  if (segments.at(-1) === '') return 'ends its path with "/": no image reference does, so it would match nothing';
  if (segments.includes('')) return 'has an empty path segment ("//"): no image reference does, so it would match nothing';
  if (/[A-Z]/.test(path)) {
    return 'has upper-case letters in its repository path: references take lower case only (registries store ghcr.io/Acme/app as ghcr.io/acme/app)';
  }
  const star = path.indexOf(WILDCARD);
  if (star >= 0) {
    if (glob === undefined) return 'has a "*": an image reference names one image, without wildcards';
    if (glob === 'verified' && (star !== path.length - 1 || tag !== undefined || digest !== undefined)) {
      return (
        'has text after its "*": Kyverno\'s "*" also matches ":" and "@", so that text can be satisfied by a tag, which the ' +
        'ClusterPolicy engine drops when the image also has a digest (the image would be admitted unverified); end the pattern with "*"'
      );
    }
    if (star !== path.length - 1) {
      return (
        'has text after its "*" in the path: Kyverno\'s "*" also matches ":", so a tag can satisfy that text and the glob admits ' +
        'repositories it does not name (every repository there, with a tag ending so); end the path with "*"'
      );
    }
  }
  const last = segments.length - 1;
  const invalid = segments.findIndex((segment, i) =>
    i === last && star >= 0
      ? !new RegExp(`^(?:${PATH_COMPONENT_START})?\\*$`).test(segment)
      : !new RegExp(`^${PATH_COMPONENT}$`).test(segment),
  );
  if (invalid >= 0) {
    return `has the path segment "${segments[invalid]}", which is not one: lower-case letters and digits, separated by one '.', one or two '_', or '-'`;
  }
  if (path.length > MAX_PATH_LENGTH)
    return `has a repository path of ${path.length} characters, more than the ${MAX_PATH_LENGTH} a reference may have`;
  return undefined;
}

function tagAndDigestProblem({ tag, digest }: ImageReferenceParts, glob: ImageGlobUse | undefined): string | undefined {
  if (tag !== undefined) {
    if (tag.includes(WILDCARD) && glob !== 'admitted') {
      return glob === 'verified'
        ? 'has a "*" in its tag: it would also match <tag>@<any digest>, which the registry restriction admits while the ClusterPolicy verification, reading the image without its tag, skips it; pin by digest instead (<repository>@*, any digest)'
        : 'has a "*": an image reference names one image, without wildcards';
    }
    // In a third-party glob each `*` stands for tag characters (or, at the end, a tag and a digest).
    if (!TAG.test(tag.replaceAll(WILDCARD, '_'))) {
      return `has the invalid tag "${tag}": letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'`;
    }
  }
  if (digest === undefined) return undefined;
  const digestGlob = glob !== undefined && /^(?:(?:sha256|sha512):)?\*$/.test(digest);
  if (!digestGlob && !isDigest(digest)) return `has a malformed digest: write ${DIGEST_SYNTAX}${glob ? ', or * for any digest' : ''}`;
  if (glob === 'verified' && tag !== undefined) {
    return 'has both a tag and a digest: the ClusterPolicy engine matches such an image without its tag, so the pattern never matches there while the registry restriction admits it; keep the digest';
  }
  return undefined;
}

/**
 * The reference a user most likely meant: whitespace and a URL scheme removed, the host and path in lower case, a
 * trailing host dot and empty path segments dropped; for a glob, a trailing `/` becomes `/*` and text after a path
 * `*` is cut; for a verified glob, a tag glob becomes a digest glob and a tag beside a digest is dropped. A caller
 * offers it only when it passes every check of its field.
 */
export function repairedImageReference(value: string, glob?: ImageGlobUse): string {
  const bare = value.replace(/\s+/g, '').replace(SCHEME, '');
  const { host, path, tag, digest } = splitImageReference(bare);
  const segments = path.toLowerCase().split('/');
  const trailingSlash = segments.at(-1) === '';
  let repairedPath = segments.filter((segment) => segment !== '').join('/');
  let repaired: ImageReferenceParts = { host: host?.toLowerCase().replace(/\.+(?=:|$)/, ''), path: repairedPath, tag, digest };
  if (glob === undefined) return joinImageReference(repaired);
  const star = repairedPath.indexOf(WILDCARD);
  if (star >= 0) return joinImageReference({ host: repaired.host, path: repairedPath.slice(0, star + 1) });
  if (trailingSlash && tag === undefined && digest === undefined)
    repairedPath = repairedPath === '' ? WILDCARD : `${repairedPath}/${WILDCARD}`;
  repaired = { ...repaired, path: repairedPath };
  if (glob === 'admitted') return joinImageReference(repaired);
  if (tag?.includes(WILDCARD)) return joinImageReference({ ...repaired, tag: undefined, digest: WILDCARD });
  return joinImageReference(digest === undefined ? repaired : { ...repaired, tag: undefined });
}
