import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { ConfigError, parseConfig } from '../config/load';
import { UserError } from '../errors';
import { diffEntryPoints, isEntryPointLocation, readClusterFiles } from '../output/entry-points';
import { OutputGuardError } from '../output/guards';
import { describeHandEdits, findHandEdits } from '../output/hand-edits';
import { readCommittedOutput } from '../output/committed';
import { CLUSTERS_DIR, isGenerated, WORKFLOWS_DIR, type FileTree } from '../model/layout';
import { git, readBlobs } from '../output/git';
import { gitConfigFiles } from '../output/git-config-files';
import { withManifest } from '../output/ownership';
import { ACCEPT_COMMAND, describeLockDiff, diffLock, isLockCurrent, lockTree } from '../output/policy-lock';
import { diffTrees } from '../output/write';
import { formatFinding, ValidationError } from '../validate';
import type { Output } from './output';
import { generatedFilesBeside } from '../synthesize';
import { describeDiff, synthesizeValidated } from './synth';
import { commitWarnings } from './warnings';

/**
 * The config schema, at the repository root. Synth validates with the schema it was built from, the working
 * tree's: an unstaged change to it is reported, so the schema checked is the staged one.
 */
const SCHEMA_FILE = 'environments.schema.json';

/** Repository-relative, `/`-separated paths of what the check reads. */
interface CheckedPaths {
  readonly config: string;
  readonly schema: string;
  readonly dist: string;
  readonly clusters: string;
  /** `.github/workflows` beside them: the publishing workflows. */
  readonly workflows: string;
  /** The policy lock directory. */
  readonly lock: string;
  /** The directory holding dist/ and clusters/ ('.' at the top). */
  readonly parent: string;
}

/**
 * `check --staged`: what the pre-commit hook runs. Reads the config, and the files it names (a trust root's
 * certificates and keys), from the git index, synthesizes it, and
 * compares the result with the `dist/` files, entry points and policy lock in the index, so it judges the commit
 * being made, not the working tree. Fails (1) with one message per problem, each naming what to do:
 * - the staged config is invalid (its errors, with lines of the staged version);
 * - the staged output differs from what the staged config synthesizes (the files);
 * - the staged policy lock differs from what the staged config renders (environment and policy); a repository
 *   with no lock in the index yet is not checked for it (the first `npm test` writes the lock);
 * - the config, a file it names, the schema, `dist/`, an entry point or the lock has changes that are not staged, so the commit
 *   would not hold what was checked (the files).
 * It warns, without failing, of what the commit weakens among the policies HEAD enforces (synth refused it unless
 * allowed) and of the risks synth warns about.
 */
