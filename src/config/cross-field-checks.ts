import { BOOTSTRAP_SOURCE, policiesKustomizationName } from '../model/cluster-naming';
import { parseGoDuration } from '../model/duration';
import type { FieldPath } from '../model/field-path';
import { matchesImageGlob } from '../model/image-spellings';
import { splitImageReference } from '../model/image-reference';
import { RESERVED_ENVIRONMENT_NAMES } from '../model/layout';
import { deliveryProblems, publishingConsistencyProblems, type IndexedProblem } from './delivery-checks';
import { gitSourceProblems } from './git-source-checks';
import { guardrailProblems, systemNamespacesOf, type EnvironmentProblem } from './guardrail-checks';
import { ownerSpellingProblems } from './identity-checks';
import type { RawEnvironment } from './raw-environment';
import { DEFAULT_FOREIGN_DRILL_IMAGE } from './resolve-environment';
import { drillNamespace } from '../model/system-namespaces';

// What the schema cannot say because it takes two fields, or two environments: checked on the config once it
// passed the schema, so each mistake is reported at its config line before anything is synthesized.

/** A year: a longer Flux interval or timeout is a typo, and Go's duration type overflows not far beyond. */
const MAX_FLUX_DURATION_SECONDS = 8_760 * 3_600;

/** The checks of one environment on its own, in report order. */
const ENVIRONMENT_CHECKS: readonly ((env: RawEnvironment) => EnvironmentProblem[])[] = [
  reservedNameProblems,
  bootstrapSourceProblems,
  selfDependencyProblems,
  gitSourceProblems,
  guardrailProblems,
  deliveryProblems,
  ungovernedDrillImageProblems,
  fluxDurationProblems,
  allowedForeignImageProblems,
  sameDrillImageProblems,
  excludedDrillNamespaceProblems,
];

/**
 * Every cross-field problem of the config, by environment: a name declared twice, then each environment's own
 * checks ({@link ENVIRONMENT_CHECKS}); then what must agree across environments.
 */
export function crossFieldProblems(environments: readonly RawEnvironment[]): IndexedProblem[] {
  const problems: IndexedProblem[] = [];
  const seen = new Map<string, number>();
  environments.forEach((env, index) => {
    const first = seen.get(env.name);
    if (first !== undefined) {
      problems.push({ index, field: ['name'], message: `duplicate environment: already declared as environments[${first}]` });
    }
    seen.set(env.name, index);
    for (const check of ENVIRONMENT_CHECKS) problems.push(...check(env).map((problem) => ({ index, ...problem })));
  });
  problems.push(...publishingConsistencyProblems(environments), ...ownerSpellingProblems(environments));
  return problems;
}

function reservedNameProblems(env: RawEnvironment): EnvironmentProblem[] {
  return RESERVED_ENVIRONMENT_NAMES.includes(env.name)
    ? [{ field: ['name'], message: `"${env.name}" is reserved: synth writes dist/${env.name}/ for its own output` }]
    : [];
}

/** An emitted GitRepository named like bootstrap's would take that one over. */
function bootstrapSourceProblems(env: RawEnvironment): EnvironmentProblem[] {
  if (!env.flux?.gitRepository || env.flux.sourceRef !== BOOTSTRAP_SOURCE) return [];
  return [
    {
      field: ['flux', 'sourceRef'],
      message: `must not be "${BOOTSTRAP_SOURCE}" when gitRepository is set: the emitted GitRepository would replace the one flux bootstrap manages`,
    },
  ];
}

/** The policies Kustomization waits for flux.kyvernoKustomization: named after itself, it waits forever and applies nothing. */
function selfDependencyProblems(env: RawEnvironment): EnvironmentProblem[] {
  const own = policiesKustomizationName(env.name, env.cluster ?? env.name);
  if (env.flux?.kyvernoKustomization !== own) return [];
  return [
    {
      field: ['flux', 'kyvernoKustomization'],
      message: `"${own}" is this environment's own policies Kustomization: it would wait for itself and never apply a policy; name the Kustomization that installs Kyverno`,
    },
  ];
}

