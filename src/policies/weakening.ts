import { goDuration } from '../model/duration';
import type { Signer } from '../model/environment';
import { INSECURE_SWITCHES, INSECURE_SWITCH_EFFECT, insecureSwitches, type TrustRoot } from '../model/trust-root';
import { globCovers } from '../model/glob';
import {
  checksNamespace,
  type AttestationCheck,
  type CheckKind,
  type Definitions,
  type PolicyDefinition,
  type ResolvedCheck,
} from './definition';
import { fieldPath, type PredicateCondition } from './predicate';

// What a change of an enforced guardrail lets through that it did not before, compared on the engine-neutral
// definitions both engines render. Every field of a definition states how it can weaken (or why it cannot): a field
// added to a definition does not compile until it does. A trust root counts as one field: any change of what it trusts
// weakens, and so does each insecure switch it gains (INSECURE_SWITCHES, so a new switch is judged the day it exists).

/** How one field of a definition lets more through: one phrase per weakening between the committed and the new value. */
type Comparison<T> = (before: T, after: T) => string[];

/** Every field of `D`, optional ones included: a comparison, or why the field cannot let more through. */
type FieldComparisons<D, Whole = D> = { readonly [K in keyof D]-?: Comparison<Whole> | `never weakens: ${string}` };

/** The fields only one check kind has. */
type OwnFields<C extends CheckKind> = Omit<Definitions[C], keyof PolicyDefinition>;

/** The globs of `globs` that no glob of `by` covers: what `globs` matches beyond `by`. */
function beyond(globs: readonly string[], by: readonly string[]): string[] {
  return globs.filter((glob) => !by.some((outer) => globCovers(outer, glob)));
}

const DEMOTED = 'demoted from enforce to audit: violations are reported, no longer denied';

/** The fields every guardrail has. */
const POLICY_FIELDS: FieldComparisons<PolicyDefinition> = {
  name: 'never weakens: the policy compared is the one of this name',
  ruleName: 'never weakens: a name in reports',
  description: 'never weakens: words for reports and UIs',
  message: 'never weakens: words shown with a denial',
  labels: 'never weakens: they carry the phase, compared as phase',
  phase: (before, after) => (before.phase === 'enforce' && after.phase === 'audit' ? [DEMOTED] : []),
  failurePolicy: (before, after) =>
    before.failurePolicy === 'Fail' && after.failurePolicy === 'Ignore'
      ? ['fails open (failurePolicy Fail → Ignore): Pods are admitted unchecked whenever Kyverno does not answer']
      : [],
  timeoutSeconds: (before, after) =>
    after.failurePolicy === 'Ignore' && after.timeoutSeconds < before.timeoutSeconds
      ? [`gives up sooner (${before.timeoutSeconds}s → ${after.timeoutSeconds}s) and then admits unchecked (failurePolicy Ignore)`]
      : [],
  namespaces: (before, after) => {
    if (before.namespaces === undefined && after.namespaces !== undefined) {
      return [`checks only namespaces ${after.namespaces.join(', ')}, where it checked every namespace but the excluded ones`];
    }
    // Only a namespace the committed scope listed, or one now excluded, can have left the checked ones.
    const candidates = new Set([...(before.namespaces ?? []), ...after.excludeNamespaces]);
    const lost = [...candidates].filter((namespace) => checksNamespace(before, namespace) && !checksNamespace(after, namespace));
    return lost.length === 0 ? [] : [`no longer checks namespace${lost.length === 1 ? '' : 's'} ${lost.sort().join(', ')}`];
  },
  excludeNamespaces: 'never weakens: compared with namespaces, as the namespaces checked',
};

/** The identity fields of a signer, each able to admit signatures it did not. */
const SIGNER_FIELDS: FieldComparisons<Signer> = {
  issuer: (before, after) =>
    beyond([after.issuer], [before.issuer]).map((issuer) => `accepts certificates of issuer ${issuer} (was ${before.issuer})`),
  subject: (before, after) =>
    beyond([after.subject], [before.subject]).map((subject) => `accepts signer subject ${subject} (was ${before.subject})`),
  trustRoot: (before, after) => {
    const [was, now] = [before.trustRoot, after.trustRoot];
    const gained = insecureSwitches(now).filter(({ name }) => !insecureSwitches(was).some((switched) => switched.name === name));
    return [
      ...(trustedInstance(was) === trustedInstance(now)
        ? []
        : [`trusts another Sigstore instance (${describeTrustRoot(was)} → ${describeTrustRoot(now)})`]),
      ...gained.map(({ name }) => `${INSECURE_SWITCH_EFFECT[name]} (trust root ${now.name}: ${name})`),
    ];
  },
};

