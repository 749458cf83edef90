import { RENDERED_KINDS } from '../engines';
import type { FieldPath } from '../model/field-path';
import { imageGlobBreadth } from '../model/image-pattern';
import { normalizedImageGlob } from '../model/image-spellings';
import { splitImageReference } from '../model/image-reference';
import { TEMPLATE_SYNTAX_PROBLEM, hasTemplateSyntax, issuerBreadth, literalPrefix, subjectBreadth } from '../model/identity';
import { NAMESPACE_NAME_LABEL } from '../model/kubernetes';
import { failOpenProblem } from '../model/webhook';
import type { Environment } from '../model/environment';
import { INSECURE_SWITCH_EFFECT, insecureSwitches, type InsecureSwitch } from '../model/trust-root';
import { imageVerificationsOf } from '../policies';
import { list, record, type Json, type ObjectRule } from './finding';
import { CLUSTER_POLICY, ruleEnforcesAtRuntime } from './kyverno-rules';
import { validatorKey } from './schema';

// Identity and scope lint: mistakes that pass every schema and every Kyverno check, yet leave a cluster open.
// The rules read the synthesized policies, so they hold for every engine and every renderer. The config loader
// applies the same predicates to the config values first (src/config/guardrail-checks.ts), so a mistake in the
// config is reported once at its line; these rules remain the backstop for whatever a renderer produces.

/** Every kind an engine renders: a new engine's policies are linted without being listed here. */
const POLICY_KINDS = [...RENDERED_KINDS.keys()];

type Role = 'subject' | 'issuer' | 'imagePattern' | 'namespace' | 'labelSelector';

interface Field {
  readonly role: Role;
  /** For identities: whether the value is a regular expression rather than a glob. */
  readonly regexp: boolean;
  /** The property name it was found under (e.g. `namespaceSelector`). */
  readonly key: string;
  readonly value: unknown;
  readonly path: FieldPath;
}

/** Property names the policy kinds use, by what they hold (ClusterPolicy and ImageValidatingPolicy alike). */
const ROLES: Readonly<Record<string, { role: Role; regexp?: boolean }>> = {
  subject: { role: 'subject' },
  subjectRegExp: { role: 'subject', regexp: true },
  issuer: { role: 'issuer' },
  issuerRegExp: { role: 'issuer', regexp: true },
  imageReferences: { role: 'imagePattern' },
  image: { role: 'imagePattern' },
  glob: { role: 'imagePattern' },
  namespaces: { role: 'namespace' },
  namespaceSelector: { role: 'labelSelector' },
  objectSelector: { role: 'labelSelector' },
  selector: { role: 'labelSelector' },
};

/** Every identity, image pattern, namespace and selector under `spec`, lists flattened to their items. */
function fieldsOf(policy: Json): Field[] {
  const fields: Field[] = [];
  const walk = (value: unknown, path: FieldPath) => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...path, i]));
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const known = ROLES[key];
      if (known && known.role !== 'labelSelector' && Array.isArray(child)) {
        child.forEach((item, i) => fields.push({ role: known.role, regexp: !!known.regexp, key, value: item, path: [...path, key, i] }));
      } else if (known) {
        fields.push({ role: known.role, regexp: !!known.regexp, key, value: child, path: [...path, key] });
      } else {
        walk(child, [...path, key]);
      }
    }
  };
  walk(policy.spec, ['spec']);
  return fields;
}

/** Objects that name one signing identity: a ClusterPolicy `keyless` attestor, an ImageValidatingPolicy identity. */
function identityHolders(policy: Json): { value: Json; path: FieldPath }[] {
  const holders: { value: Json; path: FieldPath }[] = [];
  const walk = (value: unknown, path: FieldPath, key: string | number | undefined, parentKey: string | number | undefined) => {
    if (value === null || typeof value !== 'object') return;
    const isKeyless = key === 'keyless' && !Array.isArray(value) && (value as Json).identities === undefined;
    const isIdentity = parentKey === 'identities' && !Array.isArray(value);
    if (isKeyless || isIdentity) holders.push({ value: value as Json, path });
    for (const [k, child] of Object.entries(value)) {
      const childKey = Array.isArray(value) ? Number(k) : k;
      walk(child, [...path, childKey], childKey, key);
    }
  };
  walk(policy.spec, ['spec'], 'spec', undefined);
  return holders;
}

function selectorKeys(selector: unknown): string[] {
  const s = record(selector);
  return [...Object.keys(record(s.matchLabels)), ...list(s.matchExpressions).map((e) => String(record(e).key))];
}

