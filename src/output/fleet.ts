import type { GeneratorIdentity } from '../generator';
import { entryPointPath, environmentOfPath, type FileTree } from '../model/layout';
import type { Environment } from '../model/environment';
import type { ValidationReport } from '../validate';
import type { CheckedRendering } from './checked-rendering';
import { blobId, environmentInputs, MANIFEST_FILE, outputManifest, type Manifest, type ManifestEnvironment } from './manifest';
import { KEEP, type TreeDiff } from './write';

// The output as a fleet of environments. The output manifest records, per environment, a hash of its resolved
// config and the blob id of each of its files (and of its cluster's entry point), and once for all the generator
// and the pinned CRDs. An environment is current when all of them are unchanged and the files hold those very
// bytes: it is then neither rendered nor validated again, and its files are kept as they are. Every other one is
// rendered, checked and validated, one at a time. Every check across environments is a pass over the fleet that
// groups by environment once: nothing is compared environment by environment against the whole output.

/** What an output directory holds, on disk or in git's index: its files' paths and ids, and its manifest. */
export interface OutputView {
  /** Every file but the manifest, relative to the output directory. */
  readonly paths: readonly string[];
  readonly manifest?: Manifest;
  readonly manifestText?: string;
  /** A listed file's blob id. */
  idOf(path: string): string;
  /** A listed file's content. */
  read(path: string): string;
}

/** Why an environment is rendered: `full` when asked to render everything. */
export type RenderReason =
  | 'new'
  | 'config changed'
  | 'generator changed'
  | 'pinned CRDs changed'
  | 'files differ'
  | 'shares a cluster'
  | 'full';

/** Which environments of the config are current, and which are rendered again (and why). */
export interface FleetPlan {
  readonly environments: readonly Environment[];
  /** Per environment: the SHA-256 of its resolved config. */
  readonly inputs: ReadonlyMap<string, string>;
  /** The environments whose recorded output is current, with what the manifest records for them. */
  readonly current: ReadonlyMap<string, ManifestEnvironment>;
  /** The environments rendered again, in config order, with why. */
  readonly rendered: ReadonlyMap<string, RenderReason>;
}

/**
 * Decides, for each environment of the config, whether what `view` holds for it is current (see the top of this
 * file), from the manifest and the files' ids only. `entryPointId` gives the id of the file at an entry point's path
 * beside the output (undefined when there is none). An environment of a cluster that another environment shares is
 * rendered whenever one of them is: whether they collide is decided on the objects rendered.
 */
export function planFleet(
  environments: readonly Environment[],
  view: OutputView,
  entryPointId: (path: string) => string | undefined,
  options: { readonly generator: GeneratorIdentity; readonly full: boolean; readonly sharedClusters: ReadonlySet<string> },
): FleetPlan {
  const inputs = new Map(environments.map((env) => [env.name, environmentInputs(env)]));
  const present = new Set(view.paths);
  const pathsPerEnvironment = new Map<string, number>();
  for (const path of view.paths) {
    if (!path.includes('/')) continue;
    const env = environmentOfPath(path);
    pathsPerEnvironment.set(env, (pathsPerEnvironment.get(env) ?? 0) + 1);
  }
  const recordedWith = view.manifest?.renderedWith;
  const everyEnvironment: RenderReason | undefined = options.full
    ? 'full'
    : recordedWith?.generator !== options.generator.generator
      ? 'generator changed'
      : recordedWith.crds !== options.generator.crds
        ? 'pinned CRDs changed'
        : undefined;
  const reasonFor = (env: Environment): RenderReason | undefined => {
    if (everyEnvironment) return everyEnvironment;
    const recorded = view.manifest?.environments.get(env.name);
    if (recorded === undefined) return 'new';
    if (recorded.inputs !== inputs.get(env.name)) return 'config changed';
    const entryPoint = entryPointPath(env.name, env.cluster);
    const filesHold =
      recorded.entryPoint?.path === entryPoint &&
      entryPointId(entryPoint) === recorded.entryPoint.id &&
      recorded.files.size === (pathsPerEnvironment.get(env.name) ?? 0) &&
      [...recorded.files].every(([path, id]) => present.has(path) && environmentOfPath(path) === env.name && view.idOf(path) === id);
    return filesHold ? undefined : 'files differ';
  };
  const rendered = new Map<string, RenderReason>();
  const current = new Map<string, ManifestEnvironment>();
  for (const env of environments) {
    const reason = reasonFor(env);
    if (reason) rendered.set(env.name, reason);
    else current.set(env.name, view.manifest!.environments.get(env.name)!);
  }
  const changedSharedClusters = new Set(
    environments.filter((env) => rendered.has(env.name) && options.sharedClusters.has(env.cluster)).map((env) => env.cluster),
  );
  for (const env of environments) {
    if (!changedSharedClusters.has(env.cluster) || rendered.has(env.name)) continue;
    current.delete(env.name);
    rendered.set(env.name, 'shares a cluster');
  }
  // In config order, whichever pass decided it.
  const inOrder = new Map(environments.flatMap((env) => (rendered.has(env.name) ? [[env.name, rendered.get(env.name)!] as const] : [])));
  return { environments, inputs, current, rendered: inOrder };
}

