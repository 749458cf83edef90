import type { Environment, PolicyName, SbomFormat, Signer } from '../model/environment';
import { globToRegExp, isGlob, matchesGlob } from '../model/glob';

/** One `cosign` invocation that checks what one guardrail checks at admission. */
export interface CosignStep {
  readonly policy: PolicyName;
  /** `cosign` and its arguments, ready for spawning without a shell. */
  readonly argv: readonly string[];
}

/** Either the steps that verify the image as the environment would, or why the image cannot be verified here. */
export type VerificationPlan = { readonly steps: readonly CosignStep[] } | { readonly refusal: string };

/**
 * cosign's `--type` names for the predicate types the policies require: `spdxjson` is https://spdx.dev/Document,
 * `cyclonedx` is https://cyclonedx.org/bom, `slsaprovenance1` is https://slsa.dev/provenance/v1.
 */
const COSIGN_SBOM_TYPE: Readonly<Record<SbomFormat, string>> = { spdx: 'spdxjson', cyclonedx: 'cyclonedx' };
const COSIGN_PROVENANCE_TYPE = 'slsaprovenance1';

// The image reference grammar of the distribution spec, in parts: `[host[:port]/]path[:tag][@digest]`.
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}';
const IMAGE_REFERENCE = new RegExp(`^(?:${HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

/** Whether the string is an image reference at all (cosign and the API server refuse anything else). */
export function isImageReference(imageRef: string): boolean {
  return IMAGE_REFERENCE.test(imageRef);
}

/** Whether the reference pins a digest (`…@sha256:…`), as admission requires under enforce. */
export function hasDigest(imageRef: string): boolean {
  return new RegExp(`@${DIGEST}$`).test(imageRef);
}

/**
 * The cosign commands that apply the environment's enabled guardrails to `imageRef`, with the identity rules
 * the policies use: the signer's subject glob becomes `--certificate-identity-regexp` through the same anchored
 * translation, the issuer is matched exactly (or as a regexp if it is a glob), and the same Rekor log is used.
 */
export function planVerification(env: Environment, imageRef: string): VerificationPlan {
  if (!isImageReference(imageRef)) {
    return { refusal: `${JSON.stringify(imageRef)} is not a valid image reference ([host[:port]/]path[:tag][@sha256:<64 hex digits>])` };
  }
  if (!env.imagePatterns.some((pattern) => matchesGlob(pattern, imageRef))) {
    return {
      refusal:
        `${imageRef} is not governed by environment "${env.name}" (imagePatterns: ${env.imagePatterns.join(', ')}): ` +
        'its policies would not check it, so verifying it here would prove nothing',
    };
  }
  const enforcing = [...env.policies].filter(([, { phase }]) => phase === 'enforce').map(([name]) => name);
  if (enforcing.length > 0 && !hasDigest(imageRef)) {
    return {
      refusal:
        `${imageRef} has no digest, and environment "${env.name}" enforces ${enforcing.join(', ')}: promote by digest ` +
        `(e.g. ${imageRef.replace(/@.*$/, '').replace(/:[^/:]*$/, '')}@sha256:<digest>, from \`crane digest\` or the CI build output)`,
    };
  }
  const identity = identityArguments(env.signer);
  // restrict-image-registries checks no signature: being governed (checked above) is what it asks of this image.
  const commands: Partial<Record<PolicyName, readonly string[]>> = {
    'verify-image-signatures': ['cosign', 'verify', ...identity, imageRef],
    'require-sbom-attestation': ['cosign', 'verify-attestation', '--type', COSIGN_SBOM_TYPE[env.sbom.format ?? 'spdx'], ...identity, imageRef],
    'require-provenance-attestation': [
      'cosign',
      'verify-attestation',
      '--type',
      COSIGN_PROVENANCE_TYPE,
      ...identityArguments(env.provenance.provenanceSigner ?? env.signer),
      imageRef,
    ],
  };
  return {
    steps: [...env.policies.keys()].flatMap((policy) => {
      const argv = commands[policy];
      return argv ? [{ policy, argv }] : [];
    }),
  };
}

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
