import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { parseConfigKept } from '../config/checked-cache';
import { ConfigError } from '../config/load';
import { UserError } from '../errors';
import { renderPublishWorkflows } from '../flux/publish-workflow';
import { isEntryPointLocation, readClusterFiles, type FilesBeside } from '../output/entry-points';
import { readCommittedOutput } from '../output/committed';
import { describeHandEdits } from '../output/hand-edits';
import { compareOutput } from '../output/fleet-output';
import type { OutputView } from '../output/fleet';
import { OutputGuardError } from '../output/guards';
import { CLUSTERS_DIR, entryPointPath, isGenerated, WORKFLOWS_DIR } from '../model/layout';
import { git, readBlobs } from '../output/git';
import { gitConfigFiles } from '../output/git-config-files';
import { blobId, MANIFEST_FILE, parseManifest } from '../output/manifest';
import { ACCEPT_COMMAND, describeLockDiff, diffLock, isLockCurrent, lockTree } from '../output/policy-lock';
import { checkedConfigBeside } from '../output/write';
import { formatFinding, ValidationError } from '../validate';
import type { Output } from './output';
import { describeDiff } from './synth';
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
export function checkStaged(configFile: string, outdir: string, lockDir: string, full: boolean, output: Output): number {
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
  // The files the config names (a trust root's certificates and keys) are read as staged, like the config, also when
  // the checked config is kept: its trust roots are read again through this source.
  const configDirectory = posix.dirname(paths.config);
  const configFiles = gitConfigFiles(join(root, configDirectory), 'index');
  const namedFiles = () => [
    ...new Map(
      configFiles.asked.map(({ path, inTree }) => {
        const named = posix.join(configDirectory, posix.normalize(path));
        return [named, { path: named, inTree }] as const;
      }),
    ).values(),
  ];
  let expectedBeside: ReadonlySet<string> = new Set();
  const stageAll = () => {
    const workflows = touchesWorkflows(root, paths, expectedBeside, staged.beside) ? [paths.workflows] : [];
    // `git add` refuses a path neither on disk nor in the index.
    const named = namedFiles().flatMap(({ path, inTree }) => (inTree || existsSync(join(root, path)) ? [path] : []));
    return `git add ${[paths.config, ...named, paths.dist, paths.clusters, ...workflows, ...(locked ? [paths.lock] : [])].join(' ')}`;
  };
  const problems: string[][] = [];
  let warnings: string[] = [];
  try {
    const environments = parseConfigKept(configText, paths.config, checkedConfigBeside(outdir), configFiles).environments;
    expectedBeside = new Set([
      ...environments.map((env) => entryPointPath(env.name, env.cluster)),
      ...renderPublishWorkflows(environments).keys(),
    ]);
    const committed = readCommittedOutput(outdir);
    const compared = compareOutput(environments, staged.dist, staged.beside, () => committed, { full });
    warnings = commitWarnings(committed, join(root, paths.config), { ids: compared.ids, environments });
    const stale = [
      ...describeDiff(compared.diff, paths.dist),
      ...describeHandEdits(compared.handEdits, paths.dist, false),
      ...describeDiff(compared.besideDiff, paths.parent),
    ];
    if (stale.length > 0) {
      problems.push([
        `the staged output is not what the staged ${paths.config} synthesizes:`,
        ...stale,
        `Run \`npm run synth\`, then \`${stageAll()}\`, and commit again.`,
      ]);
    }
    const lockDiff = diffLock(lockTree(environments, compared.ids), staged.lock);
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
    expectedBeside,
    staged.beside,
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
  const workflows = [...expectedBeside].some((path) => path.startsWith(`${WORKFLOWS_DIR}/`)) ? [`${paths.workflows}/`] : [];
  const parts = [`${paths.dist}/`, `${paths.clusters}/`, ...workflows, ...(locked ? [`${paths.lock}/`] : [])];
  const checked = `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  output.out(`the staged ${checked} are what the staged ${paths.config} synthesizes`);
  return 0;
}

/**
 * The staged files under `dist/` (as an output view) and under the lock directory (relative to each), and directly
 * in the clusters' and workflows' directories (relative to the parent of `dist/`, as synth names entry points), each
 * by blob id: the index records them, so no file is read but the manifest, and the files beside `dist/` whose
 * marker is asked for. In a repository whose object ids are not SHA-1 (`git hash-object`'s default, which the
 * manifest records), every file is read and hashed instead.
 */
function stagedOutput(
  root: string,
  paths: CheckedPaths,
  index: readonly IndexEntry[],
): { dist: OutputView; beside: FilesBeside; lock: Map<string, string> } {
  /** Per place, each staged file's blob id and the git object holding it (the same in a SHA-1 repository). */
  const places = { dist: new StagedFiles(), beside: new StagedFiles(), lock: new StagedFiles() };
  const placeOf = (path: string): [StagedFiles, string] | undefined => {
    if (isUnder(path, paths.dist)) return [places.dist, posix.relative(paths.dist, path)];
    if (isUnder(path, paths.lock)) return [places.lock, posix.relative(paths.lock, path)];
    if (isClusterFile(path, paths)) return [places.beside, posix.relative(paths.parent, path)];
    return undefined;
  };
  const placed = index.flatMap((entry) => {
    const place = placeOf(entry.path);
    return place ? [{ object: entry.id, files: place[0], path: place[1] }] : [];
  });
  // A SHA-1 repository's object id is the blob id; any other is replaced by the blob id of the content.
  const otherFormat = placed.filter((entry) => entry.object.length !== 40);
  const rehashed = new Map(
    readBlobs(
      root,
      otherFormat.map((entry) => entry.object),
    ).map((content, i) => [otherFormat[i].object, blobId(content)]),
  );
  for (const { object, files, path } of placed) files.add(path, object, rehashed.get(object) ?? object);
  const read = (files: StagedFiles, path: string) => readBlobs(root, [files.objects.get(path)!])[0];
  const manifestText = places.dist.objects.has(MANIFEST_FILE) ? read(places.dist, MANIFEST_FILE) : undefined;
  places.dist.delete(MANIFEST_FILE);
  const dist: OutputView = {
    paths: [...places.dist.ids.keys()].sort(),
    manifest: manifestText === undefined ? undefined : parseManifest(manifestText),
    manifestText,
    idOf: (path) => places.dist.ids.get(path)!,
    read: (path) => read(places.dist, path),
  };
  const generated = new Map<string, boolean>();
  const beside: FilesBeside = {
    ids: places.beside.ids,
    isGenerated(path) {
      if (!generated.has(path)) generated.set(path, isGenerated(read(places.beside, path)));
      return generated.get(path)!;
    },
  };
  return { dist, beside, lock: places.lock.ids };
}

/** Staged files of one place: blob id and git object id, by path relative to the place. */
class StagedFiles {
  readonly ids = new Map<string, string>();
  readonly objects = new Map<string, string>();

  add(path: string, object: string, id: string): void {
    this.objects.set(path, object);
    this.ids.set(path, id);
  }

  delete(path: string): void {
    this.objects.delete(path);
    this.ids.delete(path);
  }
}

/**
 * Whether the commit must stage the workflows directory: synth writes a publishing workflow there, or the index or
 * the working tree holds one synth wrote, which the commit changes or removes (the first commit after replacing a
 * config that published). `git add` stages the removal of a file the index holds, and refuses a path that is
 * neither on disk nor in the index, so the directory is named only then.
 */
function touchesWorkflows(root: string, paths: CheckedPaths, expectedBeside: ReadonlySet<string>, stagedBeside: FilesBeside): boolean {
  const isWorkflow = (path: string) => path.startsWith(`${WORKFLOWS_DIR}/`);
  const onDisk = readClusterFiles(join(root, paths.parent));
  return (
    [...expectedBeside].some(isWorkflow) ||
    [...stagedBeside.ids.keys()].some((path) => isWorkflow(path) && stagedBeside.isGenerated(path)) ||
    [...onDisk].some(([path, content]) => isWorkflow(path) && isGenerated(content))
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
  expectedBeside: ReadonlySet<string>,
  stagedBeside: FilesBeside,
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
    const file = join(root, path);
    return (
      expectedBeside.has(relativePath) ||
      (stagedBeside.ids.has(relativePath) && stagedBeside.isGenerated(relativePath)) ||
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
