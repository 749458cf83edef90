// The OIDC issuers whose certificates this product knows the shape of: for each, the exact issuer URL Fulcio
// writes into a certificate, and the subject alternative name (SAN) it gives the certificate, which is what a
// signer's `subject` glob is matched against (exactly, as a string). Read in sigstore/fulcio at v1.8.8:
// - issuers: `config/identity/config.yaml:21-126` (`oidc-issuers`), the GitHub Actions meta-issuer at :160-163,
//   and how a meta-issuer's `*` matches (`pkg/config/config.go:152-161`: one or more of `[-_a-zA-Z0-9]`);
// - SANs: `config/identity/config.yaml:164-315` (`subject-alternative-name-template` per CI provider) and
//   `docs/oidc.md:132-140, 184-239, 315-327`; an e-mail issuer's SAN is the address (`pkg/identity/email/principal.go:73-74`);
// - the public instance's login service (`https://oauth2.sigstore.dev/auth`, config.yaml:86-92, `issuer-claim`) writes
//   the issuer of the login it federates, not its own (`pkg/identity/email/principal.go:57`): GitHub's
//   `https://github.com/login/oauth`, Google's and Microsoft's `https://login.microsoftonline.com`, as
//   docs.sigstore.dev's verification cheat sheet lists them.
// Another issuer keeps the generic checks (one exact issuer, a subject that pins its owner); on a signer of the public
// instance, synth warns when that instance's Fulcio does not certify it (`publicInstanceIssuerProblem`).

import { closestMatch } from './did-you-mean';
import { literalPrefix } from './identity';
import { isPrintableAscii } from './printable-ascii';

/** One part of a SAN: the regular expression of the part whole, and of any start of it. */
interface SanPart {
  readonly whole: string;
  readonly start: string;
}

const literal = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** A fixed text, and every start of it (the empty one included). */
function text(value: string): SanPart {
  const starts = Array.from({ length: value.length }, (_, i) => literal(value.slice(0, i)));
  return { whole: literal(value), start: `(?:${starts.join('|')})` };
}

/** One or more characters of a class; any start of it is zero or more. */
function run(characterClass: string): SanPart {
  return { whole: `${characterClass}+`, start: `${characterClass}*` };
}

/** A SAN grammar as a sequence of parts, compiled to "is a SAN" and "can start a SAN". */
interface SanGrammar {
  readonly whole: RegExp;
  readonly start: RegExp;
}

function grammar(...parts: SanPart[]): SanGrammar {
  // Any start of part i: a start of the part itself, or the whole part then any start of the parts after it.
  const start = parts.reduceRight((rest, part) => `(?:${part.start}|${part.whole}${rest})`, '');
  return { whole: new RegExp(`^${parts.map((part) => part.whole).join('')}$`), start: new RegExp(`^${start}$`) };
}

/** An issuer whose certificates' subjects this product knows. */
export interface KnownIssuer {
  /** How users call it. */
  readonly name: string;
  /** The issuer URL, exactly as certificates carry it. */
  readonly url: string;
  /** The subject its certificates carry, for messages. */
  readonly subjectForm: string;
  readonly san: SanGrammar;
  /** Whether its SAN is the signer's e-mail address (the account), rather than a URI. */
  readonly email?: boolean;
  /**
   * For an issuer whose SANs name their tenant further along than the first path segment: the start every glob's
   * text before its first `*` must have, and how it is written, for messages.
   */
  readonly tenant?: { readonly prefix: RegExp; readonly form: string };
}

const GITHUB_OWNER = '[A-Za-z0-9-]';
const REPOSITORY = '[A-Za-z0-9._-]';

/** GitHub Actions: `https://github.com/` + the `job_workflow_ref` claim (config.yaml:165-170, 210; docs/oidc.md:197-212). */
export const GITHUB_ACTIONS: KnownIssuer = {
  name: 'GitHub Actions',
  url: 'https://token.actions.githubusercontent.com',
  subjectForm: 'https://github.com/<owner>/<repository>/.github/workflows/<file>@<ref>',
  san: grammar(
    text('https://github.com/'),
    run(GITHUB_OWNER),
    text('/'),
    run(REPOSITORY),
    text('/.github/workflows/'),
    run('[^/@]'),
    text('@'),
    run('.'),
  ),
};

