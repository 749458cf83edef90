import { gitBranchProblem } from '../model/git-ref';
import { TEMPLATE_SYNTAX_PROBLEM, hasTemplateSyntax } from '../model/identity';
import { isPrintableAscii } from '../model/printable-ascii';
import type { EnvironmentProblem } from './guardrail-checks';
import type { RawEnvironment } from './raw-environment';

// Checks of the Git source an environment emits (flux.gitRepository): the repository every policy of the cluster
// comes from. What it names is written into dist/ and pulled by the cluster's source-controller, so the URL must
// reach that repository authenticated and carry no secret, and the branch must be one Git can have.

/** Every problem of the environment's emitted GitRepository (empty when it emits none). */
export function gitSourceProblems(env: RawEnvironment): EnvironmentProblem[] {
  const repository = env.flux?.gitRepository;
  if (repository === undefined) return [];
  const problems: EnvironmentProblem[] = [];
  const url = gitUrlProblem(repository.url);
  if (url) problems.push({ field: ['flux', 'gitRepository', 'url'], message: `"${repository.url}" ${url}` });
  if (repository.branch !== undefined) {
    const branch = hasTemplateSyntax(repository.branch) ? TEMPLATE_SYNTAX_PROBLEM : gitBranchProblem(repository.branch);
    if (branch) problems.push({ field: ['flux', 'gitRepository', 'branch'], message: `"${repository.branch}" ${branch}` });
  }
  return problems;
}

/**
 * Why a clone URL would not bring the policies from that repository safely, or undefined. source-controller v1.9.1
 * clones http:// too, and sends a Secret's credentials over it (internal/controller/gitrepository_controller.go,
 * WithInsecureCredentialsOverHTTP): whoever sits on the path could serve other policies. Credentials in the URL are
 * committed to dist/ and published with it; secretRef names a Secret instead.
 */
function gitUrlProblem(value: string): string | undefined {
  if (hasTemplateSyntax(value)) return TEMPLATE_SYNTAX_PROBLEM;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL: write https://<host>/<repository> or ssh://git@<host>/<repository>';
  }
  if (!isPrintableAscii(value))
    return `has a space or a character beyond ASCII: write the URL in ASCII, a host beyond it in punycode (${url.host})`;
  if (url.protocol === 'http:') {
    return `is plain http: the cluster would fetch its policies unauthenticated, and anyone on the path could serve others; use https://${value.slice('http://'.length)} or ssh://`;
  }
  if (url.password !== '' || (url.protocol === 'https:' && url.username !== '')) {
    return 'carries credentials, which would be committed and published with the policies: put them in the Secret flux.gitRepository.secretRef names';
  }
  if (url.search !== '' || url.hash !== '' || value.includes('#')) return "has a query or fragment: write the repository's clone URL";
  return undefined;
}
