import type { TrustRoot } from '../model/trust-root';

/**
 * What the publishing workflow's `cosign sign` needs to sign against its publisher's trust root. For a private
 * instance (described by its files, which the config checks), the flags of cosign v3.0.6, the release the pinned
 * installer installs (src/flux/action-pins.ts): `--fulcio-url` (cmd/cosign/cli/options/fulcio.go), `--rekor-url`
 * (options/rekor.go), `--timestamp-server-url` (options/sign.go), and `--use-signing-config=false`, without which
 * cosign v3 takes the service URLs from the public instance's signing config and refuses any other ("cannot
 * specify service URLs and use signing config", signcommon/common.go LoadTrustedMaterialAndSigningConfig); it still
 * writes a Sigstore bundle (sign/sign.go signDigestBundle), which source-controller v1.9 verifies. The CT log key
 * cosign checks Fulcio's SCT with is a file of the checkout named by `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`
 * (pkg/cosign/env/env.go, read by pkg/cosign/ctlog.go). The values travel as the step's variables, so the script
 * quotes nothing. The public instance needs nothing.
 */
export function signingWith(trustRoot: TrustRoot): { readonly flags: readonly string[]; readonly env: Readonly<Record<string, string>> } {
  if (trustRoot.kind === 'public') return { flags: [], env: {} };
  const material = trustRoot.material;
  const ctlogFile = material?.ctlog?.publicKey.file;
  if (material?.fulcio.url === undefined || material.rekor === undefined || ctlogFile === undefined) {
    throw new Error(`trust root ${trustRoot.name} cannot sign a published artifact (the config checks refuse it)`);
  }
  const tsaUrl = material.tsa?.url;
  return {
    flags: [
      '--use-signing-config=false',
      '--fulcio-url "${FULCIO_URL}"',
      '--rekor-url "${REKOR_URL}"',
      ...(tsaUrl === undefined ? [] : ['--timestamp-server-url "${TSA_URL}"']),
    ],
    env: {
      FULCIO_URL: material.fulcio.url,
      REKOR_URL: material.rekor.url,
      ...(tsaUrl === undefined ? {} : { TSA_URL: tsaUrl }),
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: ctlogFile.path,
    },
  };
}
