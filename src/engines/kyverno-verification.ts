import type { EngineKind, Environment, PolicyName } from '../model/environment';
import type { TrustRoot } from '../model/trust-root';
import { imageVerificationsOf } from '../policies';

// What Kyverno v1.19.0 verifies of a signature, by engine and trust root: facts of its verifiers, measured by the
// engine tests (docs/real-engines.md, "Signature formats Kyverno v1.19.0 verifies") and read in its source. The local
// cosign checks (`verify`) follow them, and synth warns of a guardrail they make impossible to pass.

/**
 * Whether the engine reads Sigstore bundles (OCI referrers, cosign v3's default format). ClusterPolicy reads the
 * legacy format only (pkg/image/verifiers/cpol/cosign); the ImageValidatingPolicy engine reads bundles when an image
 * has any, and the legacy format otherwise (pkg/image/verifiers/ivpol/cosign/verifier.go
 * buildCheckOptsWithBundleDetection).
 */
export function readsBundles(engine: EngineKind): boolean {
  return engine === 'ImageValidatingPolicy';
}

/**
 * Whether the engine requires a signed timestamp (RFC 3161, from a timestamp authority) of every Sigstore bundle it
 * verifies with this trust root: both engines do when the policy names the instance's timestamp authority (its
 * `tsaCertChain`, rendered from the trust root's files); the ImageValidatingPolicy engine also does when the trust root
 * ignores the transparency log, which would otherwise give the time the certificate is checked at
 * (verifier.go shouldUseSignedTimestamps).
 */
export function requiresSignedTimestamps(engine: EngineKind, trustRoot: TrustRoot): boolean {
  if (trustRoot.kind === 'public') return false;
  return trustRoot.material?.tsa !== undefined || (engine === 'ImageValidatingPolicy' && trustRoot.insecureIgnoreTlog !== undefined);
}

/**
 * Whether the trust root names a timestamp authority: known from its files or its trusted_root.json, unknown for a
 * TUF repository (its trusted root is only read by the cluster).
 */
function namesTimestampAuthority(trustRoot: TrustRoot): boolean | undefined {
  if (trustRoot.kind === 'public') return true;
  if (trustRoot.trustedRoot === undefined) return undefined;
  const parsed = JSON.parse(trustRoot.trustedRoot) as { timestampAuthorities?: unknown[] };
  return (parsed.timestampAuthorities ?? []).length > 0;
}

/** An attestation guardrail of an environment that the engine verifies only in one form, and why. */
export interface AttestationLimit {
  readonly policy: PolicyName;
  readonly trustRoot: string;
  /** Whether any attestation can pass at all: false when the trust root has no timestamp authority. */
  readonly satisfiable: boolean | 'unknown';
  readonly message: string;
}

/**
 * The attestation guardrails of an ImageValidatingPolicy environment whose signer's trust root ignores the
 * transparency log. Kyverno v1.19.0's engine then refuses every attestation in the legacy format: it requires the
 * transparency log bundle cosign reports for the attestation even with `insecureIgnoreTlog`, unlike for signatures
 * (verifier.go VerifyAttestationSignature, kyverno/kyverno#17109, fix proposed in #17217). It accepts attestations in
 * Sigstore bundles, each with a signed timestamp (above), so only with a timestamp authority.
 */
export function attestationLimits(env: Environment): AttestationLimit[] {
  if (env.engine !== 'ImageValidatingPolicy') return [];
  return imageVerificationsOf(env).flatMap(({ name, attestation, signer }) => {
    const trustRoot = signer.trustRoot;
    if (!attestation || trustRoot.kind === 'public' || trustRoot.insecureIgnoreTlog === undefined) return [];
    const tsa = namesTimestampAuthority(trustRoot);
    const accepted =
      tsa === false
        ? `and a signed timestamp, which trust root "${trustRoot.name}" cannot give (it names no timestamp authority): no attestation can pass`
        : tsa === undefined
          ? `and a signed timestamp of a timestamp authority its TUF repository's trusted root must name`
          : 'and a signed timestamp of its timestamp authority (cosign attest --timestamp-server-url)';
    return [
      {
        policy: name,
        trustRoot: trustRoot.name,
        satisfiable: tsa === undefined ? 'unknown' : tsa,
        message:
          `environment "${env.name}": ${name} (ImageValidatingPolicy, Kyverno v1.19.0) verifies ${attestation.predicateType} ` +
          `attestations signed with trust root "${trustRoot.name}", which ignores the transparency log, only in a Sigstore bundle ` +
          `(cosign v3's default format) ${accepted}; the legacy format is refused (kyverno/kyverno#17109)`,
      },
    ];
  });
}
