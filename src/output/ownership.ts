import { homedir } from 'node:os';
import { join, parse, posix, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../errors';
import { errorCode, type FileSystem } from './file-system';
import { DRILL_OUTPUT_DIR, FLUX_OUTPUT_DIR, KYVERNO_TEST_FILE } from '../model/layout';
import { MANIFEST_FILE } from './manifest';
import type { DirectoryScan } from './scan';

const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * The absolute output directory `outdir` names, refused (a UserError, before anything is touched) when
 * replacing it could destroy what synth did not write: an empty name, the current directory or one of its
 * parents, a filesystem root, the home directory or one of its parents, the top level of a git work tree,
 * a file, or a symbolic link (synth would replace the link, not the directory it points to).
 */
export function resolveOutputDirectory(outdir: string, fs: FileSystem): string {
  const refuse = (why: string) =>
    new UserError(`refusing to write to output directory "${outdir}": ${why}. Choose a directory of its own, such as dist.`);
  if (outdir.trim() === '') throw refuse('the name is empty');
  const absolute = resolve(outdir);
  if (absolute === parse(absolute).root) throw refuse('it is a filesystem root');
  const kind = entryKind(absolute, fs);
  if (kind === 'missing') return absolute;
  if (kind === 'symlink') throw refuse('it is a symbolic link; pass the directory it points to');
  if (kind !== 'directory') throw refuse('it is not a directory');
  const real = fs.realpathSync(absolute);
  const contains = (path: string) => path === real || path.startsWith(real + sep);
  if (contains(realPathOf(process.cwd(), fs))) throw refuse('it is the current directory or one of its parents');
  if (contains(realPathOf(homedir(), fs))) throw refuse('it is the home directory or one of its parents');
  if (entryKind(join(absolute, '.git'), fs) !== 'missing') throw refuse('it is the top level of a git work tree');
  return absolute;
}

/** `path` with symbolic links resolved; as given when it cannot be (a HOME that does not exist, say). */
function realPathOf(path: string, fs: FileSystem): string {
  try {
    return fs.realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

function entryKind(path: string, fs: FileSystem): 'missing' | 'symlink' | 'directory' | 'other' {
  try {
    const stats = fs.lstatSync(path);
    return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * Refuses (a UserError naming them) an existing output directory holding anything synth did not write. A file is
 * synth's when `isNext` says synth is about to write it, or when the directory's manifest lists it. Without a
 * manifest (written before synth wrote manifests), every file must lie in synth's layout (`<env>/`, `flux/<env>/`,
 * `drill/<env>/`) and be a `kustomization.yaml`, a file its directory's kustomization lists, or a drill's Kyverno
 * test.
 */
export function assertWrittenBySynth(outdir: string, existing: DirectoryScan, isNext: (path: string) => boolean): void {
  const listed = existing.manifest?.files;
  const present = new Set(existing.paths);
  const isSynths = (path: string) => isNext(path) || (listed ? listed.has(path) : isLegacyOutputFile(path, existing, present));
  const foreign = [
    ...existing.irregular.map(({ path, kind }) => `${path} (${kind})`),
    ...existing.paths.filter((path) => !isSynths(path)),
  ].sort();
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 10).map((path) => `  ${posix.join(outdir, path)}`);
  if (foreign.length > shown.length) shown.push(`  … and ${foreign.length - shown.length} more`);
  throw new UserError(
    [
      `refusing to replace ${outdir}/: it holds files synth did not write${listed ? ` (they are not in ${MANIFEST_FILE})` : ''}:`,
      ...shown,
      `Move them out of ${outdir}/ or choose another --outdir.`,
    ].join('\n'),
  );
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isLegacyOutputFile(path: string, existing: DirectoryScan, present: ReadonlySet<string>): boolean {
  const parts = path.split('/');
  const [top, env, name] = parts.length === 3 ? parts : [undefined, ...parts];
  if (parts.length > 3 || !LABEL.test(env ?? '') || !name?.endsWith('.yaml')) return false;
  if (top !== undefined && top !== FLUX_OUTPUT_DIR && top !== DRILL_OUTPUT_DIR) return false;
  if (top === DRILL_OUTPUT_DIR && name === KYVERNO_TEST_FILE) return true;
  const kustomizationPath = posix.join(posix.dirname(path), KUSTOMIZATION_FILE);
  if (!present.has(kustomizationPath)) return false;
  if (name === KUSTOMIZATION_FILE) return true;
  try {
    const resources = (parseYaml(existing.read(kustomizationPath)) as { resources?: unknown } | null)?.resources;
    return Array.isArray(resources) && resources.includes(name);
  } catch {
    return false;
  }
}
