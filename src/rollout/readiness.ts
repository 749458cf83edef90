import type { EngineKind, Environment, Phase, PolicyName } from '../model/environment';
import { matchesImageGlob } from '../model/image-spellings';
import { renderedKind } from '../engines';
import { GUARDRAILS } from '../policies';
import { RESULT_STATUSES, type ReportedResult, type ResultStatus } from './reports';

/** Results that stand in the way of enforcing: the resource would be denied (fail, warn) or could not be checked (error). */
const BLOCKING_STATUSES: readonly ResultStatus[] = ['fail', 'warn', 'error'];

/** A resource a guardrail did not pass. */
export interface FailingResource {
  readonly status: ResultStatus;
  readonly rule: string;
  readonly namespace?: string;
  readonly kind?: string;
  readonly name?: string;
  /** The governed image the result names, when its properties or message name one. */
  readonly image?: string;
  readonly message?: string;
}

export interface PolicyReadiness {
  readonly policy: PolicyName;
  readonly phase: Phase;
  readonly counts: Readonly<Record<ResultStatus, number>>;
  /** At least one resource was actually evaluated (a result other than skip). */
  readonly observed: boolean;
  /** Observed, and no result that enforcing would turn into a denial or an outage. */
  readonly ready: boolean;
  readonly failing: readonly FailingResource[];
}

export interface Readiness {
  readonly environment: string;
  /** The engine whose results were judged: the environment's own. */
  readonly engine: EngineKind;
  /** The policies judged: every policy of the environment, or those `--policy` named. */
  readonly policies: readonly PolicyReadiness[];
  /** Results of policies or rules that are not this environment's guardrails, left out of every count. */
  readonly ignoredResults: number;
  /**
   * Results of this environment's policy names that the other engine reported (same name during a migration,
   * another `source`): left out of every count and of `ignoredResults`.
   */
  readonly otherEngineResults: number;
  /** Every audit-phase policy judged is ready: it (or the environment) can be switched to enforce. */
  readonly ready: boolean;
}

/** Whether a report result was produced by the environment's own engine for `policy` (by its report `source`). */
function isOwnEngineResult(env: Environment, policy: PolicyName, result: ReportedResult): boolean {
  return renderedKind(env.engine, policy).reportSources.includes(result.source);
}

/** Whether a result of the environment's own engine comes from one of its guardrails (by rule for ClusterPolicy). */
function isGuardrailResult(env: Environment, policy: PolicyName, result: ReportedResult): boolean {
  // The CEL policy kinds have no rules: Kyverno reports the policy name, or the step that failed, as rule.
  const rules = renderedKind(env.engine, policy).reportedRules?.(GUARDRAILS[policy].clusterPolicyRule);
  return rules === undefined || rules.includes(result.rule);
}

/**
 * Aggregates report results per guardrail of the environment and decides whether each is ready to enforce.
 * With `only`, judges just those policies (enabled ones): the results of the others count as ignored.
 */
export function assessReadiness(env: Environment, results: readonly ReportedResult[], only?: readonly PolicyName[]): Readiness {
  const judged = [...env.policies].filter(([policy]) => only === undefined || only.includes(policy));
  const judgedResults = results.filter((r) => judged.some(([policy]) => policy === r.policy));
  const ownEngine = judgedResults.filter((r) => isOwnEngineResult(env, r.policy as PolicyName, r));
  const ours = ownEngine.filter((r) => isGuardrailResult(env, r.policy as PolicyName, r));
  const policies = judged.map(([policy, { phase }]): PolicyReadiness => {
    const mine = ours.filter((r) => r.policy === policy);
    const counts = Object.fromEntries(RESULT_STATUSES.map((s) => [s, mine.filter((r) => r.status === s).length])) as Record<
      ResultStatus,
      number
    >;
    const observed = mine.some((r) => r.status !== 'skip');
    const failing = mine.filter((r) => BLOCKING_STATUSES.includes(r.status)).map((r) => failingResource(env, r));
    failing.sort((a, b) => resourceKey(a).localeCompare(resourceKey(b)));
    return { policy, phase, counts, observed, ready: observed && failing.length === 0, failing };
  });
  return {
    environment: env.name,
    engine: env.engine,
    policies,
    ignoredResults: results.length - ours.length - (judgedResults.length - ownEngine.length),
    otherEngineResults: judgedResults.length - ownEngine.length,
    ready: policies.every((p) => p.phase !== 'audit' || p.ready),
  };
}

function failingResource(env: Environment, r: ReportedResult): FailingResource {
  return {
    status: r.status,
    rule: r.rule,
    namespace: r.resource?.namespace,
    kind: r.resource?.kind,
    name: r.resource?.name,
    image: governedImageIn(env, [...Object.values(r.properties), r.message ?? '']),
    message: r.message,
  };
}

/**
 * The first word of `texts` that is an image the environment governs (Kyverno puts the image in its messages).
 * A word with `*` is a pattern quoted by the message, not an image.
 */
function governedImageIn(env: Environment, texts: readonly string[]): string | undefined {
  const words = texts.flatMap((text) => text.split(/\s+/)).map((word) => word.replace(/^["'([]+|["')\],;:.]+$/g, ''));
  return words.find((word) => word !== '' && !word.includes('*') && env.imagePatterns.some((pattern) => matchesImageGlob(pattern, word)));
}

function resourceKey(f: FailingResource): string {
  return [f.namespace ?? '', f.kind ?? '', f.name ?? '', f.rule, f.status].join('\0');
}

/** The human-readable report: one block per guardrail, failing resources indented, then the verdict. */
export function formatReadiness(readiness: Readiness): string[] {
  const lines = [
    `Audit readiness of environment "${readiness.environment}": ${readiness.engine} results judged ` +
      `(${readiness.otherEngineResults} results of the other engine and ${readiness.ignoredResults} of other policies ignored)`,
  ];
  for (const p of readiness.policies) {
    const counts = RESULT_STATUSES.map((s) => `${s} ${p.counts[s]}`).join(', ');
    lines.push(`${p.policy} (${p.phase}): ${verdictOf(p)} [${counts}]`);
    for (const f of p.failing) {
      const resource = [f.namespace, f.kind, f.name].map((part) => part ?? '?').join('/');
      const image = f.image === undefined ? '' : ` image ${f.image}`;
      lines.push(`  ${f.status} ${resource}${image} (rule ${f.rule || '-'}): ${f.message ?? '(no message)'}`);
    }
  }
  const audited = readiness.policies.filter((p) => p.phase === 'audit');
  if (audited.length === 0) lines.push('No policy is in audit: nothing to promote.');
  else if (readiness.ready)
    lines.push(`Ready: every audit policy (${audited.map((p) => p.policy).join(', ')}) can be switched to enforce.`);
  else
    lines.push(
      `Not ready: ${audited
        .filter((p) => !p.ready)
        .map((p) => p.policy)
        .join(', ')} must stay in audit.`,
    );
  return lines;
}

function verdictOf(p: PolicyReadiness): string {
  if (p.phase === 'enforce') return 'already enforced';
  if (!p.observed) return 'NOT READY: no evaluated result yet (is the policy applied, and have governed Pods been admitted?)';
  if (!p.ready) return `NOT READY: ${p.failing.length} resource result(s) would be denied or could not be checked`;
  return 'ready to enforce';
}
