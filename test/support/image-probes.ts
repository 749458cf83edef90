import { imageReferenceSyntaxProblem } from '../../src/model/image-reference';
import { dockerNormalizedForms } from './kyverno-image';
import { kyvernoWildcardMatch } from './kyverno-wildcard';

/** A digest no test gives a meaning to. */
export const PROBE_DIGEST = `sha256:${'ab12'.repeat(16)}`;

/** Registry prefixes a Pod may put before a Docker Hub repository: both Docker Hub hosts, none, and hosts that are not them. */
const DOCKER_HUB_PREFIXES = ['docker.io/', 'index.docker.io/', '', 'registry-1.docker.io/', 'mirror.gcr.io/'];
/** What may follow a repository: nothing, tags, a digest, both. */
const SUFFIXES = ['', ':latest', ':1', `@${PROBE_DIGEST}`, `:1@${PROBE_DIGEST}`, `:latest@${PROBE_DIGEST}`];

/**
 * Image references a Pod may write, near the images the globs name: each glob with its `*` filled in, respelled with
 * every Docker Hub prefix (and without `library/` for an official image), every tag and digest, and near misses on other
 * registries (`<owner>.evil.io/…`, `<owner>:5000/…`, `<name>:5000/evil/…`) and other owners. Only references the
 * distribution grammar accepts are kept: the runtime pulls no other.
 */
export function imageProbes(globs: readonly string[]): string[] {
  const probes = globs.flatMap((glob) =>
    // A `*` of a digest stands for a digest; elsewhere for nothing, a name, or names across `/`.
    (glob.includes('@*') ? [PROBE_DIGEST] : ['', 'x', 'x/y']).flatMap((fill) => {
      const filled = glob.replaceAll('*', fill);
      const normalized = dockerNormalizedForms(filled)[0];
      const [repository] = normalized.split(/[@]|:(?=[^/]*$)/);
      // The glob's own tag or digest, and its digest beside a tag.
      const own = normalized.slice(repository.length);
      const suffixes = [...SUFFIXES, own, ...(own.startsWith('@') ? [`:1${own}`] : [])];
      const names = respelled(repository);
      const withSuffixes = names.flatMap((name) => suffixes.map((suffix) => `${name}${suffix}`));
      return [filled, ...withSuffixes, ...nearMisses(names)];
    }),
  );
  return [...new Set(probes)].filter((probe) => imageReferenceSyntaxProblem(probe) === undefined);
}

/** A repository as Docker normalises it (`docker.io/library/nginx`), in the ways a Pod may write it. */
function respelled(repository: string): string[] {
  if (!repository.startsWith('docker.io/')) return [repository];
  const path = repository.slice('docker.io/'.length);
  const paths =
    path.startsWith('library/') && !path.slice('library/'.length).includes('/') ? [path, path.slice('library/'.length)] : [path];
  return DOCKER_HUB_PREFIXES.flatMap((prefix) => paths.map((each) => `${prefix}${each}`));
}

/** References that look like the names but are on another registry or of another owner. */
function nearMisses(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const [first, ...rest] = name.split('/');
    const tail = rest.length > 0 ? `/${rest.join('/')}` : '/evil/app';
    return [
      `${first}.evil.io${tail}`,
      `${first}:5000${tail}`,
      `${first}:5000/evil/app@${PROBE_DIGEST}`,
      `${first}-evil${tail}`,
      `x${name}`,
      `${name}x`,
      `${name}/evil`,
      `${name}-evil:1`,
    ];
  });
}

/**
 * Whether the config's globs name the image a Pod writes: one of them matches, with Kyverno's `*`, one of the forms
 * Docker normalises the image to. The oracle both engines' matching must agree with.
 */
export function namedByGlobs(globs: readonly string[]): (image: string) => boolean {
  const normalized = globs.map((glob) => dockerNormalizedForms(glob)[0]);
  return (image) => {
    const forms = dockerNormalizedForms(image);
    return normalized.some((glob) => forms.some((form) => kyvernoWildcardMatch(glob, form)));
  };
}
