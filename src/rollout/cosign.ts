import { relative } from 'node:path';
import type { Environment, PolicyName, Signer } from '../model/environment';
import type { RepositoryFile, TrustRoot } from '../model/trust-root';
import { globToRegExp, isGlob, matchesGlob } from '../model/glob';
import { CYCLONEDX_PREDICATE_TYPE, SPDX_PREDICATE_TYPE } from '../policies/require-sbom-attestation';
import { SLSA_PROVENANCE_V1_PREDICATE_TYPE } from '../policies/require-provenance-attestation';
import type { AttestationCheck } from '../policies/definition';
import { imageVerificationsOf } from '../policies';
import { restrictImageRegistries } from '../policies/restrict-image-registries';
import { isPinnedByDigest } from '../model/digest';
import { imageReferenceProblem } from '../model/image-pattern';

/** One `cosign` invocation, and the environment variables it reads trust material from. */
export interface CosignCommand {
  /** `cosign` and its arguments, ready for spawning without a shell. */
  readonly argv: readonly string[];
  /** Variables set for this invocation only (a private instance's log keys, a TUF cache); absent when none. */
  readonly env?: Readonly<Record<string, string>>;
}

/** One `cosign` invocation that checks what one guardrail checks at admission. */
export interface CosignStep extends CosignCommand {
  readonly policy: PolicyName;
  /** For an attestation: its predicate type and the conditions its predicate must meet, checked on cosign's output. */
  readonly attestation?: Pick<AttestationCheck, 'predicateType' | 'conditions'>;
}

/**
 * Either the steps that verify the image as the environment would (after `setup`, which points cosign at a
 * private TUF repository), or why the image cannot be verified here.
 */
export type VerificationPlan =
  | { readonly setup?: readonly CosignCommand[]; readonly steps: readonly CosignStep[] }
  | { readonly refusal: string };

/** Where cosign keeps the TUF repository of a trust root it is pointed at; by default a folder of the working directory. */
export interface PlanOptions {
  readonly tufCache?: (trustRoot: string) => string;
}

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
export function planVerification(env: Environment, imageRef: string, options: PlanOptions = {}): VerificationPlan {
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
  const tufCache = options.tufCache ?? ((name: string) => `${DEFAULT_TUF_CACHE}/${name}`);
  const setup = new Map<string, CosignCommand>();
  const steps = imageVerificationsOf(env).map(({ name, signer, attestation }): CosignStep => {
    const trust = trustArguments(signer.trustRoot, tufCache);
    if (trust.setup) setup.set(signer.trustRoot.name, trust.setup);
    const common = { policy: name, ...(trust.env ? { env: trust.env } : {}) };
    if (!attestation) return { ...common, argv: ['cosign', 'verify', ...identityArguments(signer), ...trust.args, imageRef] };
    const type = COSIGN_TYPES[attestation.predicateType] ?? attestation.predicateType;
    return {
      ...common,
      argv: ['cosign', 'verify-attestation', '--type', type, ...identityArguments(signer), ...trust.args, imageRef],
      attestation: { predicateType: attestation.predicateType, conditions: attestation.conditions },
    };
  });
  return setup.size > 0 ? { setup: [...setup.values()], steps } : { steps };
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

/** The identity flags for a signer: exact issuer (or a regexp if it is a glob), anchored subject regexp. */
function identityArguments({ issuer, subject }: Signer): string[] {
  return [
    ...(isGlob(issuer) ? ['--certificate-oidc-issuer-regexp', globToRegExp(issuer)] : ['--certificate-oidc-issuer', issuer]),
    '--certificate-identity-regexp',
    globToRegExp(subject),
  ];
}

/** The folder, under the working directory, where printed commands keep a private TUF repository's metadata. */
const DEFAULT_TUF_CACHE = '.cosign-tuf';

/** A repository file as a command run from the working directory names it. */
function pathOf(file: RepositoryFile): string {
  return relative(process.cwd(), file.location) || '.';
}

/**
 * The flags (and variables) that give cosign a trust root, as cosign v3.0.6 names them, the release the publishing
 * workflow installs (src/flux/action-pins.ts); cosign v2.4.1 has them too, but `--trusted-root` on verify-blob only:
 * - `--rekor-url` (cmd/cosign/cli/options/rekor.go), its key in `SIGSTORE_REKOR_PUBLIC_KEY`, a file
 *   (pkg/cosign/env/env.go, read by pkg/cosign/tlog.go GetRekorPubs);
 * - `--ca-roots` and `--ca-intermediates`, the Fulcio roots and intermediates (options/certificate.go);
 * - the CT log's key in `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE` (env.go, read by pkg/cosign/ctlog.go GetCTLogPubs);
 * - `--timestamp-certificate-chain`, the timestamp authority's chain (options/verify.go CommonVerifyOptions);
 * - `--insecure-ignore-tlog` (options/verify.go) and `--insecure-ignore-sct` (options/certificate.go);
 * - a TUF repository through `cosign initialize --mirror … --root …` (options/initialize.go) into the folder
 *   `TUF_ROOT` names (env.go);
 * - a trusted_root.json through `--trusted-root` (options/verify.go CommonVerifyOptions).
 * Given any of the first three, cosign v3 verifies with them instead of the public trusted root
 * (cmd/cosign/cli/verify/common.go SetTrustedMaterial).
 */
function trustArguments(
  trustRoot: TrustRoot,
  tufCache: (name: string) => string,
): { args: string[]; env?: Record<string, string>; setup?: CosignCommand } {
  if (trustRoot.kind === 'public') return { args: ['--rekor-url', trustRoot.rekorUrl] };
  const switches = [
    ...(trustRoot.insecureIgnoreTlog === undefined ? [] : ['--insecure-ignore-tlog']),
    ...(trustRoot.insecureIgnoreSCT === undefined ? [] : ['--insecure-ignore-sct']),
  ];
  const { source, material } = trustRoot;
  if (source.form === 'tuf') {
    const env = { TUF_ROOT: tufCache(trustRoot.name) };
    const setup = { argv: ['cosign', 'initialize', '--mirror', source.mirror, '--root', pathOf(source.root)], env };
    return { args: switches, env, setup };
  }
  const rekorUrl = material?.rekor ? ['--rekor-url', material.rekor.url] : [];
  if (source.form === 'trustedRoot') return { args: ['--trusted-root', pathOf(source.file), ...rekorUrl, ...switches] };
  const { fulcio, rekor, ctlog, tsa } = material!;
  const file = (pem: { file?: RepositoryFile }) => pathOf(pem.file!);
  const env = {
    ...(rekor ? { SIGSTORE_REKOR_PUBLIC_KEY: file(rekor.publicKey) } : {}),
    ...(ctlog ? { SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: file(ctlog.publicKey) } : {}),
  };
  const args = [
    '--ca-roots',
    file(fulcio.roots),
    ...(fulcio.intermediates ? ['--ca-intermediates', file(fulcio.intermediates)] : []),
    ...rekorUrl,
    ...(tsa ? ['--timestamp-certificate-chain', file(tsa.certificateChain)] : []),
    ...switches,
  ];
  return Object.keys(env).length > 0 ? { args, env } : { args };
}

/** Quotes one argument for POSIX shells: left bare when it has only safe characters, single-quoted otherwise. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line to paste into a shell, its variables set for it alone (`NAME=value cosign …`). */
export function shellCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  return [...Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)}`), ...argv.map(shellQuote)].join(' ');
}
