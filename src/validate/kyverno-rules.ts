import type { WebhookRuleSet } from '../engines';
import type { FieldPath } from '../model/field-path';
import { list, record, type Json, type ObjectRule } from './finding';

// Kyverno v1.19.0's policy webhook (validate-policy.kyverno.svc) rejects these ClusterPolicies in Go code, after
// the CRD schema has passed and CRD defaults have been applied. Each rule cites the function it mirrors;
// messages are Kyverno's own detail strings (with the Kubernetes field.Error prefix where Kyverno uses one),
// so a finding can be searched for in Kyverno's source and issues.

/** The validator key of the ClusterPolicy kind, whose failure actions the functions below read. */
export const CLUSTER_POLICY = 'kyverno.io/v1/ClusterPolicy';

/** A rule of Kyverno's webhook: the kinds it applies to are those of the engines that name its set. */
export type WebhookRule = Omit<ObjectRule, 'kinds'>;

const K = 'kyverno/kyverno@v1.19.0';
const MAX_NAME_LENGTH = 63;

/** `Audit()` is `!Enforce()`, and `Enforce()` accepts the deprecated lower-case value too (spec_types.go). */
function isEnforce(action: unknown): boolean {
  return action === 'Enforce' || action === 'enforce';
}

/**
 * Whether each `verifyImages` entry of a rule is validated as Audit, exactly as the webhook decides it
 * (pkg/validation/policy/validate.go `Validate`): per rule, start from `spec.validationFailureAction`, whose
 * CRD default is Audit; an entry's explicit `failureAction` replaces the value for that entry *and every
 * following entry without one* (the variable is not reset between entries). Namespace overrides are ignored.
 */
export function admissionAuditPerEntry(spec: Json, rule: Json): boolean[] {
  let audit = !isEnforce(spec.validationFailureAction ?? 'Audit');
  return list(rule.verifyImages).map((entry) => {
    const action = record(entry).failureAction;
    if (action !== undefined) audit = !isEnforce(action);
    return audit;
  });
}

/**
 * Whether a failed rule blocks the request at runtime (v1.19.0 engineresponse.go, #16558): a validate rule's own
 * `failureAction`, or for verifyImages any entry with `failureAction: Enforce`, otherwise the first explicit
 * entry action; otherwise the spec's overrides and action. An override that enforces anywhere counts as enforcing.
 */
export function ruleEnforcesAtRuntime(spec: Json, rule: Json): boolean {
  const validateAction = record(rule.validate).failureAction;
  const actions = [validateAction, ...list(rule.verifyImages).map((entry) => record(entry).failureAction)].filter((a) => a !== undefined);
  if (actions.length > 0) return actions.some(isEnforce);
  const overrides = list(spec.validationFailureActionOverrides).map((o) => record(o).action);
  return isEnforce(spec.validationFailureAction ?? 'Audit') || overrides.some(isEnforce);
}

interface Located<T = Json> {
  readonly value: T;
  readonly path: FieldPath;
}

/** Every `spec.rules[i].verifyImages[j]` entry. */
function verifyImageEntries(policy: Json): Located[] {
  return list(record(policy.spec).rules).flatMap((rule, i) =>
    list(record(rule).verifyImages).map((entry, j) => ({ value: record(entry), path: ['spec', 'rules', i, 'verifyImages', j] })),
  );
}

/** Every attestor set of an entry: `attestors[k]`, `attestations[a].attestors[k]`, and nested `attestor` sets. */
function attestorSets(policy: Json): Located[] {
  const sets: Located[] = [];
  const addSet = (set: unknown, path: FieldPath) => {
    sets.push({ value: record(set), path });
    list(record(set).entries).forEach((entry, e) => {
      const nested = record(entry).attestor;
      if (nested !== undefined) addSet(nested, [...path, 'entries', e, 'attestor']);
    });
  };
  for (const { value: entry, path } of verifyImageEntries(policy)) {
    list(entry.attestors).forEach((set, k) => addSet(set, [...path, 'attestors', k]));
    list(entry.attestations).forEach((attestation, a) =>
      list(record(attestation).attestors).forEach((set, k) => addSet(set, [...path, 'attestations', a, 'attestors', k])),
    );
  }
  return sets;
}

/** Every attestor (an entry of an attestor set). */
function attestors(policy: Json): Located[] {
  return attestorSets(policy).flatMap(({ value: set, path }) =>
    list(set.entries).map((entry, e) => ({ value: record(entry), path: [...path, 'entries', e] })),
  );
}

const ATTESTOR_KINDS = ['keys', 'certificates', 'keyless', 'attestor'] as const;

/**
 * A rule that reports every item of one kind (`items`) the webhook refuses, with Kyverno's message, at the
 * item or at its field `at`.
 */
function refusedEach(
  id: string,
  source: string,
  items: (policy: Json) => Located[],
  refusal: { readonly refused: (value: Json) => boolean; readonly message: string; readonly at?: string },
): WebhookRule {
  return {
    id,
    source: `${K} ${source}`,
    check: (policy) =>
      items(policy)
        .filter(({ value }) => refusal.refused(value))
        .map(({ path }) => ({ path: refusal.at === undefined ? path : [...path, refusal.at], message: refusal.message })),
  };
}

