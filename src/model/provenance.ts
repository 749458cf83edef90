/** Where a GitHub Actions workflow identity (`https://github.com/<owner>/<repo>/.github/workflows/<file>@<ref>`) names its workflow. */
const GITHUB_WORKFLOW_PATH = '/.github/workflows/';

/**
 * The source-repository glob a signer subject glob implies: the part before `/.github/workflows/`, so
 * `https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*` gives `https://github.com/acme/app`
 * and a subject without a workflow path (`https://github.com/acme/*`) is kept whole. For GitHub-produced
 * provenance the result is compared with `buildDefinition.externalParameters.workflow.repository`, which is
 * `https://github.com/<owner>/<repo>` (no `.git`, no trailing slash).
 */
export function sourceRepositoryGlob(subjectGlob: string): string {
  const workflowPath = subjectGlob.indexOf(GITHUB_WORKFLOW_PATH);
  return workflowPath === -1 ? subjectGlob : subjectGlob.slice(0, workflowPath);
}