/** The source repository GitHub's build provenance names (`https://github.com/<owner>/<repo>`, src/model/provenance.ts). */
export const GITHUB_REPOSITORY_URL = {
  form: 'https://github.com/<owner>/<repository>',
  san: grammar(text('https://github.com/'), run(GITHUB_OWNER), text('/'), run(REPOSITORY)),
};

/**
 * A GitLab instance Fulcio trusts: `https://` + the `ci_config_ref_uri` claim (config.yaml:55-61, 251; docs/oidc.md:216-239),
 * `<instance host>/<group>[/<subgroup>…]/<project>//<config file>@<ref>`.
 */
function gitlabInstance(name: string, host: string): KnownIssuer {
  return {
    name,
    url: `https://${host}`,
    subjectForm: `https://${host}/<group>/<project>//<pipeline file>@<ref>`,
    san: grammar(
      text(`https://${host}/`),
      { whole: '[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+', start: '(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]*' },
      text('//'),
      run('[^@]'),
      text('@'),
      run('.'),
    ),
  };
}

/** An e-mail address, the SAN of an e-mail issuer's certificates (`pkg/identity/email/principal.go:73-74`). */
const EMAIL_SAN = grammar(run("[A-Za-z0-9.!#$%&'*+=?^_`{|}~/-]"), text('@'), {
  whole: '[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+',
  start: '(?:[A-Za-z0-9-]+\\.)*[A-Za-z0-9-]*',
});

/** An issuer whose certificates name the account's verified e-mail address (config.yaml `type: email`; docs/oidc.md:132-140, 184-195). */
function emailIssuer(name: string, url: string): KnownIssuer {
  return {
    name,
    url,
    subjectForm: 'the account e-mail address, <name>@<domain> (*@<your domain> for every account of your domain)',
    san: EMAIL_SAN,
    email: true,
  };
}