/** The `kyverno.io/v1` set, in report order. */
const CLUSTER_POLICY_RULES: readonly WebhookRule[] = [
  {
    id: 'kyverno/mutate-digest-audit',
    source: `${K} api/kyverno/v1/image_verification_types.go ImageVerification.Validate; effective action from pkg/validation/policy/validate.go Validate`,
    check(policy) {
      const spec = record(policy.spec);
      return list(spec.rules).flatMap((rule, i) => {
        const entries = list(record(rule).verifyImages).map(record);
        return admissionAuditPerEntry(spec, record(rule)).flatMap((audit, j) =>
          // mutateDigest defaults to true in the CRD, so leaving it out under Audit is rejected too.
          audit && (entries[j].mutateDigest ?? true) === true
            ? [
                {
                  path: ['spec', 'rules', i, 'verifyImages', j, 'mutateDigest'],
                  message: 'Invalid value: true: mutateDigest must be set to false for ‘Audit’ failure action',
                },
              ]
            : [],
        );
      });
    },
  },
  refusedEach(
    'kyverno/image-reference-required',
    'api/kyverno/v1/image_verification_types.go ImageVerification.Validate',
    verifyImageEntries,
    {
      refused: (entry) => list(entry.imageReferences).length === 0 && !entry.image,
      message: 'An image reference is required',
    },
  ),
  refusedEach('kyverno/attestor-entry-required', 'api/kyverno/v1/image_verification_types.go validateAttestorSet', attestorSets, {
    refused: (set) => list(set.entries).length === 0,
    message: 'An entry is required',
  }),
  refusedEach('kyverno/attestor-count', 'api/kyverno/v1/image_verification_types.go validateAttestorSet', attestorSets, {
    refused: (set) => typeof set.count === 'number' && set.count > list(set.entries).length,
    message: 'Count cannot exceed length of entries',
  }),
  refusedEach('kyverno/attestor-kind', 'api/kyverno/v1/image_verification_types.go Attestor.Validate', attestors, {
    refused: (attestor) => ATTESTOR_KINDS.filter((kind) => attestor[kind] != null).length !== 1,
    message: 'keys, certificates, keyless, or a nested attestor is required',
  }),
  refusedEach('kyverno/keyless-rekor-or-roots', 'api/kyverno/v1/image_verification_types.go KeylessAttestor.Validate', attestors, {
    refused: (attestor) => attestor.keyless != null && record(attestor.keyless).rekor == null && !record(attestor.keyless).roots,
    message: 'Either Rekor URL or roots are required',
    at: 'keyless',
  }),
  // `rekor.url` has no effective CRD default (the marker is misspelt), so `rekor: {}` stays empty.
  refusedEach('kyverno/rekor-url-required', 'api/kyverno/v1/image_verification_types.go KeylessAttestor.Validate', attestors, {
    refused: (attestor) => record(attestor.keyless).rekor != null && !record(record(attestor.keyless).rekor).url,
    message: 'An URL is required',
    at: 'keyless',
  }),
  {
    id: 'kyverno/webhook-timeout-range',
    source: `${K} api/kyverno/v1/spec_types.go Spec.Validate`,
    check(policy) {
      const spec = record(policy.spec);
      const timeouts: Located<unknown>[] = [
        { value: spec.webhookTimeoutSeconds, path: ['spec', 'webhookTimeoutSeconds'] },
        { value: record(spec.webhookConfiguration).timeoutSeconds, path: ['spec', 'webhookConfiguration', 'timeoutSeconds'] },
      ];
      return timeouts
        .filter(({ value }) => typeof value === 'number' && (value < 1 || value > 30))
        .map(({ value, path }) => ({
          path,
          message: `Invalid value: ${String(value)}: the timeout value must be between 1 and 30 seconds`,
        }));
    },
  },
  {
    id: 'kyverno/deprecated-field-conflict',
    source: `${K} api/kyverno/v1/spec_types.go Spec.validateDeprecatedFields`,
    check(policy) {
      const spec = record(policy.spec);
      const webhook = record(spec.webhookConfiguration);
      const pairs = [
        ['webhookTimeoutSeconds', 'timeoutSeconds'],
        ['failurePolicy', 'failurePolicy'],
      ] as const;
      return pairs
        .filter(([deprecated, current]) => spec[deprecated] != null && webhook[current] != null)
        .map(([deprecated, current]) => ({
          path: ['spec', deprecated],
          message: `Forbidden: remove the deprecated field and use spec.webhookConfiguration.${current} instead`,
        }));
    },
  },
  {
    id: 'kyverno/cluster-policy-namespace',
    source: `${K} pkg/validation/policy/validate.go Validate`,
    check(policy) {
      const namespace = record(policy.metadata).namespace;
      return namespace ? [{ path: ['metadata', 'namespace'], message: 'A clusterpolicy should not have the namespace defined' }] : [];
    },
  },
  {
    id: 'kyverno/policy-name-length',
    source: `${K} api/kyverno/v1/utils.go ValidatePolicyName (the name is stored in a report label)`,
    check(policy) {
      const name = record(policy.metadata).name;
      return typeof name === 'string' && Buffer.byteLength(name) > MAX_NAME_LENGTH
        ? [{ path: ['metadata', 'name'], message: `Too long: may not be more than ${MAX_NAME_LENGTH} bytes` }]
        : [];
    },
  },
];

/** Every set's rules, by the name engines give it (PolicyEngine.webhookRules). */
export const WEBHOOK_RULES: { readonly [S in WebhookRuleSet]: readonly WebhookRule[] } = {
  'kyverno.io/v1': CLUSTER_POLICY_RULES,
  // None of the webhook's Go checks of these kinds is mirrored yet: the CRD schema and the lint check them.
  'policies.kyverno.io/v1': [],
};