/** A trust root's instance and every root, key, log and file content it trusts, without its switches: equal when the same is trusted. */
function trustedInstance(trustRoot: TrustRoot): string {
  const ignored = new Set<string>([...INSECURE_SWITCHES, 'location']); // a file's absolute location is not what is trusted
  return JSON.stringify(trustRoot, (key, value) => (ignored.has(key) ? undefined : value));
}

function describeTrustRoot(trustRoot: TrustRoot): string {
  return trustRoot.kind === 'public' ? `public, Rekor ${trustRoot.rekorUrl}` : `private ${trustRoot.name}`;
}

/** One condition on an attestation's predicate, by its kind, against the committed condition on the same field. */
const CONDITIONS: {
  readonly [K in PredicateCondition['kind']]: Comparison<Extract<PredicateCondition, { kind: K }>>;
} = {
  matchesAnyGlob: (before, after) =>
    beyond(after.globs, before.globs).map((glob) => `accepts ${fieldPath(after)} matching ${glob} in the attestation`),
  notOlderThan: (before, after) =>
    after.maxAgeSeconds > before.maxAgeSeconds
      ? [`accepts ${fieldPath(after)} up to ${goDuration(after.maxAgeSeconds)} old (was ${goDuration(before.maxAgeSeconds)})`]
      : [],
};

const ATTESTATION_FIELDS: FieldComparisons<AttestationCheck> = {
  name: 'never weakens: names the attestation inside the policy',
  predicateType: (before, after) =>
    after.predicateType === before.predicateType ? [] : [`accepts a ${after.predicateType} attestation instead of ${before.predicateType}`],
  conditions: (before, after) =>
    before.conditions.flatMap((condition) => {
      const same = after.conditions.find((next) => next.kind === condition.kind && fieldPath(next) === fieldPath(condition));
      if (same === undefined) return [`no longer checks ${fieldPath(condition)} in the attestation`];
      return (CONDITIONS[condition.kind] as Comparison<PredicateCondition>)(condition, same);
    }),
};

/** The fields of each check kind beyond the common ones. */
const CHECK_FIELDS: { readonly [C in CheckKind]: FieldComparisons<OwnFields<C>, Definitions[C]> } = {
  imageVerification: {
    imagePatterns: (before, after) =>
      beyond(before.imagePatterns, after.imagePatterns).map((pattern) => `no longer verifies every image matching ${pattern}`),
    signer: (before, after) => compareFields(SIGNER_FIELDS, before.signer, after.signer),
    attestation: (before, after) => {
      if (before.attestation === undefined) return [];
      if (after.attestation === undefined) return [`no longer requires the ${before.attestation.predicateType} attestation`];
      return compareFields(ATTESTATION_FIELDS, before.attestation, after.attestation);
    },
  },
  registryRestriction: {
    allowedImages: (before, after) => beyond(after.allowedImages, before.allowedImages).map((glob) => `admits images matching ${glob}`),
  },
};

/** Every weakening the fields' comparisons find, in the order the fields are listed. */
function compareFields<T>(fields: FieldComparisons<unknown, T>, before: T, after: T): string[] {
  return Object.values(fields).flatMap((comparison) => (typeof comparison === 'function' ? comparison(before, after) : []));
}

/** The common and the check kind's own weakenings of one guardrail whose committed and new definitions are of kind `C`. */
function compareChecks<C extends CheckKind>(check: C, before: Definitions[C], after: Definitions[C]): string[] {
  const own: FieldComparisons<OwnFields<C>, Definitions[C]> = CHECK_FIELDS[check];
  return [...compareFields(POLICY_FIELDS, before, after), ...compareFields(own, before, after)];
}

/** What removing an enforced guardrail (disabling it, or removing its environment) lets through. */
export const REMOVED = 'disabled or removed: Flux would delete it from the cluster';

/**
 * What the new definition of an enforced guardrail lets through that the committed one did not, one phrase each; empty
 * when the change weakens nothing (it narrows, rewords, or changes nothing a Pod is judged by).
 */
export function weakeningsOf(before: ResolvedCheck, after: ResolvedCheck): string[] {
  if (after.check !== before.check) throw new Error(`${before.definition.name} changed its check kind`);
  return compareChecks(before.check, before.definition, after.definition as Definitions[typeof before.check]);
}

/**
 * What can be said of an enforced guardrail whose new definition cannot be compared with a committed one (`why`): a
 * demotion is certain, anything else is a change that may let more through.
 */
export function weakeningsWithoutBaseline(after: ResolvedCheck, why: string): string[] {
  const uncertain = `${why}, so synth cannot tell whether the change lets more through`;
  return after.definition.phase === 'audit' ? [DEMOTED, uncertain] : [uncertain];
}
