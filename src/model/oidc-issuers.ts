// The OIDC issuers whose certificates this product knows the shape of: for each, the exact issuer URL Fulcio
// writes into a certificate, and the subject alternative name (SAN) it gives the certificate, which is what a
// signer's `subject` glob is matched against (exactly, as a string). Read in sigstore/fulcio at v1.8.8:
// - issuers: `config/identity/config.yaml:21-126` (`oidc-issuers`), the GitHub Actions meta-issuer at :160-163,
//   and how a meta-issuer's `*` matches (`pkg/config/config.go:152-161`: one or more of `[-_a-zA-Z0-9]`);
// - SANs: `config/identity/config.yaml:164-296` (`subject-alternative-name-template` per CI provider) and
//   `docs/oidc.md:132-140, 184-239, 315-327`; an e-mail issuer's SAN is the address (`pkg/identity/email/principal.go:73-74`).
// Another issuer keeps the generic checks (one exact issuer, a subject that pins its owner).

import { literalPrefix } from './identity';

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
  /** For an e-mail issuer: domains where anyone can open an account, so a wildcard account there trusts anyone. */
  readonly publicMailDomains?: readonly string[];
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

/** The issuers whose subjects are checked, by issuer URL. */
export const KNOWN_ISSUERS: readonly KnownIssuer[] = [
  GITHUB_ACTIONS,
  {
    // `https://` + the `ci_config_ref_uri` claim (config.yaml:55-61, 251; docs/oidc.md:216-239):
    // `gitlab.com/<group>[/<subgroup>…]/<project>//<config file>@<ref>`.
    name: 'GitLab',
    url: 'https://gitlab.com',
    subjectForm: 'https://gitlab.com/<group>/<project>//<pipeline file>@<ref>',
    san: grammar(
      text('https://gitlab.com/'),
      { whole: '[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+', start: '(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]*' },
      text('//'),
      run('[^@]'),
      text('@'),
      run('.'),
    ),
  },
  {
    // `{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}` with url https://buildkite.com (config.yaml:28-34, 284-296; docs/oidc.md:315-327).
    name: 'Buildkite',
    url: 'https://agent.buildkite.com',
    subjectForm: 'https://buildkite.com/<organization>/<pipeline>',
    san: grammar(text('https://buildkite.com/'), run('[A-Za-z0-9_-]'), text('/'), run('[A-Za-z0-9_-]')),
  },
  {
    // An e-mail issuer: the SAN is the account's verified address (config.yaml:22-27; docs/oidc.md:132-140, 184-195).
    name: 'Google',
    url: 'https://accounts.google.com',
    subjectForm: 'the account e-mail address, <name>@<domain> (*@<your domain> for every account of your domain)',
    san: grammar(run("[A-Za-z0-9.!#$%&'*+=?^_`{|}~/-]"), text('@'), {
      whole: '[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+',
      start: '(?:[A-Za-z0-9-]+\\.)*[A-Za-z0-9-]*',
    }),
    // Google's own consumer domains: anyone can open an account there, so a wildcard before them trusts anyone.
    publicMailDomains: ['gmail.com', 'googlemail.com'],
  },
];

/**
 * Why an issuer is a known issuer misspelled, or undefined: a trailing slash, upper case, a default port — the
 * certificate carries the exact URL and every engine compares it as a string, so such an issuer matches no
 * certificate. A GitHub Enterprise issuer (`https://token.actions.githubusercontent.com/<enterprise>`, Fulcio's
 * meta-issuer) is accepted when its slug has the characters the meta-issuer matches.
 */
export function issuerSpellingProblem(issuer: string): string | undefined {
  const normalized = issuer
    .replace(/^https:\/\/([^/]+)/i, (_, host: string) => `https://${host.toLowerCase().replace(/:443$/, '')}`)
    .replace(/\/+$/, '');
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
 * one, the text before its first `*` must start one (a `*` stands for anything after it). An e-mail issuer's
 * wildcard account on a public mail domain matches, but anyone can open such an account.
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
  const mail = matched.issuer?.publicMailDomains;
  if (exact || mail === undefined) return undefined;
  // An e-mail glob's `*` stands in the account name: what follows its last `@` must be the domain, whole.
  const domain = glob.slice(glob.lastIndexOf('@') + 1);
  if (!glob.includes('@') || !/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(domain)) return never(': write the domain after "@"');
  if (mail.includes(domain.toLowerCase())) {
    return {
      message: `trusts every ${matched.issuer!.name} account with a ${domain} address, which anyone can open: name the account (<name>@${domain}) or use your own domain`,
      repairable: false,
    };
  }
  return undefined;
}

/**
 * Candidate repairs of a glob that can never match, in the order they are offered: its scheme and host in lower
 * case, the owner or project whole (`<glob>/*`), any ref of a workflow file (`<glob>@*`), every address of a domain
 * (`*@<glob>`), the glob without its trailing `/` and `*`, and the longest start of a value the glob has, then `*`. A caller offers the first that passes every check of its field.
 */
export function matchedValueRepairs(glob: string, matched: MatchedValue): string[] {
  const { prefix } = literalPrefix(glob, false);
  const bare = prefix.replace(/\/+$/, '');
  let longest = prefix;
  while (longest !== '' && !matched.san.start.test(longest)) longest = longest.slice(0, -1);
  const lowerCaseHost = glob.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, (schemeAndHost) => schemeAndHost.toLowerCase());
  return [lowerCaseHost, `${bare}/*`, `${bare}@*`, ...(/[@/]/.test(bare) ? [] : [`*@${bare}`]), bare, `${longest}*`];
}
