// Branch names as Git allows them (git-check-ref-format(1), "Git imposes the following rules on how references are
// named"): a branch the config names that Git could never create is one no push ever updates, so the source or the
// publishing workflow that follows it never moves.

/**
 * Why `branch` is not a branch name Git accepts, or undefined; the message follows the quoted branch. A full reference
 * (`refs/heads/main`) is refused too: Git would read it as a branch named so, under `refs/heads/refs/heads/`.
 */
export function gitBranchProblem(branch: string): string | undefined {
  const why = refNameViolation(branch);
  if (why === undefined && branch.startsWith('refs/')) {
    return `is a full reference, not a branch name: name the branch alone (${branch.replace(/^refs\/(heads\/)?/, '')})`;
  }
  return why === undefined ? undefined : `is not a branch name Git accepts: ${why}`;
}

/** The first rule of git-check-ref-format(1) that `name` breaks, in its words, or undefined. */
function refNameViolation(name: string): string | undefined {
  if (name === '' || name === '@') return 'it is empty or "@"';
  // Rules 4, 5 and 10: space, ~ ^ : ? * [ and backslash (control characters never reach here: the config refuses them).
  const character = /[\s~^:?*[\\]/.exec(name);
  if (character) return `it holds ${JSON.stringify(character[0])}, which no reference may (space, ~ ^ : ? * [ \\)`;
  if (name.includes('..')) return 'it holds "..", which no reference may';
  if (name.includes('@{')) return 'it holds "@{", which no reference may';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it begins or ends with "/" or holds "//"';
  if (name.endsWith('.')) return 'it ends with "."';
  const component = name.split('/').find((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (component !== undefined) return `its component "${component}" begins with "." or ends with ".lock"`;
  return undefined;
}