export function checkStaged(configFile: string, outdir: string, lockDir: string, output: Output): number {
  const root = repositoryRoot(configFile);
  const paths = checkedPaths(root, configFile, outdir, lockDir);
  const index = stagedFiles(root, paths);
  const unmerged = index.filter((entry) => entry.stage !== 0).map((entry) => entry.path);
  if (unmerged.length > 0) {
    return report(output, [
      ['unmerged paths in the index:', ...new Set(unmerged), 'Resolve the merge, `git add` the result, and commit again.'],
    ]);
  }
  const config = index.find((entry) => entry.path === paths.config);
  if (config === undefined) {
    return report(output, [[`${paths.config} is not in the index: \`git add ${paths.config}\`, and commit again.`]]);
  }
  const [configText] = readBlobs(root, [config.id]);
  const staged = stagedOutput(root, paths, index);
  const locked = staged.lock.size > 0;
  // The files the config names (a trust root's certificates and keys) are read as staged, like the config.
  const configDirectory = posix.dirname(paths.config);
  const configFiles = gitConfigFiles(join(root, configDirectory), 'index');
  const namedFiles = () =>
    configFiles.asked.map(({ path, inTree }) => ({ path: posix.join(configDirectory, posix.normalize(path)), inTree }));
  const stageAll = () => {
    const workflows = touchesWorkflows(root, paths, expectedEntryPoints, staged.clusterFiles) ? [paths.workflows] : [];
    // `git add` refuses a path neither on disk nor in the index.
    const named = namedFiles().flatMap(({ path, inTree }) => (inTree || existsSync(join(root, path)) ? [path] : []));
    return `git add ${[paths.config, ...named, paths.dist, paths.clusters, ...workflows, ...(locked ? [paths.lock] : [])].join(' ')}`;
  };
  const problems: string[][] = [];
  let expectedEntryPoints: FileTree = new Map();
  let warnings: string[] = [];
  try {
    const environments = parseConfig(configText, paths.config, configFiles);
    const { synthesis } = synthesizeValidated(environments);
    expectedEntryPoints = generatedFilesBeside(synthesis);
    const committed = readCommittedOutput(outdir);
    warnings = commitWarnings(committed, join(root, paths.config), { tree: synthesis.tree, environments });
    const expectedOutput = withManifest(synthesis.tree);
    const outputDiff = diffTrees(expectedOutput, staged.dist);
    const handEdits = outputDiff.changed.length > 0 ? findHandEdits(outputDiff.changed, staged.dist, expectedOutput, committed) : [];
    const stale = [
      ...describeDiff(outputDiff, paths.dist),
      ...describeHandEdits(handEdits, paths.dist, false),
      ...describeDiff(diffEntryPoints(expectedEntryPoints, staged.clusterFiles), paths.parent),
    ];
    if (stale.length > 0) {
      problems.push([
        `the staged output is not what the staged ${paths.config} synthesizes:`,
        ...stale,
        `Run \`npm run synth\`, then \`${stageAll()}\`, and commit again.`,
      ]);
    }
    const lockDiff = diffLock(lockTree(environments, synthesis.tree), staged.lock);
    if (locked && !isLockCurrent(lockDiff)) {
      problems.push([
        `the staged policy lock is not what the staged ${paths.config} renders:`,
        ...describeLockDiff(lockDiff, paths.lock),
        `Review the changes, run \`${ACCEPT_COMMAND}\`, then \`git add ${paths.lock}\`, and commit again.`,
      ]);
    }
  } catch (error) {
    problems.push(invalidConfig(error, paths.config));
  }
  const unstaged = unstagedChanges(
    root,
    paths,
    expectedEntryPoints,
    staged.clusterFiles,
    namedFiles().map(({ path }) => path),
  );
  if (unstaged.length > 0) {
    problems.push([
      'changes not staged for commit, so the commit would not hold what was checked:',
      ...unstaged,
      `Stage them (\`${stageAll()}\`) or set them aside (\`git stash --keep-index\`), and commit again.`,
    ]);
  }
  for (const warning of warnings) output.out(`warning: ${warning}`);
  if (problems.length > 0) return report(output, problems);
  const workflows = [...expectedEntryPoints.keys()].some((path) => path.startsWith(`${WORKFLOWS_DIR}/`)) ? [`${paths.workflows}/`] : [];
  const parts = [`${paths.dist}/`, `${paths.clusters}/`, ...workflows, ...(locked ? [`${paths.lock}/`] : [])];
  const checked = `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  output.out(`the staged ${checked} are what the staged ${paths.config} synthesizes`);
  return 0;
}

/**
 * The staged files under `dist/` and under the lock directory (relative to each), and directly in the clusters'
 * directories (relative to the parent of `dist/`, as synth names entry points), read with one `git cat-file`.
 */
function stagedOutput(
  root: string,
  paths: CheckedPaths,
  index: readonly IndexEntry[],
): { dist: FileTree; clusterFiles: FileTree; lock: FileTree } {
  const staged = { dist: new Map(), clusterFiles: new Map(), lock: new Map() } satisfies Record<string, FileTree>;
  const placeOf = (path: string): [FileTree, string] | undefined => {
    if (isUnder(path, paths.dist)) return [staged.dist, posix.relative(paths.dist, path)];
    if (isUnder(path, paths.lock)) return [staged.lock, posix.relative(paths.lock, path)];
    if (isClusterFile(path, paths)) return [staged.clusterFiles, posix.relative(paths.parent, path)];
    return undefined;
  };
  const entries = index.flatMap((entry) => {
    const place = placeOf(entry.path);
    return place ? [{ id: entry.id, place }] : [];
  });
  readBlobs(
    root,
    entries.map((entry) => entry.id),
  ).forEach((content, i) => {
    const [tree, path] = entries[i].place;
    tree.set(path, content);
  });
  return staged;
}

/**
 * Whether the commit must stage the workflows directory: synth writes a publishing workflow there, or the index or
 * the working tree holds one synth wrote, which the commit changes or removes (the first commit after replacing a
 * config that published). `git add` stages the removal of a file the index holds, and refuses a path that is
 * neither on disk nor in the index, so the directory is named only then.
 */
function touchesWorkflows(root: string, paths: CheckedPaths, expectedEntryPoints: FileTree, stagedClusterFiles: FileTree): boolean {
  const isWorkflow = (path: string) => path.startsWith(`${WORKFLOWS_DIR}/`);
  const holdsGeneratedWorkflow = (files: FileTree) => [...files].some(([path, content]) => isWorkflow(path) && isGenerated(content));
  return (
    [...expectedEntryPoints.keys()].some(isWorkflow) ||
    holdsGeneratedWorkflow(stagedClusterFiles) ||
    holdsGeneratedWorkflow(readClusterFiles(join(root, paths.parent)))
  );
}

function report(output: Output, problems: readonly string[][]): number {
  for (const line of problems.flat()) output.err(line);
  return 1;
}

/** The message for a staged config synth refuses: its errors, or the findings in what it would synthesize. */
function invalidConfig(error: unknown, config: string): string[] {
  const fix = `Fix ${config}, \`git add ${config}\`, and commit again.`;
  if (error instanceof ConfigError) return [`the staged ${config} is invalid (lines of the staged version):`, error.message, fix];
  if (error instanceof ValidationError) {
    return [`the staged ${config} synthesizes output that fails validation:`, ...error.findings.map(formatFinding), fix];
  }
  if (error instanceof OutputGuardError) return [`the staged ${config} is refused:`, error.message, fix];
  throw error;
}

