import type { Environment, PolicyName, Signer } from '../model/environment';
import { globToRegExp, isGlob, matchesGlob } from '../model/glob';
import { CYCLONEDX_PREDICATE_TYPE, SPDX_PREDICATE_TYPE } from '../policies/require-sbom-attestation';
import { SLSA_PROVENANCE_V1_PREDICATE_TYPE } from '../policies/require-provenance-attestation';
import type { AttestationCheck } from '../policies/definition';
import { imageVerificationsOf } from '../policies';
import { restrictImageRegistries } from '../policies/restrict-image-registries';
import { isPinnedByDigest } from '../model/digest';
import { imageReferenceProblem } from '../model/image-pattern';

/** One `cosign` invocation that checks what one guardrail checks at admission. */
export interface CosignStep {
  readonly policy: PolicyName;
  /** `cosign` and its arguments, ready for spawning without a shell. */
  readonly argv: readonly string[];
  /** For an attestation: its predicate type and the conditions its predicate must meet, checked on cosign's output. */
  readonly attestation?: Pick<AttestationCheck, 'predicateType' | 'conditions'>;
}

/** Either the steps that verify the image as the environment would, or why the image cannot be verified here. */
export type VerificationPlan = { readonly steps: readonly CosignStep[] } | { readonly refusal: string };

/** cosign's `--type` names for the predicate types the policies require; any other type is passed as its URI. */
const COSIGN_TYPES: Readonly<Record<string, string>> = {
  [SPDX_PREDICATE_TYPE]: 'spdxjson',
  [CYCLONEDX_PREDICATE_TYPE]: 'cyclonedx',
  [SLSA_PROVENANCE_V1_PREDICATE_TYPE]: 'slsaprovenance1',
};

/**
 * The cosign commands that apply the environment's enabled guardrails to `imageRef`, with the identity rules
 * the policies use: the signer's subject glob becomes `--certificate-identity-regexp` through the same anchored
 * translation, the issuer is matched exactly (or as a regexp if it is a glob), and the same Rekor log is used.
 */
export function planVerification(env: Environment, imageRef: string): VerificationPlan {
  const problem = imageReferenceProblem(imageRef);
  if (problem !== undefined) return { refusal: `${JSON.stringify(imageRef)} is not a valid image reference: it ${problem}` };
  if (!env.imagePatterns.some((pattern) => matchesGlob(pattern, imageRef))) {
    return {
      refusal:
        `${imageRef} is not governed by environment "${env.name}" (imagePatterns: ${env.imagePatterns.join(', ')}), so no signature ` +
        `or attestation policy checks it and there is nothing to verify: ${ungovernedAdmission(env, imageRef)}`,
    };
  }
  const enforcing = [...env.policies].filter(([, { phase }]) => phase === 'enforce').map(([name]) => name);
  if (enforcing.length > 0 && !isPinnedByDigest(imageRef)) {
    return {
      refusal:
        `${imageRef} has no digest, and environment "${env.name}" enforces ${enforcing.join(', ')}: promote by digest ` +
        `(e.g. ${imageRef.replace(/@.*$/, '').replace(/:[^/:]*$/, '')}@sha256:<digest>, from \`crane digest\` or the CI build output)`,
    };
  }
  // One step per image verification guardrail, from its resolved definition (signer, predicate type and conditions
  // as the policy renders them). restrict-image-registries checks no signature: being governed is what it asks.
  return {
    steps: imageVerificationsOf(env).map(({ name, signer, attestation }): CosignStep => {
      if (!attestation) return { policy: name, argv: ['cosign', 'verify', ...identityArguments(signer), imageRef] };
      const type = COSIGN_TYPES[attestation.predicateType] ?? attestation.predicateType;
      return {
        policy: name,
        argv: ['cosign', 'verify-attestation', '--type', type, ...identityArguments(signer), imageRef],
        attestation: { predicateType: attestation.predicateType, conditions: attestation.conditions },
      };
    }),
  };
}

/**
 * What the cluster does with an image no pattern governs: the registry restriction, when enabled, denies it
 * (enforce) or admits and reports it (audit) unless thirdPartyImages allows it; without it, nothing stops it.
 * Both engines match the restriction against the image as the Pod writes it, as `matchesGlob` does.
 */
function ungovernedAdmission(env: Environment, imageRef: string): string {
  const restriction = env.policies.get(REGISTRY_RESTRICTION);
  if (restriction === undefined) return `the cluster admits it unverified (${REGISTRY_RESTRICTION} is not enabled)`;
  const thirdParty = env.thirdPartyImages.find((pattern) => matchesGlob(pattern, imageRef));
  if (thirdParty !== undefined) return `${REGISTRY_RESTRICTION} admits it unverified, as the third-party image ${thirdParty}`;
  return restriction.phase === 'enforce'
    ? `${REGISTRY_RESTRICTION} (enforce) denies it at admission: it matches neither imagePatterns nor thirdPartyImages`
    : `${REGISTRY_RESTRICTION} (audit) admits it and reports it as not from an allowed registry; once enforced, it denies it`;
}

const REGISTRY_RESTRICTION = restrictImageRegistries.policyName;

/** The identity flags for a signer: exact issuer (or a regexp if it is a glob), anchored subject regexp, Rekor log. */
function identityArguments({ issuer, subject, rekorUrl }: Signer): string[] {
  return [
    ...(isGlob(issuer) ? ['--certificate-oidc-issuer-regexp', globToRegExp(issuer)] : ['--certificate-oidc-issuer', issuer]),
    '--certificate-identity-regexp',
    globToRegExp(subject),
    '--rekor-url',
    rekorUrl,
  ];
}

/** Quotes one argument for POSIX shells: left bare when it has only safe characters, single-quoted otherwise. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line to paste into a shell. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