/** A drill image no pattern governs is skipped by every policy, so the drill would prove nothing. */
function ungovernedDrillImageProblems(env: RawEnvironment): EnvironmentProblem[] {
  return (['signedImage', 'unsignedImage'] as const).flatMap((field): EnvironmentProblem[] => {
    const image = env.drill?.[field];
    if (image === undefined || env.imagePatterns.some((pattern) => matchesImageGlob(pattern, image))) return [];
    return [
      {
        field: ['drill', field],
        message: `"${image}" matches none of imagePatterns (${env.imagePatterns.join(', ')}): the policies would skip it`,
      },
    ];
  });
}

/** Flux rejects (or overflows on) a zero or absurd duration only when it reconciles: say so now. */
function fluxDurationProblems(env: RawEnvironment): EnvironmentProblem[] {
  const durations: [FieldPath, string | undefined][] = [
    ...(['interval', 'retryInterval', 'timeout'] as const).map((field): [FieldPath, string | undefined] => [
      ['flux', field],
      env.flux?.[field],
    ]),
    [['flux', 'gitRepository', 'interval'], env.flux?.gitRepository?.interval],
    [['delivery', 'interval'], env.delivery?.interval],
  ];
  return durations.flatMap(([field, value]): EnvironmentProblem[] => {
    if (value === undefined) return [];
    const seconds = parseGoDuration(value);
    return seconds < 1 || seconds > MAX_FLUX_DURATION_SECONDS
      ? [{ field, message: `must be between 1s and ${MAX_FLUX_DURATION_SECONDS / 3_600}h (got ${value})` }]
      : [];
  });
}

/**
 * A "foreign" image the environment allows would be admitted, and the registry drill would prove nothing: the image
 * written, or the default one when none is (thirdPartyImages: [docker.io/library/*] allows the default busybox).
 */
function allowedForeignImageProblems(env: RawEnvironment): EnvironmentProblem[] {
  if (env.drill === undefined) return [];
  const foreign = env.drill.foreignImage ?? DEFAULT_FOREIGN_DRILL_IMAGE;
  const allowed = [...env.imagePatterns, ...(env.thirdPartyImages ?? [])].find((pattern) => matchesImageGlob(pattern, foreign));
  if (allowed === undefined) return [];
  const field: FieldPath = env.drill.foreignImage === undefined ? ['drill'] : ['drill', 'foreignImage'];
  const which = env.drill.foreignImage === undefined ? `foreignImage, by default "${foreign}",` : `"${foreign}"`;
  return [
    {
      field,
      message: `${which} is allowed by ${allowed} (imagePatterns or thirdPartyImages): the registry drill expects it denied; set drill.foreignImage to an image from a registry this environment does not allow`,
    },
  ];
}

/** The drill expects its signed image admitted and its unsigned image denied: one image cannot be both. */
function sameDrillImageProblems(env: RawEnvironment): EnvironmentProblem[] {
  const { signedImage, unsignedImage } = env.drill ?? {};
  if (signedImage === undefined || unsignedImage === undefined) return [];
  const signed = splitImageReference(signedImage);
  const unsigned = splitImageReference(unsignedImage);
  const same =
    signedImage === unsignedImage ||
    (signed.digest !== undefined && signed.digest === unsigned.digest && signed.host === unsigned.host && signed.path === unsigned.path);
  if (!same) return [];
  return [
    {
      field: ['drill', 'unsignedImage'],
      message: `"${unsignedImage}" is the signed image too: the drill would expect one image admitted and denied; name an image of yours that was never signed`,
    },
  ];
}

/**
 * The drill runs in the environment's first listed namespace, else `default`: excluded, every policy would skip its
 * Pods and the drill would prove nothing (a listed namespace that is excluded is refused at `namespaces`).
 */
function excludedDrillNamespaceProblems(env: RawEnvironment): EnvironmentProblem[] {
  if (env.drill === undefined || env.namespaces !== undefined) return [];
  const namespace = drillNamespace(env.namespaces);
  if (![...systemNamespacesOf(env), ...(env.excludeNamespaces ?? [])].includes(namespace)) return [];
  return [
    {
      field: ['drill'],
      message:
        `runs in "${namespace}" (the environment lists no namespaces), which the policies exclude, so every policy would skip its Pods: ` +
        'list the namespaces to check, the drill running in the first, or leave drill: out',
    },
  ];
}
