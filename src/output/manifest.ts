import { createHash } from 'node:crypto';
import type { GeneratorIdentity } from '../generator';
import type { Environment } from '../model/environment';
import type { RepositoryFile } from '../model/trust-root';
import type { Finding } from '../validate';
import type { FileTree } from '../model/layout';

// The manifest a directory written by synth holds: every file the writer wrote (so it replaces the directory only
// while it holds nothing else) and, for synth's output, what each environment was rendered from and each file's
// blob id, so an environment whose inputs and files are unchanged is not rendered again, and any byte that differs
// from what synth wrote is noticed without rendering anything.

/** The manifest's file name, directly in the directory it describes. */
export const MANIFEST_FILE = '.guardrails-manifest';

/** The first line of a manifest listing paths only (a directory that is not synth's output, such as the policy lock). */
const PATHS_HEADER = '# Every file synth wrote to this directory. Synth replaces the directory only while it holds nothing else.\n';

/** The header of synth's output manifest. */
const OUTPUT_HEADER = [
  '# Every file synth wrote to this directory, by environment, with its git blob id (what `git hash-object <file>` prints).',
  '# Synth replaces the directory only while it holds nothing else. An environment whose config (the SHA-256 after its name)',
  '# and whose generator and pinned CRDs (the SHA-256s below) are unchanged, and whose files have these ids, is not rendered',
  '# again: `npm run check -- --full` renders everything whatever this file says.',
]
  .map((line) => `${line}\n`)
  .join('');

/** One environment as the manifest records it. */
export interface ManifestEnvironment {
  /**
   * The warnings validation gave when it was rendered (a weakening the config acknowledges): printed again on every
   * synth, as if it were rendered again; the entry point's apart, as validation reports them after the output's.
   */
  readonly warnings: { readonly output: readonly Finding[]; readonly entryPoint: readonly Finding[] };
  /** SHA-256 of the environment's resolved config (see {@link environmentInputs}). */
  readonly inputs: string;
  /** Its files in the directory, by path relative to it → blob id. */
  readonly files: ReadonlyMap<string, string>;
  /** Its cluster's entry point, by path relative to the directory's parent → blob id. */
  readonly entryPoint?: { readonly path: string; readonly id: string };
}

/** What a manifest says. */
export interface Manifest {
  /** The generator and CRDs every environment was rendered with; absent in a manifest of paths only. */
  readonly renderedWith?: GeneratorIdentity;
  /** Per environment, in the order listed; empty in a manifest of paths only. */
  readonly environments: ReadonlyMap<string, ManifestEnvironment>;
  /** Every file listed in the directory (the manifest itself excluded) → its blob id, undefined where none is recorded. */
  readonly files: ReadonlyMap<string, string | undefined>;
}

/** The id git gives a file with this content: SHA-1 of `blob <size>\0` and the bytes, as `git hash-object` prints it. */
export function blobId(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** A manifest listing `tree`'s paths only, as the writer records a tree that is not synth's output. */
export function pathsManifest(tree: FileTree): string {
  const paths = [...tree.keys()].filter((path) => path !== MANIFEST_FILE).sort();
  return PATHS_HEADER + paths.map((path) => `${path}\n`).join('');
}

/** Synth's output manifest: the generator, then each environment (sorted by name) with its files (sorted by path). */
export function outputManifest(renderedWith: GeneratorIdentity, environments: ReadonlyMap<string, ManifestEnvironment>): string {
  const blocks = [...environments]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { inputs, files, entryPoint, warnings }]) =>
      [
        `environment ${name} ${inputs}\n`,
        ...[...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, id]) => `${id} ${path}\n`),
        entryPoint ? `entry-point ${entryPoint.id} ${entryPoint.path}\n` : '',
        ...warnings.output.map((warning) => `warning ${JSON.stringify(warning)}\n`),
        ...warnings.entryPoint.map((warning) => `entry-point-warning ${JSON.stringify(warning)}\n`),
      ].join(''),
    );
  return [`${OUTPUT_HEADER}generator ${renderedWith.generator}\ncrds ${renderedWith.crds}\n`, ...blocks].join('\n');
}

