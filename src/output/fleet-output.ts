import { dirname } from 'node:path';
import { renderPublishWorkflows } from '../flux/publish-workflow';
import { currentGenerator } from '../generator';
import { entryPointPath, environmentOfPath, type FileTree } from '../model/layout';
import type { Environment } from '../model/environment';
import type { ValidationReport } from '../validate';
import { CheckedRendering } from './checked-rendering';
import { readCommittedOutput, type CommittedOutput, type CommittedState } from './committed';
import type { NextOutput } from './weakening-gate';
import {
  assertEntryPointsWritable,
  diffEntryPoints,
  filesBesideOf,
  readClusterFiles,
  writeEntryPoints,
  type EntryPointDiff,
  type FilesBeside,
} from './entry-points';
import { diffOutput, FleetOutput, planFleet, wholeEnvironments, type FleetPlan, type OutputView } from './fleet';
import { findHandEdits, type HandEdit } from './hand-edits';
import { blobId, MANIFEST_FILE } from './manifest';
import { inspectOutput, writeOutputAtomically, type TreeDiff } from './write';

// What synth and check do with the whole fleet: plan which environments to render (fleet.ts), render and check
// them one at a time, and write the output (synth) or compare it (check), with the entry points and publishing
// workflows beside it. The commands print what these return.

/** Files an environment writes at most, twice over (it writes about thirteen): bounds the output scan. */
const FILES_PER_ENVIRONMENT = 32;

/** Render every environment, whatever the manifest records (`--full`), or only those not current. */
export interface FleetOptions {
  readonly full: boolean;
}

/** How the output compares with (check) or was changed by (synth) what the config renders. */
export interface FleetComparison {
  readonly plan: FleetPlan;
  readonly report: ValidationReport;
  /** The output directory's files, the manifest included. */
  readonly diff: TreeDiff;
  /** Environments whose every file appears, or disappears. */
  readonly addedEnvironments: readonly string[];
  readonly removedEnvironments: readonly string[];
  /** Entry points and publishing workflows beside the output. */
  readonly besideDiff: EntryPointDiff;
  /** Every file of the new output but the manifest → blob id. */
  readonly ids: ReadonlyMap<string, string>;
  /** Files the output holds, its manifest included. */
  readonly fileCount: number;
  readonly entryPointCount: number;
  readonly workflowCount: number;
  /** The changed files edited by hand (told apart with the committed output), each with its edited fields. */
  readonly handEdits: readonly HandEdit[];
}

/**
 * Compares `view` (an output directory on disk or in git's index) and `beside` (the entry points and workflows
 * next to it) with what `environments` render: the current environments (fleet.ts) from the manifest and the ids
 * alone, the others rendered and validated one at a time. Throws what the rendered ones hold (see
 * CheckedRendering.assertAccepted).
 */
export function compareOutput(
  environments: readonly Environment[],
  view: OutputView,
  beside: FilesBeside,
  committed: () => CommittedOutput,
  options: FleetOptions,
): FleetComparison {
  const rendering = new CheckedRendering(environments);
  const plan = planFleet(environments, view, (path) => beside.ids.get(path), {
    generator: currentGenerator(),
    full: options.full,
    sharedClusters: rendering.sharedClusters,
  });
  const fleet = new FleetOutput(plan, rendering, currentGenerator(), view).produceAll();
  const report = fleet.assertAccepted();
  const workflows = renderPublishWorkflows(environments);
  return describe(fleet, view, report, diffEntryPoints(expectedBeside(fleet, workflows), beside), workflows.size, committed);
}

/** `check`: {@link compareOutput} on the output directory `outdir` and the files beside it, read holding its lock. */
export function checkOutput(
  outdir: string,
  environments: readonly Environment[],
  options: FleetOptions,
): FleetComparison & { irregular: string[] } {
  return inspectOutput(outdir, FILES_PER_ENVIRONMENT * environments.length, (current) => {
    const beside = filesBesideOf(readClusterFiles(dirname(outdir)));
    const comparison = compareOutput(environments, current, beside, () => readCommittedOutput(outdir), options);
    return {
      ...comparison,
      irregular: current.irregular.map(({ path, kind }) => `${outdir}/${path} is ${kind}: synth writes only regular files`),
    };
  });
}

/** What {@link writeOutput} did; `entryPointFailure` is set when the output was written but not the entry points. */
export interface FleetWrite<G> extends FleetComparison {
  /** What the check against the committed output returned. */
  readonly gate: G;
  readonly entryPointFailure?: unknown;
}

