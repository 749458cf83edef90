/**
 * How Kyverno v1.19.0's webhook controller turns policies.kyverno.io policies into admission webhooks, as far as
 * it decides which policies share one and what the API server evaluates before calling Kyverno: the one model of
 * that grouping the tests use. Sources (kyverno/kyverno at tag v1.19.0, commit ee97ce09538b09b6f1b03853cc41a62654d6a58f,
 * unless named otherwise):
 * - pkg/controllers/webhook/validating.go `buildWebhookRules` (27-307) and `groupBySelectors` (323-365);
 * - pkg/controllers/webhook/controller.go: the validating configuration built per kind (1259-1266 for
 *   ValidatingPolicy, 1331-1338 for ImageValidatingPolicy), the mutating one for ImageValidatingPolicies that
 *   mutate digests (1038-1045, `ivpolsNeedingMutation` 1576-1589);
 * - pkg/config/config.go:59, 71, 73: the webhook names;
 * - github.com/kyverno/api v0.0.1-alpha.3.0.20260723090831-fb2785727f98 (v1.19.0's go.mod):
 *   api/policies.kyverno.io/v1beta1/imagevalidating_policy.go:104-120 and validating_policy.go:100-106, the
 *   timeout read from `webhookConfiguration.timeoutSeconds` and the failure policy defaulting to Fail;
 * - pkg/cel/compiler/matchconditions.go:23-64: which match conditions count as valid;
 * - pkg/cel/autogen/support.go:13-42 (`CanAutoGen`), match.go:67-96 (`CreateMatchConditions`), data.go:11-90 (the
 *   controller kinds) and pkg/cel/policies/{ivpol,vpol}/autogen/autogen.go (one autogen policy per replacement set).
 */

type Json = Record<string, any>;

/** A policy's webhook in one webhook configuration: policies with the same key share the webhook. */
export interface Webhook {
  readonly key: string;
  /** The webhook's name as Kyverno registers it (for a shared one, without the selector-group suffix). */
  readonly name: string;
}

/**
 * Which rule decides that a policy gets a webhook of its own. `v1.19.0`: valid match conditions, `matchPolicy:
 * Exact` or a webhook timeout (validating.go:31-39). `as-reported`: kyverno/kyverno#17275 as its report states the
 * trigger, policies with identical matchConstraints and no matchConditions share, timeouts aside.
 */
export type Grouping = 'v1.19.0' | 'as-reported';

/** The webhook configurations a policy's webhooks are built in, by the name prefix Kyverno gives each. */
function configurationsOf(policy: Json): string[] {
  if (policy.spec?.evaluation?.admission?.enabled === false) return []; // controller.go getValidatingPolicies / getImageValidatingPolicies
  switch (policy.kind) {
    case 'ValidatingPolicy':
      return ['vpol.validate.kyverno.svc'];
    case 'ImageValidatingPolicy':
      // mutateDigest defaults to true: a policy that leaves it unset mutates too.
      return [
        'ivpol.validate.kyverno.svc',
        ...(policy.spec.validationConfigurations?.mutateDigest === false ? [] : ['ivpol.mutate.kyverno.svc']),
      ];
    default:
      throw new Error(`${policy.kind} is not a policies.kyverno.io kind the model knows`);
  }
}

/** k8s.io/apimachinery IsQualifiedName: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedName(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, value] : [value.slice(0, slash), value.slice(slash + 1)];
  const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !subdomain.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name);
}

/**
 * Whether Kyverno counts a policy's match conditions as valid (validating.go:424-436 through
 * matchconditions.go:23-64): at least one, at most 64, each with a qualified, unique name and an expression. Their
 * compilation in the API server's CEL environment is not modelled: tests evaluate the conditions themselves.
 */
function hasValidMatchConditions(policy: Json): boolean {
  const conditions: Json[] = policy.spec.matchConditions ?? [];
  const names = conditions.map((c) => c.name);
  return (
    conditions.length > 0 &&
    conditions.length <= 64 &&
    new Set(names).size === names.length &&
    conditions.every((c) => typeof c.name === 'string' && isQualifiedName(c.name) && String(c.expression ?? '').trim() !== '')
  );
}

/** Why Kyverno gives the policy a webhook of its own, in validating.go's order; empty when it groups the policy with others. */
export function ownWebhookReasons(policy: Json, grouping: Grouping = 'v1.19.0'): string[] {
  const reasons: string[] = [];
  if (hasValidMatchConditions(policy)) reasons.push('matchConditions');
  if (grouping === 'v1.19.0') {
    if (policy.spec.matchConstraints?.matchPolicy === 'Exact') reasons.push('matchPolicy: Exact');
    if (policy.spec.webhookConfiguration?.timeoutSeconds != null) reasons.push('webhookConfiguration.timeoutSeconds');
  }
  return reasons;
}

/**
 * The webhooks a cluster-scoped policy is registered in. A policy of its own gets `<prefix>-<fail|ignore>-finegrained-<name>`
 * (validating.go:157-176, 470-475); the others of a configuration share `<prefix>-<fail|ignore>` per namespace and
 * object selector (validating.go:191-216, 323-365; Kyverno's own configured selectors are merged into every
 * policy's alike, so they are left out of the key).
 */
