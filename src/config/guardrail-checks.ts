import { DIGEST_SYNTAX, placeholderDigestProblem } from '../model/digest';
import { MAX_GO_DURATION_SECONDS, goDuration, parseDuration } from '../model/duration';
import type { FieldPath } from '../model/field-path';
import { imagePatternProblem, imageReferenceProblem } from '../model/image-pattern';
import { splitImageReference } from '../model/image-reference';
import {
  DEFAULT_KYVERNO_NAMESPACE,
  DEFAULT_SYSTEM_NAMESPACES,
  KUBE_SYSTEM_NAMESPACE,
  NEVER_SYSTEM_NAMESPACES,
} from '../model/system-namespaces';
import { failOpenProblem } from '../model/webhook';
import { identityProblems } from './identity-checks';
import type { RawEnvironment } from './raw-environment';

// Cross-field checks of one environment that refuse a configuration whose guardrail would be hollow: it would
// check nothing, check the wrong thing, or be unparseable by Kyverno. They apply the predicates the output lint
// (src/validate/lint.ts) applies to the synthesized policies, so a mistake in the config is reported once, at
// the config line, rather than once per generated file.

/** A problem in the environment: the field, relative to the environment, and what is wrong with it. */
export interface EnvironmentProblem {
  readonly field: FieldPath;
  readonly message: string;
}

/**
 * The environment's system namespaces, never checked: kube-system and the Kyverno namespace always, and
 * `systemNamespaces` (default flux-system).
 */
export function systemNamespacesOf(env: RawEnvironment): string[] {
  return [KUBE_SYSTEM_NAMESPACE, env.kyvernoNamespace ?? DEFAULT_KYVERNO_NAMESPACE, ...(env.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES)];
}

/** Every problem of this kind in one environment (empty when there is none). */
export function guardrailProblems(env: RawEnvironment): EnvironmentProblem[] {
  return [
    ...identityProblems(env),
    ...imageGlobProblems(env),
    ...drillImageProblems(env),
    ...controllerImageProblems(env),
    ...systemNamespaceProblems(env),
    ...namespaceScopeProblems(env),
    ...sbomProblems(env),
    ...webhookProblems(env),
  ];
}

/** What to do instead of a placeholder drill image: the drill is optional. */
const DRILL_PLACEHOLDER_REMEDY = 'pin a real image of yours, or leave drill: out until you have one (the drill is optional)';

/** Per image glob field: how its globs are matched, and what governing or allowing too much means. */
const IMAGE_GLOB_FIELDS = {
  imagePatterns: {
    use: 'verified',
    consequence: 'the guardrails would govern, and restrict-image-registries admit, images of owners you do not control',
  },
  thirdPartyImages: { use: 'admitted', consequence: 'restrict-image-registries would admit such images unverified' },
} as const;

/**
 * imagePatterns and thirdPartyImages: one registry host, one owner on a public registry, image references as the
 * engines parse them with the `*` only where it is safe for the field, a wildcard unless a tag or digest makes the
 * literal deliberate, no template syntax (src/model/image-pattern.ts). One problem per glob, the most fundamental first.
 */
function imageGlobProblems(env: RawEnvironment): EnvironmentProblem[] {
  return (['imagePatterns', 'thirdPartyImages'] as const).flatMap((field) =>
    (env[field] ?? []).flatMap((pattern, j): EnvironmentProblem[] => {
      const { use, consequence } = IMAGE_GLOB_FIELDS[field];
      const problem = imagePatternProblem(pattern, use, consequence);
      return problem ? [{ field: [field, j], message: `"${pattern}" ${problem}` }] : [];
    }),
  );
}

/** Drill images: image references as the engines parse them, with a real digest where one is written. */
function drillImageProblems(env: RawEnvironment): EnvironmentProblem[] {
  return (['signedImage', 'unsignedImage', 'foreignImage'] as const).flatMap((field): EnvironmentProblem[] => {
    const image = env.drill?.[field];
    if (image === undefined) return [];
    const digest = splitImageReference(image).digest;
    const problem =
      imageReferenceProblem(image) ??
      (field === 'signedImage' && digest === undefined ? `is not pinned by digest: write <repository>@${DIGEST_SYNTAX}` : undefined) ??
      (digest === undefined ? undefined : placeholderDigestProblem(digest, DRILL_PLACEHOLDER_REMEDY));
    return problem ? [{ field: ['drill', field], message: `"${image}" ${problem}` }] : [];
  });
}

