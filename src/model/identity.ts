// How broad a signer identity (or an allow-list glob of one) is: read by the identity lint on synthesized
// policies and by the config loader on allow-lists that no policy field exposes as a glob.

/**
 * Hosts whose URL identities name an owner (user, organisation, group or account) in their first path segment: the
 * forges and the GitLab instances the public Sigstore instance trusts, and the CI services and identity providers
 * whose certificates name their tenants under one host (src/model/oidc-issuers.ts): Buildkite
 * (`/<organization>/<pipeline>`), Codefresh (`/<account>/…`) and Chainguard (`https://issuer.enforce.dev/<group>/…`,
 * fulcio v1.8.8 pkg/identity/chainguard/principal.go:79-80).
 */
const MULTI_TENANT_HOSTS = new Set([
  'github.com',
  'gitlab.com',
  'bitbucket.org',
  'dev.gitlab.org',
  'gitlab.archlinux.org',
  'ops.gitlab.net',
  'buildkite.com',
  'g.codefresh.io',
  'issuer.enforce.dev',
  'issuer.chainops.dev',
]);

/**
 * The characters every value matched by the identity must start with: a glob up to its first `*`; a regular
 * expression from `^` up to its first operator (escaped punctuation read as literal). Empty when the pattern
 * may match anywhere (unanchored, or a top-level `|`).
 */
export function literalPrefix(pattern: string, regexp: boolean): { prefix: string; exact: boolean } {
  if (!regexp) {
    const star = pattern.indexOf('*');
    return star < 0 ? { prefix: pattern, exact: true } : { prefix: pattern.slice(0, star), exact: false };
  }
  if (!pattern.startsWith('^') || hasTopLevelAlternation(pattern)) return { prefix: '', exact: false };
  let prefix = '';
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && /[^\w\s]/.test(pattern[i + 1] ?? '')) {
      prefix += pattern[++i];
    } else if (c === '$' && i === pattern.length - 1) {
      return { prefix, exact: true };
    } else if (/[\\.[\](){}*+?|^$]/.test(c)) {
      return { prefix, exact: false };
    } else {
      prefix += c;
    }
  }
  return { prefix, exact: false };
}

function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/**
 * Why a subject pattern can match identities of more than one owner, or undefined when it cannot: the fixed
 * prefix must pin the owner — for a URL its scheme and host, plus the first path segment on a multi-tenant
 * forge (`https://github.com/acme/`); for an e-mail address its domain.
 */
export function subjectBreadth(subject: string, regexp: boolean): string | undefined {
  if (subject === '') return 'is empty: every identity the issuer vouches for is trusted';
  const { prefix, exact } = literalPrefix(subject, regexp);
  if (exact) return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/]+)\/(.*)$/i.exec(prefix);
  if (url) {
    const [, host, rest] = url;
    if (!MULTI_TENANT_HOSTS.has(host.toLowerCase()) || /^[^/]+\//.test(rest)) return undefined;
    return `matches more than one owner on ${host}: the part before the first wildcard must end with "/<owner>/"`;
  }
  if (!regexp) {
    const at = subject.lastIndexOf('@');
    if (at > prefix.length && !subject.slice(at).includes('*')) return undefined;
  }
  return 'matches more than one owner: the part before the first wildcard must fix the scheme, host and owner';
}

/** Why an issuer pattern can match more than one OIDC issuer, or undefined when it names exactly one. */
export function issuerBreadth(issuer: string, regexp: boolean): string | undefined {
  return literalPrefix(issuer, regexp).exact ? undefined : 'matches more than one issuer: name exactly one';
}

/** Whether the value holds syntax Kyverno (`{{ }}`, `$( )`) or Flux post-build substitution (`${ }`) would rewrite. */
export function hasTemplateSyntax(value: string): boolean {
  return /\{\{|\}\}|\$\{|\$\(/.test(value);
}

/** Describes what {@link hasTemplateSyntax} finds, for messages. */
export const TEMPLATE_SYNTAX_PROBLEM = 'contains template syntax ({{ }}, ${ } or $( )) that Kyverno or Flux would substitute';