/** The issuers whose subjects are checked, by issuer URL. */
export const KNOWN_ISSUERS: readonly KnownIssuer[] = [
  GITHUB_ACTIONS,
  gitlabInstance('GitLab', 'gitlab.com'),
  // GitLab instances of other organisations that the public instance trusts (config.yaml:41-54, 107-113).
  gitlabInstance('GitLab (dev.gitlab.org)', 'dev.gitlab.org'),
  gitlabInstance('GitLab (gitlab.archlinux.org)', 'gitlab.archlinux.org'),
  gitlabInstance('GitLab (ops.gitlab.net)', 'ops.gitlab.net'),
  {
    // `{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}` with url https://buildkite.com (config.yaml:28-34, 284-296; docs/oidc.md:315-327).
    name: 'Buildkite',
    url: 'https://agent.buildkite.com',
    subjectForm: 'https://buildkite.com/<organization>/<pipeline>',
    san: grammar(text('https://buildkite.com/'), run('[A-Za-z0-9_-]'), text('/'), run('[A-Za-z0-9_-]')),
  },
  {
    // `{{.api_url}}/projects/<project-id>/pipeline-definitions/<pipeline-definition-id>`, api_url https://circleci.com/api/v2
    // (config.yaml:93-99, 297-315). The per-organisation meta-issuer (`https://oidc.circleci.com/org/<org id>`) pins the
    // organisation itself and keeps the generic checks.
    name: 'CircleCI',
    url: 'https://oidc.circleci.com',
    subjectForm: 'https://circleci.com/api/v2/projects/<project id>/pipeline-definitions/<pipeline definition id>',
    san: grammar(text('https://circleci.com/api/v2/projects/'), run('[A-Za-z0-9-]'), text('/pipeline-definitions/'), run('[A-Za-z0-9-]')),
    tenant: { prefix: /^https:\/\/circleci\.com\/api\/v2\/projects\/[^/*]+\//, form: 'https://circleci.com/api/v2/projects/<project id>/' },
  },
  {
    // `{{.platform_url}}/{{.account_name}}/{{.pipeline_name}}:{{.account_id}}/{{.pipeline_id}}`, platform_url
    // https://g.codefresh.io, pipeline_name `<project>/<pipeline>` (config.yaml:100-106, 252-283).
    name: 'Codefresh',
    url: 'https://oidc.codefresh.io',
    subjectForm: 'https://g.codefresh.io/<account>/<project>/<pipeline>:<account id>/<pipeline id>',
    san: grammar(
      text('https://g.codefresh.io/'),
      run('[^/:@]'),
      text('/'),
      run('[^:@]'),
      text(':'),
      run('[^/:@]'),
      text('/'),
      run('[^/:@]'),
    ),
  },
  emailIssuer('Google', 'https://accounts.google.com'),
  // Logins the public instance's login service federates (docs/oidc.md:136-139), each under its own issuer.
  emailIssuer('GitHub account', 'https://github.com/login/oauth'),
  emailIssuer('Microsoft account', 'https://login.microsoftonline.com'),
  // The other e-mail issuers of the public instance (config.yaml:35-40, 74-85, 121-126).
  emailIssuer('Eclipse Foundation', 'https://auth.eclipse.org/auth/realms/foundation-service-accounts'),
  emailIssuer('Hellō', 'https://issuer.hello.coop'),
  emailIssuer('Kaggle', 'https://www.kaggle.com/api/v1/models/signing'),
  emailIssuer('IBM', 'https://sigstore.verify.ibm.com/oauth2'),
];

/**
 * Consumer mail domains of the logins the public instance federates (Google, Microsoft, GitHub: docs/oidc.md:136-139),
 * where anyone can open an address: a wildcard account there trusts anyone, whichever issuer vouches for it. GitHub
 * gives every account an address under users.noreply.github.com, which its login may report (dexidp/dex#2618).
 */
export const PUBLIC_MAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'users.noreply.github.com',
];

/**
 * Issuers no certificate carries, and what certificates carry instead: the public instance's login service writes the
 * issuer of the login it federates (config.yaml:86-92 `issuer-claim: $.federated_claims.connector_id`).
 */
const FEDERATING_ISSUERS: Readonly<Record<string, readonly string[]>> = {
  'https://oauth2.sigstore.dev/auth': [
    'https://github.com/login/oauth',
    'https://accounts.google.com',
    'https://login.microsoftonline.com',
  ],
};

/**
 * The issuers the public instance's Fulcio issues certificates for, exactly as certificates carry them: its
 * `oidc-issuers` (config.yaml:21-126), the login service replaced by the logins it federates ({@link FEDERATING_ISSUERS}).
 */
const PUBLIC_FULCIO_ISSUERS: readonly string[] = [
  'https://accounts.google.com',
  'https://agent.buildkite.com',
  'https://auth.eclipse.org/auth/realms/foundation-service-accounts',
  'https://dev.gitlab.org',
  'https://gitlab.archlinux.org',
  'https://gitlab.com',
  'https://issuer.enforce.dev',
  'https://issuer.chainops.dev',
  'https://issuer.hello.coop',
  'https://www.kaggle.com/api/v1/models/signing',
  'https://oauth2.sigstore.dev/auth',
  'https://oidc.circleci.com',
  'https://oidc.codefresh.io',
  'https://ops.gitlab.net',
  'https://token.actions.githubusercontent.com',
  'https://sigstore.verify.ibm.com/oauth2',
].flatMap((issuer) => FEDERATING_ISSUERS[issuer] ?? [issuer]);

/**
 * The public instance's `meta-issuers` (config.yaml:127-163: AKS, GKE and EKS clusters, CircleCI organisations, GitHub
 * Enterprise), each `*` one or more of `[-_a-zA-Z0-9]` (pkg/config/config.go:152-171 MetaRegex).
 */
const PUBLIC_FULCIO_META_ISSUERS: readonly RegExp[] = [
  'https://*.oic.prod-aks.azure.com/*/*',
  'https://*.oic.prod-aks.azure.com/*/*/',
  'https://container.googleapis.com/v1/projects/*/locations/*/clusters/*',
  'https://oidc.circleci.com/org/*',
  'https://oidc.eks.*.amazonaws.com/id/*',
  'https://oidc.prod-aks.azure.com/*',
  'https://oidc.prod-aks.azure.com/*/',
  'https://oidc.prod-aks.azure.com/*/*',
  'https://token.actions.githubusercontent.com/*',
].map((issuer) => new RegExp(`^${issuer.split('*').map(literal).join('[-_a-zA-Z0-9]+')}$`));

/** Whether the public instance's Fulcio issues certificates carrying this issuer. */
export function issuedByPublicInstance(issuer: string): boolean {
  return PUBLIC_FULCIO_ISSUERS.includes(issuer) || PUBLIC_FULCIO_META_ISSUERS.some((meta) => meta.test(issuer));
}

/**
 * Why a signer trusting the public instance can never verify a signature with this issuer, or undefined: the public
 * Fulcio issues certificates for its configured issuers only, so any other (`https://www.accounts.google.com`) matches
 * no certificate. A warning, not a refusal: the public configuration grows upstream, after the release read here.
 */
export function publicInstanceIssuerProblem(issuer: string): string | undefined {
  if (issuedByPublicInstance(issuer)) return undefined;
  const closest = closestMatch(issuer, PUBLIC_FULCIO_ISSUERS);
  return (
    'is none of the issuers the public Sigstore instance certifies (Fulcio v1.8.8), so no signature of that instance can match it' +
    (closest === undefined ? '' : ` (did you mean ${closest}?)`) +
    '; if it is an identity provider of your own, give the signer its private trust root (trustRoot, docs/private-sigstore.md)'
  );
}

/**
 * Why an issuer is a known issuer misspelled, or undefined: a trailing slash, upper case, a default port — the
 * certificate carries the exact URL and every engine compares it as a string, so such an issuer matches no
 * certificate. A GitHub Enterprise issuer (`https://token.actions.githubusercontent.com/<enterprise>`, Fulcio's
 * meta-issuer) is accepted when its slug has the characters the meta-issuer matches.
 */
export function issuerSpellingProblem(issuer: string): string | undefined {
  const form = issuerUrlProblem(issuer);
  if (form) return form;
  const normalized = issuer
    .replace(/^https:\/\/([^/]+)/i, (_, host: string) => `https://${host.toLowerCase().replace(/:443$/, '')}`)
    .replace(/\/+$/, '');
  const federated = FEDERATING_ISSUERS[normalized];
  if (federated !== undefined) {
    return `is a login service no certificate names: certificates carry the issuer of the login it federates, one of ${federated.join(', ')}`;
  }
  const known = KNOWN_ISSUERS.find(({ url }) => url === normalized);
  if (known !== undefined && known.url !== issuer) {
    return `is not the ${known.name} issuer as its certificates carry it, exactly: did you mean ${known.url}?`;
  }
  const enterprise = `${GITHUB_ACTIONS.url}/`;
  if (normalized.startsWith(enterprise) && !/^[-_a-zA-Z0-9]+$/.test(issuer.slice(enterprise.length))) {
    return `is not an issuer Fulcio accepts: GitHub Actions is ${GITHUB_ACTIONS.url}, or ${enterprise}<enterprise> (letters, digits, '-', '_')`;
  }
  return undefined;
}

/**
 * Why an issuer is no URL a certificate can carry, whoever the issuer, or undefined: certificates name an issuer by
 * the URL its OpenID configuration gives, in ASCII (a host beyond ASCII in its punycode form), without credentials
 * or fragment; `https://token.actions.githubusercontent.com#` or a Cyrillic `о` in a host match no certificate.
 */
function issuerUrlProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not a URL: write https://<host>[/<path>], the issuer as its certificates carry it';
  }
  if (!isPrintableAscii(issuer)) {
    return `has characters beyond ASCII, which no certificate's issuer has: write its host in punycode (https://${url.host}${url.pathname === '/' ? '' : url.pathname}) if you mean that host`;
  }
  if (url.username !== '' || url.password !== '') return 'carries credentials (<user>@): no certificate names its issuer so';
  if (url.hash !== '' || issuer.includes('#')) return 'has a fragment (#…): no certificate names its issuer so';
  return undefined;
}

/**
 * Why a subject no certificate can carry for its characters, or undefined: a URI or e-mail subject alternative name is
 * an IA5String, ASCII only (RFC 5280 section 4.2.1.6, GeneralName), so `https://gіthub.com/…` with a Cyrillic `і`, under
 * any issuer, matches nothing. A host beyond ASCII is written in punycode there.
 */
export function subjectCharacterProblem(subject: string): string | undefined {
  if (isPrintableAscii(subject) || !(/^[a-z][a-z0-9+.-]*:\/\//i.test(subject) || subject.includes('@'))) return undefined;
  return 'has characters beyond ASCII, which no certificate subject (a URI or e-mail address, ASCII only) has: write a host beyond ASCII in punycode';
}

/** The known issuer of this exact URL, if any. */
export function knownIssuer(issuer: string): KnownIssuer | undefined {
  return KNOWN_ISSUERS.find(({ url }) => url === issuer);
}

/** A value some glob is matched against: its grammar, its form, and what it is, for messages. */
export interface MatchedValue {
  readonly san: SanGrammar;
  readonly form: string;
  /** e.g. "a GitHub Actions certificate's subject". */
  readonly what: string;
}

/** What a signer subject is matched against, for a known issuer; undefined for another issuer. */
export function certificateSubject(issuer: string): (MatchedValue & { readonly issuer: KnownIssuer }) | undefined {
  const known = knownIssuer(issuer);
  return known && { san: known.san, form: known.subjectForm, what: `a ${known.name} certificate's subject`, issuer: known };
}

/**
 * Why no value of `matched` can match the glob, or undefined. Without a `*` the glob must be a whole value; with
 * one, the text before its first `*` must start one (a `*` stands for anything after it); an e-mail issuer's
 * wildcard stands in the account name, before the domain.
 */
export function matchedValueProblem(
  glob: string,
  matched: MatchedValue & { readonly issuer?: KnownIssuer },
): { readonly message: string; readonly repairable: boolean } | undefined {
  const { prefix, exact } = literalPrefix(glob, false);
  const never = (why: string) => ({
    message: `can never match ${matched.what}, which has the form ${matched.form}${why}`,
    repairable: true,
  });
  if (exact ? !matched.san.whole.test(glob) : !matched.san.start.test(prefix))
    return never(exact ? '' : `, and none starts with "${prefix}"`);
  if (exact || !matched.issuer?.email) return undefined;
  // An e-mail glob's `*` stands in the account name: what follows its last `@` must be the domain, whole.
  const domain = glob.slice(glob.lastIndexOf('@') + 1);
  if (!glob.includes('@') || !/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(domain)) return never(': write the domain after "@"');
  return undefined;
}

/**
 * Why a glob can match the SAN of more than one tenant of its issuer, or undefined: for an issuer whose SANs name
 * the tenant past the first path segment (CircleCI's project), the text before the first `*` must include it.
 */
export function tenantProblem(glob: string, issuer: KnownIssuer | undefined): string | undefined {
  const { prefix, exact } = literalPrefix(glob, false);
  if (exact || issuer?.tenant === undefined || issuer.tenant.prefix.test(prefix)) return undefined;
  return `matches more than one ${issuer.name} tenant: the part before the first wildcard must start with "${issuer.tenant.form}"`;
}

/**
 * Why an e-mail glob trusts anyone, or undefined: a wildcard account on a consumer mail domain
 * ({@link PUBLIC_MAIL_DOMAINS}), which anyone can open, whichever issuer vouches for the address.
 */
export function publicMailboxProblem(glob: string): string | undefined {
  const at = glob.lastIndexOf('@');
  if (at < 0 || !glob.slice(0, at).includes('*')) return undefined;
  const domain = glob.slice(at + 1).toLowerCase();
  if (!PUBLIC_MAIL_DOMAINS.includes(domain)) return undefined;
  return `trusts every account with an address at ${domain}, which anyone can open: name the account (<name>@${domain}) or use your own domain`;
}

/**
 * Candidate repairs of a glob that can never match, in the order they are offered: its scheme https and its host
 * in lower case without `www.`, the owner or project whole (`<glob>/*`), any ref of a workflow file (`<glob>@*`), every address of a domain
 * (`*@<glob>`), the glob without its trailing `/` and `*`, and the longest start of a value the glob has, then `*`. A caller offers the first that passes every check of its field.
 */
export function matchedValueRepairs(glob: string, matched: MatchedValue): string[] {
  const { prefix } = literalPrefix(glob, false);
  const bare = prefix.replace(/\/+$/, '');
  let longest = prefix;
  while (longest !== '' && !matched.san.start.test(longest)) longest = longest.slice(0, -1);
  // Every URL form known here is https, on a host without `www.`, in lower case.
  const httpsHost = glob.replace(/^[a-z][a-z0-9+.-]*:\/\/(?:www\.)?([^/]+)/i, (_, host: string) => `https://${host.toLowerCase()}`);
  return [httpsHost, `${bare}/*`, `${bare}@*`, ...(/[@/]/.test(bare) ? [] : [`*@${bare}`]), bare, `${longest}*`];
}
