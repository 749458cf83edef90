import { relative } from 'node:path';
import { attestationLimits, readsBundles, requiresSignedTimestamps } from '../engines/kyverno-verification';
import type { EngineKind, Environment, PolicyName, Signer } from '../model/environment';
import type { RepositoryFile, TrustRoot } from '../model/trust-root';
import { globToRegExp, isGlob } from '../model/glob';
import { matchesImageGlob } from '../model/image-spellings';
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

/** A Sigstore trusted_root.json the steps read, which the caller writes (or, printing, says how to write). */
export interface TrustedRootFile {
  /** The trust root it is of: `npm run trusted-root -- <trustRoot>` prints it. */
  readonly trustRoot: string;
  /** Where the steps read it. */
  readonly path: string;
  readonly json: string;
}

/**
 * Either the steps that verify the image as the environment would (after `setup`, which points cosign at a
 * private TUF repository, and with `trustedRoots` written), or why the image cannot be verified here. `notes` say
 * where the cluster's engine decides otherwise than cosign can.
 */
export type VerificationPlan =
  | {
      readonly setup?: readonly CosignCommand[];
      readonly trustedRoots?: readonly TrustedRootFile[];
      readonly steps: readonly CosignStep[];
      readonly notes?: readonly string[];
    }
  | { readonly refusal: string };

/**
 * Where cosign keeps the TUF repository of a trust root it is pointed at, and where the steps read a trust root's
 * trusted_root.json; by default folders of the working directory.
 */
export interface PlanOptions {
  readonly tufCache?: (trustRoot: string) => string;
  readonly trustedRootFile?: (trustRoot: string) => string;
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
  if (!env.imagePatterns.some((pattern) => matchesImageGlob(pattern, imageRef))) {
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
  const locations: Locations = {
    tufCache: options.tufCache ?? ((name: string) => `${DEFAULT_TUF_CACHE}/${name}`),
    trustedRootFile: options.trustedRootFile ?? ((name: string) => `${DEFAULT_TRUSTED_ROOTS}/${name}.json`),
  };
  const setup = new Map<string, CosignCommand>();
  const trustedRoots = new Map<string, TrustedRootFile>();
  const steps = imageVerificationsOf(env).map(({ name, signer, attestation }): CosignStep => {
    const trust = trustArguments(signer.trustRoot, env.engine, locations);
    if (trust.setup) setup.set(signer.trustRoot.name, trust.setup);
    if (trust.trustedRoot) trustedRoots.set(signer.trustRoot.name, trust.trustedRoot);
    const common = { policy: name, ...(trust.env ? { env: trust.env } : {}) };
    if (!attestation) return { ...common, argv: ['cosign', 'verify', ...identityArguments(signer), ...trust.args, imageRef] };
    const type = COSIGN_TYPES[attestation.predicateType] ?? attestation.predicateType;
    return {
      ...common,
      argv: ['cosign', 'verify-attestation', '--type', type, ...identityArguments(signer), ...trust.args, imageRef],
      attestation: { predicateType: attestation.predicateType, conditions: attestation.conditions },
    };
  });
  const notes = attestationLimits(env).map(({ message }) => message);
  return {
    ...(setup.size > 0 ? { setup: [...setup.values()] } : {}),
    ...(trustedRoots.size > 0 ? { trustedRoots: [...trustedRoots.values()] } : {}),
    steps,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * What the cluster does with an image no pattern governs: the registry restriction, when enabled, denies it
 * (enforce) or admits and reports it (audit) unless thirdPartyImages allows it; without it, nothing stops it.
 * Both engines match the restriction against the image as the Pod writes it, in every spelling of an allowed glob, as
 * `matchesImageGlob` does.
 */
function ungovernedAdmission(env: Environment, imageRef: string): string {
  const restriction = env.policies.get(REGISTRY_RESTRICTION);
  if (restriction === undefined) return `the cluster admits it unverified (${REGISTRY_RESTRICTION} is not enabled)`;
  const thirdParty = env.thirdPartyImages.find((pattern) => matchesImageGlob(pattern, imageRef));
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

/** The folder, under the working directory, where printed commands read the trusted roots synth builds. */
const DEFAULT_TRUSTED_ROOTS = '.cosign-trusted-root';

type Locations = Required<PlanOptions>;

/** A repository file as a command run from the working directory names it. */
function pathOf(file: RepositoryFile): string {
  return relative(process.cwd(), file.location) || '.';
}

/**
 * The flags (and variables) that give cosign a trust root, and make it read what the environment's engine reads, as
 * cosign v3.0.6 names them, the release the publishing workflow installs (src/flux/action-pins.ts):
 * - `--rekor-url` (cmd/cosign/cli/options/rekor.go);
 * - a trusted_root.json through `--trusted-root` (options/verify.go CommonVerifyOptions): the file given, or the one
 *   synth builds from the instance's files. Roots and keys given one by one (`--ca-roots`, `--ca-intermediates`,
 *   `--timestamp-certificate-chain`) are refused for a Sigstore bundle ("must be provided using --trusted-root",
 *   cmd/cosign/cli/verify/common.go CheckSigstoreBundleUnsupportedOptions), so the trusted root serves both formats;
 * - a TUF repository through `cosign initialize --mirror … --root …` (options/initialize.go) into the folder
 *   `TUF_ROOT` names (pkg/cosign/env/env.go);
 * - `--insecure-ignore-tlog` (options/verify.go) and `--insecure-ignore-sct` (options/certificate.go);
 * - `--use-signed-timestamps` (options/verify.go) where the engine requires a signed timestamp, and
 *   `--new-bundle-format=false` (options/verify.go) where it reads the legacy format only (./engines/kyverno-verification.ts).
 */
function trustArguments(
  trustRoot: TrustRoot,
  engine: EngineKind,
  locations: Locations,
): { args: string[]; env?: Record<string, string>; setup?: CosignCommand; trustedRoot?: TrustedRootFile } {
  const format = readsBundles(engine) ? [] : ['--new-bundle-format=false'];
  if (trustRoot.kind === 'public') return { args: ['--rekor-url', trustRoot.rekorUrl, ...format] };
  const checks = [
    ...format,
    ...(requiresSignedTimestamps(engine, trustRoot) ? ['--use-signed-timestamps'] : []),
    ...(trustRoot.insecureIgnoreTlog === undefined ? [] : ['--insecure-ignore-tlog']),
    ...(trustRoot.insecureIgnoreSCT === undefined ? [] : ['--insecure-ignore-sct']),
  ];
  const { source, material } = trustRoot;
  if (source.form === 'tuf') {
    const env = { TUF_ROOT: locations.tufCache(trustRoot.name) };
    const setup = { argv: ['cosign', 'initialize', '--mirror', source.mirror, '--root', pathOf(source.root)], env };
    return { args: checks, env, setup };
  }
  const rekorUrl = material?.rekor ? ['--rekor-url', material.rekor.url] : [];
  if (source.form === 'trustedRoot') return { args: ['--trusted-root', pathOf(source.file), ...rekorUrl, ...checks] };
  const trustedRoot = { trustRoot: trustRoot.name, path: locations.trustedRootFile(trustRoot.name), json: trustRoot.trustedRoot! };
  return { args: ['--trusted-root', trustedRoot.path, ...rekorUrl, ...checks], trustedRoot };
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
