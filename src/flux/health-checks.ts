/** The group/version and kind of a policy object Flux applies. */
export interface PolicyKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * CEL expression, per policy kind, that is true once Kyverno reports the policy Ready, i.e. its webhook
 * is configured and it is admitting. kstatus' generic rules do not read Kyverno's status, so `wait: true`
 * alone would count a policy healthy as soon as it exists. A status that is not there yet makes the
 * expression fail to evaluate, which Flux treats as not yet current, until `timeout`.
 */
const READY_EXPRESSIONS: Readonly<Record<string, string>> = {
  'kyverno.io/v1/ClusterPolicy': "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  // The policies.kyverno.io kinds share one status shape (the READY printer column reads the same field).
  'policies.kyverno.io/v1/ImageValidatingPolicy': 'status.conditionStatus.ready == true',
  'policies.kyverno.io/v1/ValidatingPolicy': 'status.conditionStatus.ready == true',
};

/** The Ready expression for a policy kind; throws for a kind nobody taught Flux to health-check. */
export function readyExpression({ apiVersion, kind }: PolicyKind): string {
  const expression = READY_EXPRESSIONS[`${apiVersion}/${kind}`];
  if (expression === undefined) {
    throw new Error(`no Flux health check is defined for ${apiVersion} ${kind}: add one to READY_EXPRESSIONS`);
  }
  return expression;
}