/** Whether the policy blocks what fails its checks, and with which failure policy its webhook is registered. */
function admissionMode(policy: Json): { enforcing: boolean; failurePolicy: unknown; path: FieldPath } {
  const spec = record(policy.spec);
  if (validatorKey(policy) !== CLUSTER_POLICY) {
    // validationActions defaults to [Deny], failurePolicy to Fail.
    const actions = spec.validationActions === undefined ? ['Deny'] : list(spec.validationActions);
    return { enforcing: actions.includes('Deny'), failurePolicy: spec.failurePolicy ?? 'Fail', path: ['spec', 'failurePolicy'] };
  }
  const webhook = record(spec.webhookConfiguration);
  return {
    enforcing: list(spec.rules).some((rule) => ruleEnforcesAtRuntime(spec, record(rule))),
    // Kyverno's runtime default is Fail (spec_types.go GetFailurePolicy).
    failurePolicy: webhook.failurePolicy ?? spec.failurePolicy ?? 'Fail',
    path: webhook.failurePolicy !== undefined ? ['spec', 'webhookConfiguration', 'failurePolicy'] : ['spec', 'failurePolicy'],
  };
}

/** The fields that switch a check of a keyless signature off, in either engine, by the switch they are. */
const INSECURE_FIELDS: Readonly<Record<string, InsecureSwitch>> = {
  ignoreTlog: 'insecureIgnoreTlog',
  insecureIgnoreTlog: 'insecureIgnoreTlog',
  ignoreSCT: 'insecureIgnoreSCT',
  insecureIgnoreSCT: 'insecureIgnoreSCT',
};

/** Every field under `spec` that turns a check off (set to true), with the switch it is. */
function insecureFields(policy: Json): { path: FieldPath; name: InsecureSwitch }[] {
  const found: { path: FieldPath; name: InsecureSwitch }[] = [];
  const walk = (value: unknown, path: FieldPath) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, Array.isArray(value) ? Number(key) : key];
      if (INSECURE_FIELDS[key] !== undefined && child === true) found.push({ path: childPath, name: INSECURE_FIELDS[key] });
      else walk(child, childPath);
    }
  };
  walk(policy.spec, ['spec']);
  return found;
}

/** The switches the environment's config acknowledges for this policy (its signer's trust root), with trust root and reason. */
function acknowledgedSwitches(
  policy: Json,
  environment: Environment | undefined,
): Map<InsecureSwitch, { trustRoot: string; reason: string }> {
  const name = record(policy.metadata).name;
  const definition = environment && imageVerificationsOf(environment).find((check) => check.name === name);
  const trustRoot = definition?.signer.trustRoot;
  return new Map(trustRoot ? insecureSwitches(trustRoot).map(({ name: s, reason }) => [s, { trustRoot: trustRoot.name, reason }]) : []);
}

function rule(id: string, source: string, check: ObjectRule['check']): ObjectRule {
  return { id, kinds: POLICY_KINDS, source, check };
}