export function webhooksOf(policy: Json, grouping: Grouping = 'v1.19.0'): Webhook[] {
  const failure = (policy.spec.failurePolicy ?? 'Fail') === 'Ignore' ? 'ignore' : 'fail';
  const own = ownWebhookReasons(policy, grouping).length > 0;
  return configurationsOf(policy).map((prefix) => {
    if (own) {
      const name = `${prefix}-${failure}-finegrained-${policy.metadata.name}`;
      return { key: name, name };
    }
    const name = `${prefix}-${failure}`;
    const selectors = JSON.stringify([
      policy.spec.matchConstraints?.namespaceSelector ?? null,
      policy.spec.matchConstraints?.objectSelector ?? null,
    ]);
    return { key: `${name} ${selectors}`, name };
  });
}

/** Every webhook two or more of `policies` would share, with the policies (`<kind>/<name>`) in it. */
export function sharedWebhooks(policies: readonly Json[], grouping: Grouping = 'v1.19.0'): { webhook: string; policies: string[] }[] {
  const byKey = new Map<string, { webhook: string; policies: string[] }>();
  for (const policy of policies) {
    for (const { key, name } of webhooksOf(policy, grouping)) {
      const entry = byKey.get(key) ?? { webhook: name, policies: [] };
      entry.policies.push(`${policy.kind}/${policy.metadata.name}`);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()].filter((entry) => entry.policies.length > 1);
}

/** `CanAutoGen` (support.go:13-42): whether Kyverno generates the policy's Pod controller variants. */
export function canAutogen(matchConstraints: Json | undefined): boolean {
  if (matchConstraints === undefined) return false;
  const selector = matchConstraints.objectSelector;
  if (selector && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0)) return false;
  if ((matchConstraints.excludeResourceRules ?? []).length > 0) return false;
  const rules: Json[] = matchConstraints.resourceRules ?? [];
  if (rules.length !== 1) return false;
  const [rule] = rules;
  const only = (values: unknown[] | undefined, value: string) => values?.length === 1 && values[0] === value;
  return (
    (rule.resourceNames ?? []).length === 0 && only(rule.apiGroups, '') && only(rule.apiVersions, 'v1') && only(rule.resources, 'pods')
  );
}

interface Target {
  readonly apiVersion: string;
  readonly kind: string;
}

/** The Pod controllers autogen covers, per replacement set (data.go:33-88; `defaults` rewrites `spec.template`, `cronjobs` `spec.jobTemplate…`). */
const AUTOGEN_TARGETS: Readonly<Record<string, readonly Target[]>> = {
  cronjobs: [{ apiVersion: 'batch/v1', kind: 'CronJob' }],
  defaults: [
    { apiVersion: 'apps/v1', kind: 'DaemonSet' },
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
    { apiVersion: 'apps/v1', kind: 'StatefulSet' },
    { apiVersion: 'batch/v1', kind: 'Job' },
  ],
};

/** Every kind the policy's webhook is called for: Pods, and the Pod controllers when autogen applies. */
export function webhookKinds(policy: Json): Target[] {
  const pods = { apiVersion: 'v1', kind: 'Pod' };
  return canAutogen(policy.spec.matchConstraints) ? [pods, ...Object.values(AUTOGEN_TARGETS).flat()] : [pods];
}

/** `CreateMatchConditions` (match.go:67-96): each condition limited to the targets' kinds, under a prefixed name. */
function createMatchConditions(config: string, targets: readonly Target[], conditions: readonly Json[]): Json[] {
  const precondition = [...new Set(targets.map((t) => `(object.apiVersion == '${t.apiVersion}' && object.kind =='${t.kind}')`))]
    .sort()
    .join(' || ');
  const prefix = config === '' ? 'autogen' : `autogen-${config}`;
  return conditions.map((c) => ({ name: `${prefix}-${c.name}`, expression: `!(${precondition}) || (${c.expression})` }));
}

/**
 * The match conditions the API server evaluates on a policy's own webhook (validating.go:57-81 and 100-131): the
 * policy's conditions for Pods, then per replacement set for the Pod controllers when autogen applies. Autogen
 * rewrites `object.spec`/`object.metadata` in the conditions of the controller variants (replacement.go); that is
 * not modelled, so conditions reading `object` or `oldObject` are refused here.
 */
export function webhookMatchConditions(policy: Json): Json[] {
  const conditions: Json[] = policy.spec.matchConditions ?? [];
  for (const c of conditions) {
    if (/\b(object|oldObject)\b/.test(c.expression)) throw new Error(`${c.name}: autogen rewrites this expression; the model does not`);
  }
  if (!canAutogen(policy.spec.matchConstraints)) return conditions;
  return [
    ...createMatchConditions('', [{ apiVersion: 'v1', kind: 'Pod' }], conditions),
    ...Object.keys(AUTOGEN_TARGETS)
      .sort()
      .flatMap((config) => createMatchConditions(config, AUTOGEN_TARGETS[config], conditions)),
  ];
}