/** Controller images: image references as the engines parse them, as the controllers' Pods write them. */
function controllerImageProblems(env: RawEnvironment): EnvironmentProblem[] {
  return Object.entries(env.controllers ?? {}).flatMap(([namespace, images]) =>
    images.flatMap((image, j): EnvironmentProblem[] => {
      const problem = imageReferenceProblem(image);
      return problem ? [{ field: ['controllers', namespace, j], message: `"${image}" ${problem}` }] : [];
    }),
  );
}

/**
 * The Kyverno namespace and `systemNamespaces` are never checked, so each must be where the cluster's own controllers
 * run: `default`, `kube-public` or `kube-node-lease` there would exempt a namespace where no controller runs (and, as
 * `kyvernoNamespace`, leave the namespace Kyverno does run in checked).
 */
function systemNamespaceProblems(env: RawEnvironment): EnvironmentProblem[] {
  const exempted: [FieldPath, string | undefined, string][] = [
    [
      ['kyvernoNamespace'],
      env.kyvernoNamespace,
      'name the namespace Kyverno is installed in: the one named here is never checked, and the one Kyverno runs in would be',
    ],
    ...(env.systemNamespaces ?? []).map((namespace, j): [FieldPath, string, string] => [
      ['systemNamespaces', j],
      namespace,
      "list only namespaces where the cluster's own controllers run",
    ]),
  ];
  return exempted.flatMap(([field, namespace, remedy]): EnvironmentProblem[] => {
    const why = namespace === undefined ? undefined : NEVER_SYSTEM_NAMESPACES[namespace];
    if (why === undefined) return [];
    return [
      {
        field,
        message:
          `"${namespace}" ${why}: no guardrail would check Pods there; ${remedy} ` +
          `(to leave "${namespace}" unchecked on purpose, list it in excludeNamespaces)`,
      },
    ];
  });
}

/**
 * A namespace both listed and excluded is never checked; a list whose every namespace is excluded makes a
 * policy that can never match a Pod.
 */
function namespaceScopeProblems(env: RawEnvironment): EnvironmentProblem[] {
  const kyvernoNamespace = env.kyvernoNamespace ?? DEFAULT_KYVERNO_NAMESPACE;
  const systemNamespaces = systemNamespacesOf(env);
  const whyExcluded = (namespace: string): string | undefined =>
    namespace === KUBE_SYSTEM_NAMESPACE
      ? 'is always excluded'
      : namespace === kyvernoNamespace
        ? 'is the Kyverno namespace, which is always excluded'
        : systemNamespaces.includes(namespace)
          ? env.systemNamespaces === undefined
            ? `is a system namespace by default (systemNamespaces: [${DEFAULT_SYSTEM_NAMESPACES.join(', ')}]); to check it, set systemNamespaces without it`
            : 'is in systemNamespaces'
          : env.excludeNamespaces?.includes(namespace)
            ? 'is also in excludeNamespaces'
            : undefined;
  const listed = env.namespaces ?? [];
  const problems = listed.flatMap((namespace, j): EnvironmentProblem[] => {
    const why = whyExcluded(namespace);
    return why ? [{ field: ['namespaces', j], message: `"${namespace}" ${why}: the policies would never check it` }] : [];
  });
  if (listed.length > 0 && problems.length === listed.length) {
    problems.unshift({ field: ['namespaces'], message: 'every listed namespace is excluded: the policies could never match a Pod' });
  }
  return problems;
}

/** The SBOM age is rendered as a Go duration: beyond what Go parses, Kyverno fails the check at admission. */
function sbomProblems(env: RawEnvironment): EnvironmentProblem[] {
  const maxAge = env.sbom?.maxAge;
  if (maxAge === undefined || parseDuration(maxAge) <= MAX_GO_DURATION_SECONDS) return [];
  const days = Math.floor(MAX_GO_DURATION_SECONDS / 86_400);
  return [
    {
      field: ['sbom', 'maxAge'],
      message: `${maxAge} is ${goDuration(parseDuration(maxAge))}, longer than Kyverno's duration parser accepts: at most ${days}d (${goDuration(Math.floor(MAX_GO_DURATION_SECONDS / 3_600) * 3_600)})`,
    },
  ];
}

/** Failing open while enforcing needs its reason written down (the default failure policy never fails open). */
function webhookProblems(env: RawEnvironment): EnvironmentProblem[] {
  const enforcing = Object.values(env.policies).some((settings) => settings?.phase === 'enforce');
  const problem = failOpenProblem(enforcing, env.webhook?.failurePolicy, env.webhook?.acknowledgeFailOpen);
  return problem ? [{ field: ['webhook', 'failurePolicy'], message: problem }] : [];
}
