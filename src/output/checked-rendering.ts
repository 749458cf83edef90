import { ConfigError, type ConfigProblem } from '../config/load';
import type { FileTree } from '../model/layout';
import type { Environment } from '../model/environment';
import { synthesizeEnvironment } from '../synthesize';
import { validateTree, ValidationError, type Finding, type ValidationReport } from '../validate';
import { ClusterClaims, footprintOf, type ClusterFootprint } from './cluster-sharing';
import { assertNoEmptyEnvironment, OutputGuardError } from './guards';

/**
 * One environment rendered and checked on its own: its files, and all the checks of the whole fleet need of it, as
 * plain data (so a worker thread can hand it over).
 */
export interface CheckedEnvironment {
  readonly name: string;
  /** Its files of the output tree. */
  readonly tree: FileTree;
  /** Its cluster's entry point, relative to the parent of `dist/`. */
  readonly entryPoint: { readonly path: string; readonly content: string };
  /** What it applies to its cluster. */
  readonly footprint: ClusterFootprint;
  /** Its output holds no policy (the guard's problems, or none). */
  readonly emptyProblems: readonly string[];
  /** Validation of its files, and of its entry point. */
  readonly output: ValidationReport;
  readonly entryPointReport: ValidationReport;
}

/** Renders one environment and runs every check that needs nothing but it. */
export function renderChecked(environment: Environment): CheckedEnvironment {
  const synthesis = synthesizeEnvironment(environment);
  let emptyProblems: readonly string[] = [];
  try {
    assertNoEmptyEnvironment(synthesis.tree, [environment.name]);
  } catch (error) {
    if (!(error instanceof OutputGuardError)) throw error;
    emptyProblems = error.problems;
  }
  const { path, content, objects } = synthesis.entryPoint;
  return {
    name: environment.name,
    tree: synthesis.tree,
    entryPoint: { path, content },
    footprint: footprintOf(synthesis),
    emptyProblems,
    output: validateTree(synthesis.tree, [environment], synthesis.manifests),
    entryPointReport: validateTree(new Map([[path, content]]), [environment], new Map([[path, objects]])),
  };
}

/**
 * Environments rendered one at a time with every check synth makes of its output: no two environments of a shared
 * cluster apply the same object, no environment is left without a policy, every object (entry point included) is
 * valid. The problems are collected as environments are rendered and reported together by {@link assertAccepted}, as
 * they would be for the whole fleet at once, so a caller can write or compare each environment and let it go.
 */
export class CheckedRendering {
  private readonly claims: ClusterClaims;
  private readonly configProblems: ConfigProblem[] = [];
  private readonly emptyProblems: string[] = [];
  private readonly findings: Finding[] = [];
  private readonly entryPointFindings: Finding[] = [];
  private readonly warnings: Finding[] = [];
  private readonly entryPointWarnings: Finding[] = [];
  private readonly objectsValidated = new Map<string, number>();

  /** `environments` is the whole config, whichever of them are rendered. */
  constructor(environments: readonly Environment[]) {
    this.claims = new ClusterClaims(environments);
  }

  /** The clusters more than one environment is applied to: rendering one of them means rendering all of them. */
  get sharedClusters(): ReadonlySet<string> {
    return this.claims.sharedClusters;
  }

  /** Renders and checks one environment. */
  render(environment: Environment): CheckedEnvironment {
    return this.accept(environment, renderChecked(environment));
  }

  /** Adds one environment rendered and checked on its own (here or by a worker) to the checks of the fleet. */
  accept(environment: Environment, checked: CheckedEnvironment): CheckedEnvironment {
    this.configProblems.push(...this.claims.add(environment, checked.footprint));
    this.emptyProblems.push(...checked.emptyProblems);
    this.count(checked.output, this.findings, this.warnings);
    this.count(checked.entryPointReport, this.entryPointFindings, this.entryPointWarnings);
    return checked;
  }

  /** The warnings an environment that is not rendered again gave when it was (the output manifest records them). */
  recall(warnings: { readonly output: readonly Finding[]; readonly entryPoint: readonly Finding[] }): void {
    this.warnings.push(...warnings.output);
    this.entryPointWarnings.push(...warnings.entryPoint);
  }

  /**
   * Throws what the rendered environments hold, in the order synth reports it: collisions on a shared cluster
   * (ConfigError), environments without a policy (OutputGuardError), then validation findings (ValidationError),
   * those of the output sorted by file as for the whole tree, then those of the entry points. Returns the report.
   */
  assertAccepted(): ValidationReport {
    if (this.configProblems.length > 0) throw new ConfigError(this.configProblems);
    if (this.emptyProblems.length > 0) throw new OutputGuardError(this.emptyProblems);
    const findings = [...byFile(this.findings), ...this.entryPointFindings];
    if (findings.length > 0) throw new ValidationError(findings);
    return { findings, warnings: [...byFile(this.warnings), ...this.entryPointWarnings], objectsValidated: this.objectsValidated };
  }

  private count(report: ValidationReport, findings: Finding[], warnings: Finding[]): void {
    findings.push(...report.findings);
    warnings.push(...report.warnings);
    // Entry points count under `clusters`, which an environment may be named too: add, do not replace.
    for (const [owner, n] of report.objectsValidated) this.objectsValidated.set(owner, (this.objectsValidated.get(owner) ?? 0) + n);
  }
}

/** Findings in the order of their files' paths, as validating the whole tree at once gives them (stable within a file). */
function byFile(findings: readonly Finding[]): Finding[] {
  const path = (finding: Finding) => `${finding.env}/${finding.file}`;
  return [...findings].sort((a, b) => (path(a) < path(b) ? -1 : path(a) > path(b) ? 1 : 0));
}
