import { matchesGlob } from '../model/glob';
import { fieldPath, type PredicateCondition } from '../policies/predicate';

export { describeCondition } from '../policies/predicate';

interface Statement {
  readonly predicateType?: string;
  readonly predicate?: unknown;
}

/**
 * The in-toto statements of `predicateType` among the attestations `cosign verify-attestation` printed (one DSSE
 * envelope per line, its statement base64-encoded in `payload`).
 */
export function statementsOfType(cosignOutput: string, predicateType: string): Statement[] {
  return cosignOutput
    .split('\n')
    .flatMap((line) => {
      try {
        const envelope = JSON.parse(line) as { payload?: string };
        return [JSON.parse(Buffer.from(envelope.payload ?? '', 'base64').toString('utf8')) as Statement];
      } catch {
        return []; // not an envelope: cosign's other output
      }
    })
    .filter((statement) => statement.predicateType === predicateType);
}

/**
 * A warning when cosign's output holds several statements of `predicateType` (e.g. a stale SBOM still attached):
 * the ClusterPolicy engine checks every one, the ImageValidatingPolicy engine keeps only one per predicate type,
 * so the two engines may judge the image differently. Undefined with one statement or none.
 */
export function multipleStatementsWarning(cosignOutput: string, predicateType: string): string | undefined {
  const count = statementsOfType(cosignOutput, predicateType).length;
  if (count < 2) return undefined;
  return (
    `${count} ${predicateType} statements are attached: the ClusterPolicy engine checks every one, the ` +
    'ImageValidatingPolicy engine only one of them, so the engines may disagree (remove the stale ones)'
  );
}

/**
 * Why the attestations cosign printed fail the policy's predicate conditions; empty when they pass. Like the
 * ClusterPolicy engine, every statement of the predicate type must satisfy every condition.
 */
export function predicateViolations(
  cosignOutput: string,
  predicateType: string,
  conditions: readonly PredicateCondition[],
  now: number = Date.now(),
): string[] {
  const statements = statementsOfType(cosignOutput, predicateType);
  if (statements.length === 0) return [`no ${predicateType} statement in cosign's output`];
  return statements.flatMap((statement) =>
    conditions.flatMap((condition) => {
      const value = condition.field.segments.reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key],
        statement.predicate,
      );
      return holds(condition, value, now) ? [] : [`${condition.description}: ${fieldPath(condition)} is ${JSON.stringify(value)}`];
    }),
  );
}

function holds(condition: PredicateCondition, value: unknown, now: number): boolean {
  if (typeof value !== 'string') return false;
  if (condition.kind === 'matchesAnyGlob') return condition.globs.some((glob) => matchesGlob(glob, value));
  const age = now - Date.parse(value);
  return Number.isFinite(age) && age >= 0 && age <= condition.maxAgeSeconds * 1000;
}
