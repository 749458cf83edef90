import { INPUT_FIELD, formatFieldPath, type FieldPath } from '../model/field-path';
import { wildcardCountProblem } from '../model/glob';
import { httpsUrlProblem } from '../model/https-url';
import { TEMPLATE_SYNTAX_PROBLEM, hasTemplateSyntax, issuerBreadth, subjectBreadth } from '../model/identity';
import {
  GITHUB_ACTIONS,
  GITHUB_REPOSITORY_URL,
  certificateSubject,
  issuerSpellingProblem,
  matchedValueProblem,
  matchedValueRepairs,
  publicMailboxProblem,
  subjectCharacterProblem,
  tenantProblem,
  type KnownIssuer,
  type MatchedValue,
} from '../model/oidc-issuers';
import type { IndexedProblem } from './delivery-checks';
import type { EnvironmentProblem } from './guardrail-checks';
import type { RawEnvironment, RawSigner } from './raw-environment';

// Checks of the config's identities — who may sign (signer, provenance.signer, delivery.signer) and the provenance
// allow-lists: one exact issuer, spelled as certificates carry it; a subject that pins one owner and that a
// certificate of its issuer can carry (src/model/oidc-issuers.ts); one spelling per GitHub owner across the config.

/**
 * Problems of a signer: template syntax, an issuer glob, an issuer no certificate carries or a known issuer
 * misspelled, a Rekor URL that is not a plain https URL, a subject matching more than one owner (`consequence` says
 * what that allows), a subject no certificate (of its issuer) can carry, a wildcard mailbox anyone can open, more `*`
 * than Kyverno's matcher handles.
 */
export function signerProblems(path: FieldPath, signer: RawSigner, consequence: string): EnvironmentProblem[] {
  const at = (part: string, message: string): EnvironmentProblem => ({ field: [...path, part], message });
  const template = (['issuer', 'subject', 'rekorUrl'] as const).filter((part) => {
    const value = signer[part];
    return value !== undefined && hasTemplateSyntax(value);
  });
  if (template.length > 0) return template.map((part) => at(part, `"${signer[part]}" ${TEMPLATE_SYNTAX_PROBLEM}`));
  const problems: EnvironmentProblem[] = [];
  const issuer = issuerBreadth(signer.issuer, false) ?? issuerSpellingProblem(signer.issuer);
  if (issuer) problems.push(at('issuer', `"${signer.issuer}" ${issuer}`));
  // The public Rekor log's address (or a proxy's) is written into every policy, and published with it.
  const rekorUrl = signer.rekorUrl === undefined ? undefined : httpsUrlProblem(signer.rekorUrl);
  if (rekorUrl) problems.push(at('rekorUrl', rekorUrl));
  // The subject's first problem: one owner; a value a certificate can hold at all; not a mailbox anyone can open,
  // whichever issuer (known or not) vouches for it; the form of its issuer's certificates; few enough `*`.
  const certificate = certificateSubject(signer.issuer);
  const breadth = subjectBreadth(signer.subject, false) ?? tenantProblem(signer.subject, certificate?.issuer);
  const subject = breadth
    ? `${breadth}: ${consequence}`
    : (subjectCharacterProblem(signer.subject) ??
      publicMailboxProblem(signer.subject) ??
      (certificate && valueProblem(signer.subject, certificate)) ??
      wildcardCountProblem(signer.subject));
  if (subject) problems.push(at('subject', `"${signer.subject}" ${subject}`));
  return problems;
}

/** Why a glob can never match `matched`, with a did-you-mean that pins one owner and can match; or undefined. */
function valueProblem(glob: string, matched: MatchedValue & { readonly issuer?: KnownIssuer }): string | undefined {
  const problem = matchedValueProblem(glob, matched);
  if (problem === undefined) return undefined;
  const passes = (candidate: string) =>
    candidate !== glob &&
    subjectBreadth(candidate, false) === undefined &&
    tenantProblem(candidate, matched.issuer) === undefined &&
    publicMailboxProblem(candidate) === undefined &&
    wildcardCountProblem(candidate) === undefined &&
    matchedValueProblem(candidate, matched) === undefined;
  const repair = problem.repairable ? matchedValueRepairs(glob, matched).find(passes) : undefined;
  return repair === undefined ? problem.message : `${problem.message}: did you mean ${repair}?`;
}

/** What GitHub's build provenance (actions/attest-build-provenance) writes in the fields the allow-lists match. */
const GITHUB_PROVENANCE: Record<'builderIds' | 'sourceRepositories', MatchedValue> = {
  // runDetails.builder.id: `github.server_url` + `job_workflow_ref`, the signing workflow's identity.
  builderIds: { san: GITHUB_ACTIONS.san, form: GITHUB_ACTIONS.subjectForm, what: "a GitHub build provenance's builder id" },
  sourceRepositories: {
    san: GITHUB_REPOSITORY_URL.san,
    form: GITHUB_REPOSITORY_URL.form,
    what: "a GitHub build provenance's source repository",
  },
};

/**
 * A glob naming github.com however spelled (`http://`, `https://GitHub.com/`, `https://www.github.com/`): GitHub's build
 * provenance writes `https://github.com/` only, so each of those spellings is judged against what it writes, and matches nothing.
 */
