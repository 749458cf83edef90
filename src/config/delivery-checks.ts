import { DIGEST_SYNTAX, isDigest, placeholderDigestProblem } from '../model/digest';
import {
  GITHUB_ACTIONS_ISSUER,
  PUBLISHING_REGISTRY,
  UNPUBLISHED_REMEDY,
  WORKFLOW_IDENTITY_SYNTAX,
  parseWorkflowIdentity,
  workflowPath,
} from '../model/delivery';
import type { FieldPath } from '../model/field-path';
import { gitBranchProblem } from '../model/git-ref';
import { issuerSpellingProblem } from '../model/oidc-issuers';
import { TEMPLATE_SYNTAX_PROBLEM, hasTemplateSyntax, issuerBreadth, subjectBreadth } from '../model/identity';
import type { EnvironmentProblem } from './guardrail-checks';
import type { RawEnvironment } from './raw-environment';

// Checks of `delivery`: an OCI-delivered environment must name one artifact reference and one publishing
// identity that pins a repository, a workflow file and a branch. The identity goes through the same breadth
// predicates as the image signers first, so an over-broad one is refused with the same words.

const OCI_ONLY_FIELDS = ['repository', 'tag', 'digest', 'published', 'signer', 'interval', 'trustedRootSecret', 'pullSecret'] as const;

/** Every problem of one environment's `delivery` (empty when there is none, or when it is Git). */
export function deliveryProblems(env: RawEnvironment): EnvironmentProblem[] {
  const delivery = env.delivery;
  if (delivery === undefined) return [];
  const at = (field: string, message: string): EnvironmentProblem => ({ field: ['delivery', field], message });
  if (delivery.mode !== 'oci') {
    return OCI_ONLY_FIELDS.filter((field) => delivery[field] !== undefined).map((field) =>
      at(field, 'applies to mode oci only: Git delivery reads dist/ from the watched repository'),
    );
  }
  const missing = (['repository', 'signer'] as const).filter((field) => delivery[field] === undefined);
  if (missing.length > 0)
    return missing.map((field) => ({ field: ['delivery'], message: `missing required field "${field}" for mode oci` }));
  const problems: EnvironmentProblem[] = [];
  const unpublished = delivery.published === false;
  const references = [delivery.tag, delivery.digest].filter((ref) => ref !== undefined).length + (unpublished ? 1 : 0);
  if (references !== 1) {
    problems.push({
      field: ['delivery'],
      message:
        'must name exactly one of tag (follow what the publishing workflow pushes), digest (run one promoted artifact) ' +
        'and published: false (no artifact promoted to it yet)',
    });
  }
  if (delivery.digest !== undefined) {
    const problem = isDigest(delivery.digest)
      ? placeholderDigestProblem(delivery.digest, UNPUBLISHED_REMEDY)
      : `is malformed: write ${DIGEST_SYNTAX}`;
    if (problem) problems.push(at('digest', `"${delivery.digest}" ${problem}`));
  }
  problems.push(...publisherProblems(env));
  return problems;
}

function publisherProblems(env: RawEnvironment): EnvironmentProblem[] {
  const delivery = env.delivery!;
  const signer = delivery.signer;
  if (signer === undefined || delivery.repository === undefined) return [];
  const path: FieldPath = ['delivery', 'signer'];
  const template = (['issuer', 'subject'] as const).filter((part) => hasTemplateSyntax(signer[part]));
  if (template.length > 0)
    return template.map((part) => ({ field: [...path, part], message: `"${signer[part]}" ${TEMPLATE_SYNTAX_PROBLEM}` }));
  const breadth = subjectBreadth(signer.subject, false);
  if (breadth)
    return [
      {
        field: [...path, 'subject'],
        message: `"${signer.subject}" ${breadth}: anyone who can run a workflow there could publish this environment's policies`,
      },
    ];
  const problems: EnvironmentProblem[] = [];
  const issuer = issuerBreadth(signer.issuer, false) ?? issuerSpellingProblem(signer.issuer);
  if (issuer) problems.push({ field: [...path, 'issuer'], message: `"${signer.issuer}" ${issuer}` });
  else if (signer.issuer !== GITHUB_ACTIONS_ISSUER) {
    problems.push({
      field: [...path, 'issuer'],
      message: `must be ${GITHUB_ACTIONS_ISSUER}: the publishing workflow synth writes runs on GitHub Actions`,
    });
  }
  const workflow = parseWorkflowIdentity(signer.subject);
  if (!workflow) {
    problems.push({
      field: [...path, 'subject'],
      message: `"${signer.subject}" does not pin one repository, one workflow and one branch: write ${WORKFLOW_IDENTITY_SYNTAX}`,
    });
    return problems;
  }
  // The workflow runs on pushes to its branch: one Git could never have is never pushed to.
  const branch = gitBranchProblem(workflow.branch);
  if (branch)
    problems.push({ field: [...path, 'subject'], message: `"${signer.subject}" names the branch "${workflow.branch}", which ${branch}` });
  // A workflow's GITHUB_TOKEN can push only to its own owner's packages on ghcr.io.
  const [host, owner] = delivery.repository.split('/');
  const workflowOwner = workflow.repository.split('/')[0].toLowerCase();
  if (host !== PUBLISHING_REGISTRY || owner !== workflowOwner) {
    problems.push({
      field: ['delivery', 'repository'],
      message: `"${delivery.repository}" must be on ${PUBLISHING_REGISTRY}/${workflowOwner}/: the workflow at ${workflowPath(workflow)} pushes with its own GITHUB_TOKEN, which writes only its owner's packages`,
    });
  }
  return problems;
}

/** A problem of one environment among several, by its index in the config. */
export interface IndexedProblem extends EnvironmentProblem {
  readonly index: number;
}

/**
 * Across environments: the workflows are written into this one repository, so every publishing identity must
 * name the same repository, and one workflow file runs on one branch.
 */
export function publishingConsistencyProblems(environments: readonly RawEnvironment[]): IndexedProblem[] {
  const problems: IndexedProblem[] = [];
  let first: { repository: string; name: string } | undefined;
  const branchOfFile = new Map<string, { branch: string; name: string }>();
  environments.forEach((env, index) => {
    const subject = env.delivery?.mode === 'oci' ? env.delivery.signer?.subject : undefined;
    const workflow = subject === undefined ? undefined : parseWorkflowIdentity(subject);
    if (!workflow) return;
    const field: FieldPath = ['delivery', 'signer', 'subject'];
    first ??= { repository: workflow.repository, name: env.name };
    if (workflow.repository !== first.repository) {
      problems.push({
        index,
        field,
        message: `names repository ${workflow.repository}, environment "${first.name}" names ${first.repository}: synth writes the publishing workflows into one repository, so they must name the same`,
      });
      return;
    }
    const other = branchOfFile.get(workflow.file);
    if (other && other.branch !== workflow.branch) {
      problems.push({
        index,
        field,
        message: `runs ${workflowPath(workflow)} on branch ${workflow.branch}, environment "${other.name}" on ${other.branch}: one workflow file publishes from one branch`,
      });
    } else {
      branchOfFile.set(workflow.file, { branch: workflow.branch, name: env.name });
    }
  });
  return problems;
}