function repositoryRoot(configFile: string): string {
  const root = git(dirname(resolve(configFile)), ['rev-parse', '--show-toplevel']);
  if (root === undefined) throw new UserError(`--staged checks the git index, but ${configFile} is not in a git work tree`);
  return realpathSync(root.toString().trim());
}

function checkedPaths(root: string, configFile: string, outdir: string, lockDir: string): CheckedPaths {
  const inRepository = (path: string) => {
    const absolute = resolve(path);
    // Resolve symbolic links of the directory as git does for the root; the file itself may not exist.
    const real = existsSync(dirname(absolute)) ? join(realpathSync(dirname(absolute)), basename(absolute)) : absolute;
    const relativePath = relative(root, real);
    if (relativePath.startsWith('..') || isAbsolute(relativePath)) throw new UserError(`${path} is outside the git work tree ${root}`);
    return relativePath.split(sep).join('/') || '.';
  };
  const dist = inRepository(outdir);
  const parent = posix.dirname(dist);
  return {
    config: inRepository(configFile),
    schema: SCHEMA_FILE,
    dist,
    clusters: posix.join(parent, CLUSTERS_DIR),
    workflows: posix.join(parent, WORKFLOWS_DIR),
    lock: inRepository(lockDir),
    parent,
  };
}

interface IndexEntry {
  readonly path: string;
  /** Blob id. */
  readonly id: string;
  /** 0, or 1-3 while a merge conflict is unresolved. */
  readonly stage: number;
}

/** The index entries of the config, `dist/`, `clusters/` and the lock directory (`git ls-files -s`). */
function stagedFiles(root: string, paths: CheckedPaths): IndexEntry[] {
  const listing = git(root, ['ls-files', '-s', '-z', '--', paths.config, paths.dist, paths.clusters, paths.workflows, paths.lock]);
  if (listing === undefined) throw new UserError(`git could not list the index in ${root}`);
  return listing
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      // "<mode> <id> <stage>\t<path>"
      const tab = line.indexOf('\t');
      const [, id, stage] = line.slice(0, tab).split(' ');
      return { path: line.slice(tab + 1), id, stage: Number(stage) };
    });
}

/**
 * One line per checked path whose working-tree version differs from the index (`unstaged: <path>`) or that git
 * does not track yet (`untracked: <path>`): the config and the files it names (`namedFiles`), the schema, anything
 * under `dist/` and the lock directory, and under `clusters/` only entry points (expected ones, and files either version marks as
 * generated): the rest of `clusters/` is not synth's.
 */
function unstagedChanges(
  root: string,
  paths: CheckedPaths,
  expectedEntryPoints: FileTree,
  stagedClusterFiles: FileTree,
  namedFiles: readonly string[],
): string[] {
  // The files the config names, each exactly (no pathspec magic in a name).
  const named = namedFiles.map((path) => `:(literal)${path}`);
  const list = (args: string[]) =>
    (
      git(root, [...args, '-z', '--', paths.config, ...named, paths.schema, paths.dist, paths.clusters, paths.workflows, paths.lock]) ??
      Buffer.alloc(0)
    )
      .toString()
      .split('\0')
      .filter((path) => path !== '' && ((!isUnder(path, paths.clusters) && !isUnder(path, paths.workflows)) || isEntryPoint(path)))
      .sort();
  const isEntryPoint = (path: string) => {
    if (!isClusterFile(path, paths)) return false;
    const relativePath = posix.relative(paths.parent, path);
    const staged = stagedClusterFiles.get(relativePath);
    const file = join(root, path);
    return (
      expectedEntryPoints.has(relativePath) ||
      (staged !== undefined && isGenerated(staged)) ||
      (existsSync(file) && isGenerated(readFileSync(file, 'utf8')))
    );
  };
  return [
    ...list(['diff', '--name-only']).map((path) => `unstaged:  ${path}`),
    ...list(['ls-files', '--others', '--exclude-standard']).map((path) => `untracked: ${path}`),
  ];
}

function isUnder(path: string, dir: string): boolean {
  return dir === '.' || path.startsWith(`${dir}/`);
}

/** A file directly in a cluster's directory or in the workflows directory, where entry points and publishing workflows are. */
function isClusterFile(path: string, paths: CheckedPaths): boolean {
  return (isUnder(path, paths.clusters) || isUnder(path, paths.workflows)) && isEntryPointLocation(posix.relative(paths.parent, path));
}