/**
 * The new output of a plan, environment by environment: a current environment's files as they are ({@link KEEP}),
 * every other one rendered and checked by `rendering`, its files produced and then let go. What is kept of the
 * fleet is the blob id of each file, never its content.
 */
export class FleetOutput {
  /** Every file of the new output but the manifest → blob id, filled as the files are produced. */
  readonly ids = new Map<string, string>();
  /** The entry point of every environment, by path relative to the output's parent → blob id. */
  readonly entryPointIds = new Map<string, string>();
  /** The content of the entry points rendered. */
  readonly renderedEntryPoints: FileTree = new Map();
  /** The content of the files rendered that `view` holds with other bytes: what a hand edit is told from. */
  readonly differing: FileTree = new Map();
  private readonly recorded = new Map<string, ManifestEnvironment>();
  private present?: ReadonlySet<string>;

  constructor(
    readonly plan: FleetPlan,
    private readonly rendering: CheckedRendering,
    private readonly generator: GeneratorIdentity,
    private readonly view: OutputView,
  ) {}

  /** Every file of the new output but the manifest, environment by environment in config order. */
  *files(): Generator<readonly [string, string | typeof KEEP]> {
    for (const environment of this.plan.environments) {
      const current = this.plan.current.get(environment.name);
      if (current) {
        this.record(environment.name, current);
        this.rendering.recall(current.warnings);
        for (const path of current.files.keys()) yield [path, KEEP];
        continue;
      }
      const synthesis = this.rendering.render(environment);
      const entryPoint = { path: synthesis.entryPoint.path, id: blobId(synthesis.entryPoint.content) };
      this.renderedEntryPoints.set(entryPoint.path, synthesis.entryPoint.content);
      const files = new Map([...synthesis.tree].map(([path, content]) => [path, blobId(content)]));
      const warnings = { output: synthesis.output.warnings, entryPoint: synthesis.entryPointReport.warnings };
      this.record(environment.name, { inputs: this.plan.inputs.get(environment.name)!, files, entryPoint, warnings });
      this.present ??= new Set(this.view.paths);
      for (const [path, id] of files)
        if (this.present.has(path) && this.view.idOf(path) !== id) this.differing.set(path, synthesis.tree.get(path)!);
      yield* synthesis.tree;
    }
  }

  /** Every file, once all were produced: `files()` run to its end, for a caller that compares and writes nothing. */
  produceAll(): this {
    const files = this.files();
    while (!files.next().done);
    return this;
  }

  /** Throws what the rendered environments hold (see CheckedRendering.assertAccepted); the validation report. */
  assertAccepted(): ValidationReport {
    return this.rendering.assertAccepted();
  }

  /** The manifest, once every file was produced. */
  manifest(): string {
    return outputManifest(this.generator, this.recorded);
  }

  private record(name: string, environment: ManifestEnvironment): void {
    this.recorded.set(name, environment);
    for (const [path, id] of environment.files) this.ids.set(path, id);
    if (environment.entryPoint) this.entryPointIds.set(environment.entryPoint.path, environment.entryPoint.id);
  }
}

/** How a view differs from the new output `fleet` produced (every file produced), the manifest included. */
export function diffOutput(fleet: FleetOutput, view: OutputView): TreeDiff {
  const added: string[] = [];
  const changed: string[] = [];
  const present = new Set(view.paths);
  for (const [path, id] of fleet.ids) {
    if (!present.has(path)) added.push(path);
    else if (view.idOf(path) !== id) changed.push(path);
  }
  const manifest = fleet.manifest();
  if (view.manifestText === undefined) added.push(MANIFEST_FILE);
  else if (view.manifestText !== manifest) changed.push(MANIFEST_FILE);
  const removed = view.paths.filter((path) => !fleet.ids.has(path));
  return { added: added.sort(), changed: changed.sort(), removed: [...removed].sort() };
}

/** The environments a change makes appear or disappear as a whole (each of their files added, or removed). */
export function wholeEnvironments(fleet: FleetOutput, view: OutputView): { added: string[]; removed: string[] } {
  const environmentsOf = (paths: Iterable<string>) => new Set([...paths].filter((path) => path.includes('/')).map(environmentOfPath));
  const before = environmentsOf(view.paths);
  const after = environmentsOf(fleet.ids.keys());
  return {
    added: [...after].filter((env) => !before.has(env)).sort(),
    removed: [...before].filter((env) => !after.has(env)).sort(),
  };
}
