import { RENDERED_KINDS } from '../engines';
import { kindKey } from '../engines/engine';

/** The group/version and kind of a policy object Flux applies. */
export interface PolicyKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * The CEL expression that is true once Kyverno reports a policy of this kind Ready, as the engine rendering
 * the kind states it. kstatus' generic rules do not read Kyverno's status, so `wait: true` alone would count a
 * policy healthy as soon as it exists. A status that is not there yet makes the expression fail to evaluate,
 * which Flux treats as not yet current, until `timeout`. Throws for a kind no engine renders.
 */
export function readyExpression(policyKind: PolicyKind): string {
  const rendered = RENDERED_KINDS.get(kindKey(policyKind));
  if (rendered === undefined)
    throw new Error(`no engine renders ${policyKind.apiVersion} ${policyKind.kind}, so Flux cannot health-check it`);
  return rendered.ready;
}