const NAMES_GITHUB = /^[a-z][a-z0-9+.-]*:\/\/(?:www\.)?github\.com(?::[0-9]*)?\//i;

/** Every identity problem of one environment: its signers and its provenance allow-lists. */
export function identityProblems(env: RawEnvironment): EnvironmentProblem[] {
  const signers: [FieldPath, RawSigner | undefined][] = [
    [['signer'], env.signer],
    [['provenance', 'signer'], env.provenance?.signer],
  ];
  const problems = signers.flatMap(([path, signer]) =>
    signer ? signerProblems(path, signer, 'anyone who can run a workflow there could sign') : [],
  );
  // Provenance allow-lists are matched against signed predicate fields: each glob must still pin one owner, and
  // one on github.com must be able to match what GitHub's build provenance writes there.
  for (const field of ['builderIds', 'sourceRepositories'] as const) {
    (env.provenance?.[field] ?? []).forEach((glob, j) => {
      const breadth = subjectBreadth(glob, false);
      const shape = NAMES_GITHUB.test(glob) ? valueProblem(glob, GITHUB_PROVENANCE[field]) : undefined;
      const message = hasTemplateSyntax(glob)
        ? TEMPLATE_SYNTAX_PROBLEM
        : breadth
          ? `${breadth}: any builder or repository of that forge would be accepted`
          : (shape ?? wildcardCountProblem(glob));
      if (message) problems.push({ field: ['provenance', field, j], message: `"${glob}" ${message}` });
    });
  }
  return [...problems, ...provenanceDefaultProblems(env)];
}

/**
 * require-provenance-attestation's defaults (builder: the provenance signer's subject; source repository: the
 * signer's subject up to `/.github/workflows/`) are what GitHub's build provenance writes. Under another known
 * issuer they match nothing, so the allow-lists must be named.
 */
function provenanceDefaultProblems(env: RawEnvironment): EnvironmentProblem[] {
  if (!env.policies['require-provenance-attestation']) return [];
  const signers = [env.provenance?.signer ?? env.signer, env.signer];
  const other = signers.map((signer) => certificateSubject(signer.issuer)?.issuer).find((known) => known && known !== GITHUB_ACTIONS);
  const missing = (['builderIds', 'sourceRepositories'] as const).filter((field) => env.provenance?.[field] === undefined);
  if (other === undefined || missing.length === 0) return [];
  return [
    {
      field: ['policies', 'require-provenance-attestation'],
      message:
        `takes the defaults of provenance.${missing.join(' and provenance.')} from the signer's subject, as GitHub's build provenance ` +
        `writes them; a ${other.name} signer's provenance names its builder and repository otherwise, so the defaults would match nothing: set ${missing.map((field) => `provenance.${field}`).join(' and ')}`,
    },
  ];
}

/** Where a GitHub owner is written in the config: `https://github.com/<owner>/…`, the owner whole and literal. */
const GITHUB_OWNER_IN_URL = /^https:\/\/github\.com\/([^/*]+)\//;

/**
 * Across the config: every identity naming a GitHub owner spells it one way. GitHub writes an owner in
 * certificates (`job_workflow_ref`) and build provenance as the owner spells its name — `Acme` stays `Acme` —
 * while ghcr.io lower-cases it (image references are lower case), and the engines compare identities as strings.
 * Two spellings of one owner in identities mean one of them matches nothing; image patterns and the delivery
 * repository, always lower case, are not compared.
 */
export function ownerSpellingProblems(environments: readonly RawEnvironment[]): IndexedProblem[] {
  const first = new Map<string, { spelling: string; where: string }>();
  const problems: IndexedProblem[] = [];
  environments.forEach((env, index) => {
    const identities: [FieldPath, string | undefined][] = [
      [['signer', 'subject'], env.signer.subject],
      [['provenance', 'signer', 'subject'], env.provenance?.signer?.subject],
      ...(env.provenance?.builderIds ?? []).map((glob, j): [FieldPath, string] => [['provenance', 'builderIds', j], glob]),
      ...(env.provenance?.sourceRepositories ?? []).map((glob, j): [FieldPath, string] => [['provenance', 'sourceRepositories', j], glob]),
      [['delivery', 'signer', 'subject'], env.delivery?.signer?.subject],
    ];
    for (const [field, value] of identities) {
      const owner = value === undefined ? undefined : GITHUB_OWNER_IN_URL.exec(value)?.[1];
      if (owner === undefined) continue;
      const seen = first.get(owner.toLowerCase());
      if (seen === undefined) {
        first.set(owner.toLowerCase(), { spelling: owner, where: `environment "${env.name}" ${formatFieldPath(field, INPUT_FIELD)}` });
      } else if (seen.spelling !== owner) {
        problems.push({
          index,
          field,
          message:
            `spells the GitHub owner "${owner}", ${seen.where} spells it "${seen.spelling}": certificates and build provenance carry ` +
            'an owner exactly as GitHub spells its name, so one of the two matches nothing; write the owner as GitHub shows it, in both',
        });
      }
    }
  });
  return problems;
}