const ID = '[0-9a-f]{40}|[0-9a-f]{64}';
const FILE_LINE = new RegExp(`^(${ID}) (.+)$`);
const ENVIRONMENT_LINE = /^environment (\S+) ([0-9a-f]{64})$/;
const ENTRY_POINT_LINE = new RegExp(`^entry-point (${ID}) (.+)$`);
const GENERATOR_LINE = /^(generator|crds) ([0-9a-f]{64})$/;
const WARNING_LINE = /^(warning|entry-point-warning) (\{.*\})$/;

/**
 * Reads a manifest of either kind, or one an older synth wrote (paths only). Whatever line it does not recognize
 * is taken as a path without id: such a file is listed (the writer may replace it) but never taken as current.
 */
export function parseManifest(text: string): Manifest {
  const identity: Partial<Record<'generator' | 'crds', string>> = {};
  const environments = new Map<string, Parsed>();
  const files = new Map<string, string | undefined>();
  let current: Parsed | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const generator = GENERATOR_LINE.exec(line);
    const environment = ENVIRONMENT_LINE.exec(line);
    const entryPoint = ENTRY_POINT_LINE.exec(line);
    const warning = WARNING_LINE.exec(line);
    const file = FILE_LINE.exec(line);
    if (generator) identity[generator[1] as 'generator' | 'crds'] = generator[2];
    else if (environment) {
      current = { inputs: environment[2], files: new Map(), warnings: { output: [], entryPoint: [] } };
      environments.set(environment[1], current);
    } else if (entryPoint && current) current.entryPoint = { id: entryPoint[1], path: entryPoint[2] };
    else if (warning && current) current.warnings[warning[1] === 'warning' ? 'output' : 'entryPoint'].push(parsedWarning(warning[2]));
    else if (file) {
      files.set(file[2], file[1]);
      current?.files.set(file[2], file[1]);
    } else files.set(line, undefined);
  }
  const renderedWith = identity.generator && identity.crds ? { generator: identity.generator, crds: identity.crds } : undefined;
  return { renderedWith, environments, files };
}

/** One environment being read from a manifest. */
interface Parsed {
  inputs: string;
  files: Map<string, string>;
  entryPoint?: { path: string; id: string };
  warnings: { output: Finding[]; entryPoint: Finding[] };
}

/** A recorded warning; one that is not a finding (an edited line) is kept as its text, never dropped. */
function parsedWarning(json: string): Finding {
  try {
    const warning = JSON.parse(json) as Finding;
    if (
      ['env', 'file', 'path', 'message', 'rule'].every(
        (field) => typeof (warning as unknown as Record<string, unknown>)[field] === 'string',
      )
    ) {
      return { ...warning, severity: 'warning' };
    }
  } catch {}
  return { env: '?', file: '?', path: '', message: json, rule: '?', severity: 'warning' };
}

/**
 * SHA-256 of an environment's resolved config: every setting its output is rendered from. Where the config declares
 * the environment (a line number, used in messages only) is left out, so moving it within the file changes nothing;
 * so is where on this machine a file the config names lies (the commands that hand it to cosign need it, the output
 * names the file as the config does), so the manifest is the same in every checkout.
 */
export function environmentInputs(environment: Environment): string {
  const settings = JSON.stringify(environment, function (key, value) {
    if (key === 'clusterDeclaredAt') return undefined;
    if (key === 'location' && isRepositoryFile(this)) return undefined;
    return value instanceof Map ? [...value] : value;
  });
  return createHash('sha256').update(settings).digest('hex');
}

function isRepositoryFile(holder: unknown): holder is RepositoryFile {
  return typeof holder === 'object' && holder !== null && Object.keys(holder).sort().join() === 'location,path';
}