export const LINT_RULES: readonly ObjectRule[] = [
  rule(
    'lint/identity-owner-scope',
    'A subject or issuer that matches more than one owner trusts anyone who can run a workflow on that forge: ' +
      'https://github.com/acme*/* also matches acme-evil, and a missing subject or issuer trusts every identity.',
    (policy) => [
      ...fieldsOf(policy).flatMap((f) => {
        if (f.role === 'subject' && typeof f.value === 'string') {
          const breadth = subjectBreadth(f.value, f.regexp);
          return breadth ? [{ path: f.path, message: `subject ${JSON.stringify(f.value)} ${breadth}` }] : [];
        }
        const breadth = f.role === 'issuer' && typeof f.value === 'string' ? issuerBreadth(f.value, f.regexp) : undefined;
        return breadth ? [{ path: f.path, message: `issuer ${JSON.stringify(f.value)} ${breadth}` }] : [];
      }),
      ...identityHolders(policy).flatMap(({ value, path }) =>
        (['subject', 'issuer'] as const)
          // An empty value is reported with the value itself, above.
          .filter((part) => value[part] === undefined && value[`${part}RegExp`] === undefined)
          .map((part) => ({
            path,
            message: `no ${part}: a signature from any ${part === 'subject' ? 'identity' : 'OIDC issuer'} is accepted`,
          })),
      ),
    ],
  ),
  rule(
    'lint/issuer-https',
    'The OIDC issuer is where Fulcio fetched the signing token from; anything but an https URL is either a typo that ' +
      'matches no certificate or an issuer whose tokens could be tampered with in transit.',
    (policy) =>
      fieldsOf(policy)
        .filter((f) => f.role === 'issuer' && typeof f.value === 'string')
        // Only the scheme is judged here: a wildcard host (https://*.example.com) is lint/identity-owner-scope's finding.
        .filter((f) => !/^https:\/\//.test(literalPrefix(f.value as string, f.regexp).prefix))
        .map((f) => ({ path: f.path, message: `issuer ${JSON.stringify(f.value)} is not an https URL` })),
  ),
  rule(
    'lint/template-syntax',
    'Kyverno evaluates {{ }} and $( ) in policies, and Flux post-build substitution rewrites ${ }: an identity, ' +
      'image pattern or namespace containing them would change meaning after synth.',
    (policy) =>
      fieldsOf(policy)
        .filter((f) => f.role !== 'labelSelector' && typeof f.value === 'string' && hasTemplateSyntax(f.value))
        .map((f) => ({
          path: f.path,
          message: `${JSON.stringify(f.value)} ${TEMPLATE_SYNTAX_PROBLEM}`,
        })),
  ),
  rule(
    'lint/regexp-anchored',
    'An unanchored regular expression matches anywhere in the value: ^https://github\\.com/acme/ without $ accepts any ' +
      'suffix, and acme/ without ^ accepts any prefix.',
    (policy) =>
      fieldsOf(policy)
        .filter((f) => f.regexp && typeof f.value === 'string' && !(f.value.startsWith('^') && f.value.endsWith('$')))
        .map((f) => ({ path: f.path, message: `regular expression ${JSON.stringify(f.value)} is not anchored with ^…$` })),
  ),
  rule(
    'lint/image-pattern-scope',
    'A pattern for every registry, or one without a registry host, puts the guardrail on images nobody here signs ' +
      '(and, in enforce, blocks them), or silently depends on Docker Hub being the default registry.',
    (policy) => {
      const patterns = fieldsOf(policy).filter((f) => f.role === 'imagePattern' && typeof f.value === 'string');
      // A Docker Hub spelling without host (`acme/*`, src/model/image-spellings.ts) stands for a pattern naming the
      // host beside it, which is judged itself.
      const named = new Set(
        patterns
          .map((f) => f.value as string)
          .flatMap((value) => (splitImageReference(value).host === undefined ? [] : [normalizedImageGlob(value)])),
      );
      return patterns.flatMap((f) => {
        const value = f.value as string;
        const spelling = splitImageReference(value).host === undefined && named.has(normalizedImageGlob(value));
        const breadth = spelling ? undefined : imageGlobBreadth(value);
        return breadth ? [{ path: f.path, message: `image pattern ${JSON.stringify(value)} ${breadth}` }] : [];
      });
    },
  ),
  rule(
    'lint/label-selector-scope',
    `Tenants can set labels on their Pods (and often their namespaces): selecting or excluding by label is a bypass. ` +
      `Scope by namespace name only, which the API server records in the immutable ${NAMESPACE_NAME_LABEL} label.`,
    (policy) =>
      fieldsOf(policy).flatMap((f) => {
        if (f.role !== 'labelSelector') return [];
        const allowed = f.key === 'namespaceSelector' ? NAMESPACE_NAME_LABEL : undefined;
        const keys = selectorKeys(f.value).filter((key) => key !== allowed);
        return keys.length > 0
          ? [
              {
                path: f.path,
                message: `selects by label ${keys.map((k) => JSON.stringify(k)).join(', ')}, which tenants can set: match namespaces by name`,
              },
            ]
          : [];
      }),
  ),
  {
    id: 'lint/insecure-verification',
    kinds: POLICY_KINDS,
    source:
      'A policy that ignores the transparency log accepts a signature no one can audit or revoke after the fact; one that ' +
      'ignores SCTs accepts a signing certificate no CT log recorded, so a mis-issued certificate goes unnoticed. Allowed ' +
      "only as a trust root's insecureIgnoreTlog or insecureIgnoreSCT with its reason, and then reported on every policy it weakens.",
    check(policy, context) {
      const found = insecureFields(policy);
      const acknowledged = found.length === 0 ? new Map() : acknowledgedSwitches(policy, context.environment);
      return found.map(({ path, name }) => {
        const acknowledgement = acknowledged.get(name);
        return acknowledgement
          ? {
              path,
              message: `${INSECURE_SWITCH_EFFECT[name]}: trust root "${acknowledgement.trustRoot}" sets ${name} (${acknowledgement.reason})`,
              severity: 'warning' as const,
            }
          : { path, message: `${INSECURE_SWITCH_EFFECT[name]}, and no trust root of the config sets ${name} with a reason` };
      });
    },
  },
  {
    id: 'lint/fail-open-enforce',
    kinds: POLICY_KINDS,
    source:
      'An enforcing policy with failurePolicy Ignore admits every Pod unchecked whenever Kyverno is down or slow — an ' +
      'outage, or an attacker who can slow the registry, turns enforcement off. Allowed only with webhook.acknowledgeFailOpen.',
    check(policy, context) {
      const mode = admissionMode(policy);
      const problem = failOpenProblem(mode.enforcing, mode.failurePolicy, context.environment?.webhook.acknowledgeFailOpen);
      return problem ? [{ path: mode.path, message: problem }] : [];
    },
  },
];