/**
 * `synth`: replaces the output directory `outdir` with what `environments` render (see writeOutputAtomically), the
 * current environments' files kept as they are, then writes the entry points and publishing workflows beside it,
 * all holding the output's lock. Refused, with nothing written: a file synth did not generate where it would write
 * an entry point or workflow, what the rendered environments hold, and what `againstCommitted` refuses.
 */
export function writeOutput<G>(
  outdir: string,
  environments: readonly Environment[],
  options: FleetOptions & {
    /**
     * Compares the new output with the committed one (the regression gate), once every environment is rendered and
     * before anything is swapped in; what it throws refuses the write. The new output is given by blob id, each
     * environment's files as rendered now or as the manifest records them.
     */
    readonly againstCommitted: (committed: CommittedState, next: NextOutput) => G;
  },
): FleetWrite<G> {
  const parent = dirname(outdir);
  const names = new Set(environments.map((env) => env.name));
  const workflows = renderPublishWorkflows(environments);
  let written: FleetComparison | undefined;
  let gate: G | undefined;
  let beside: FilesBeside;
  let fleet: FleetOutput;
  let entryPointFailure: unknown;
  writeOutputAtomically(
    outdir,
    {
      expectedFiles: FILES_PER_ENVIRONMENT * environments.length,
      mayHold: (path) => path.includes('/') && names.has(environmentOfPath(path)),
      source: (current) => {
        beside = filesBesideOf(readClusterFiles(parent));
        const paths = [...environments.map((env) => entryPointPath(env.name, env.cluster)), ...workflows.keys()];
        assertEntryPointsWritable({ foreign: paths.filter((path) => beside.ids.has(path) && !beside.isGenerated(path)).sort() });
        const rendering = new CheckedRendering(environments);
        const plan = planFleet(environments, current, (path) => beside.ids.get(path), {
          generator: currentGenerator(),
          full: options.full,
          sharedClusters: rendering.sharedClusters,
        });
        fleet = new FleetOutput(plan, rendering, currentGenerator(), current);
        // Without git, what is committed is what the output holds: listed and hashed already.
        const committed = readCommittedOutput(outdir, () => ({
          paths: current.manifestText === undefined ? current.paths : [...current.paths, MANIFEST_FILE],
          idOf: (path) => (path === MANIFEST_FILE ? blobId(current.manifestText!) : current.idOf(path)),
        }));
        function* files() {
          yield* fleet.files();
          const report = fleet.assertAccepted();
          // Compared by blob id: an environment not rendered again is compared as the manifest records it.
          gate = options.againstCommitted(committed, { ids: fleet.ids, environments });
          // Described before the swap, while the output still holds what it replaces.
          written = describe(
            fleet,
            current,
            report,
            diffEntryPoints(expectedBeside(fleet, workflows), beside),
            workflows.size,
            () => committed,
          );
        }
        return { files: files(), manifest: () => fleet.manifest() };
      },
    },
    {
      afterWrite: () => {
        try {
          writeEntryPoints(parent, new Map([...fleet.renderedEntryPoints, ...workflows]), written!.besideDiff);
        } catch (error) {
          entryPointFailure = error; // the output is written by now: the caller says so
        }
      },
    },
  );
  return { ...written!, gate: gate as G, entryPointFailure };
}

function expectedBeside(fleet: FleetOutput, workflows: FileTree): Map<string, string> {
  return new Map([...fleet.entryPointIds, ...[...workflows].map(([path, content]) => [path, blobId(content)] as const)]);
}

function describe(
  fleet: FleetOutput,
  view: OutputView,
  report: ValidationReport,
  besideDiff: EntryPointDiff,
  workflowCount: number,
  committed: () => CommittedOutput,
): FleetComparison {
  const whole = wholeEnvironments(fleet, view);
  const diff = diffOutput(fleet, view);
  // Only a changed file can be a hand edit, and only the committed output tells one apart: git is asked only then.
  const changed = diff.changed.filter((path) => fleet.differing.has(path));
  const handEdits =
    changed.length === 0
      ? []
      : findHandEdits(changed, new Map(changed.map((path) => [path, view.read(path)])), fleet.differing, committed());
  return {
    plan: fleet.plan,
    report,
    handEdits,
    diff,
    addedEnvironments: whole.added,
    removedEnvironments: whole.removed,
    besideDiff,
    ids: fleet.ids,
    fileCount: fleet.ids.size + 1,
    entryPointCount: fleet.entryPointIds.size,
    workflowCount,
  };
}
