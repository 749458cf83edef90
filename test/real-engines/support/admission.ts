import type { Environment, EngineKind, Phase, PolicyName } from '../../../src/model/environment';
import { matchesGlob } from '../../../src/model/glob';
import type { AttestationCheck, ResolvedCheck } from '../../../src/policies/definition';
import { GUARDRAILS } from '../../../src/policies';
import { resolveGuardrail } from '../../../src/policies/guardrail';
import type { PredicateCondition } from '../../../src/policies/predicate';
import type { Identity } from './sigstore';

/** What an image carries: who signed it, and each signed attestation with its predicate. */
export interface Evidence {
  readonly signatures: readonly Identity[];
  readonly attestations: readonly { readonly predicateType: string; readonly predicate: unknown; readonly signer: Identity }[];
}

/** What the product says a guardrail does to one image: not its business, admits it, or refuses it. */
export type Verdict = 'not-governed' | 'admit' | 'refuse';

/** A guardrail of an environment, with every default resolved: the very definition its policy is rendered from. */
export function checkOf(env: Environment, policy: PolicyName): ResolvedCheck {
  return resolveGuardrail(GUARDRAILS[policy], env);
}

function signedBy(signer: { issuer: string; subject: string }, identity: Identity): boolean {
  return matchesGlob(signer.issuer, identity.issuer) && matchesGlob(signer.subject, identity.subject);
}

/** Reads a dotted predicate field. */
function fieldValue(predicate: unknown, segments: readonly string[]): unknown {
  return segments.reduce<unknown>((value, segment) => (value as Record<string, unknown> | undefined)?.[segment], predicate);
}

function holds(condition: PredicateCondition, predicate: unknown, now: Date): boolean {
  const value = fieldValue(predicate, condition.field.segments);
  if (typeof value !== 'string') return false;
  if (condition.kind === 'matchesAnyGlob') return condition.globs.some((glob) => matchesGlob(glob, value));
  const age = (now.getTime() - Date.parse(value)) / 1000;
  return age >= 0 && age <= condition.maxAgeSeconds;
}

/**
 * The verdict the product's definition of a guardrail implies for an image reference and its evidence: every
 * expected outcome of the admission matrix comes from here, that is from the config through the model, never
 * from a list of expected results.
 */
export function expectedVerdict(check: ResolvedCheck, image: string, evidence: Evidence, now = new Date()): Verdict {
  if (check.check === 'registryRestriction') {
    return check.definition.allowedImages.some((glob) => matchesGlob(glob, image)) ? 'admit' : 'refuse';
  }
  const { imagePatterns, signer, attestation } = check.definition;
  if (!imagePatterns.some((glob) => matchesGlob(glob, image))) return 'not-governed';
  if (attestation === undefined) return evidence.signatures.some((identity) => signedBy(signer, identity)) ? 'admit' : 'refuse';
  const satisfied = evidence.attestations.some(
    (a) =>
      a.predicateType === attestation.predicateType &&
      signedBy(signer, a.signer) &&
      attestation.conditions.every((condition) => holds(condition, a.predicate, now)),
  );
  return satisfied ? 'admit' : 'refuse';
}

/** A value for a field that satisfies a condition, or (`violate`) one that breaks it. */
function valueFor(condition: PredicateCondition, violate: boolean, now: Date): string {
  if (condition.kind === 'notOlderThan') {
    const age = violate ? condition.maxAgeSeconds + 86_400 : 3_600;
    return new Date(now.getTime() - age * 1000).toISOString();
  }
  const value = violate ? 'https://github.com/not-allowed/elsewhere' : condition.globs[0].replaceAll('*', 'x');
  if (condition.globs.some((glob) => matchesGlob(glob, value)) === violate)
    throw new Error(`cannot ${violate ? 'break' : 'meet'} ${condition.description}`);
  return value;
}

/**
 * A predicate for an attestation check whose every condition holds, except the one `violated` (by index): each
 * field the conditions read is set, so the document is what the policy reads and nothing else.
 */
export function predicateFor(attestation: AttestationCheck, violated?: number, now = new Date()): Record<string, unknown> {
  const predicate: Record<string, unknown> = {};
  attestation.conditions.forEach((condition, i) => {
    const segments = condition.field.segments;
    let node = predicate;
    for (const segment of segments.slice(0, -1)) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments.at(-1)!] = valueFor(condition, i === violated, now);
  });
  return predicate;
}

/**
 * The result `kyverno apply --audit-warn` reports for a refusal: `fail` where the policy enforces, `warn` where it
 * audits. The CLI reads the failure action of ClusterPolicies only: every other policy kind's failure is reported
 * as `warn` (v1.19.0 cmd/cli/kubectl-kyverno/report/report.go ComputePolicyReportResult calls
 * EngineResponse.GetValidationFailureAction, pkg/engine/api/engineresponse.go, which returns "" — Audit — for
 * anything but a Kyverno policy), so an ImageValidatingPolicy's Deny shows as `warn` too.
 */
export function refusalResult(engine: EngineKind, phase: Phase): 'fail' | 'warn' {
  return engine === 'ClusterPolicy' && phase === 'enforce' ? 'fail' : 'warn';
}
