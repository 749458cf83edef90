import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrustedRoot } from '../../../src/model/sigstore-trusted-root';
import type { SigstoreMaterial } from '../../../src/model/trust-root';
import type { LocalRegistry } from './registry';
import { mustSucceed, runTool, toolPath } from './run';

/** Who signs: the OIDC issuer and the subject (a URI SAN) Fulcio would certify. */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
}

/**
 * How a signature is stored: `legacy` (`.sig`/`.att` tags) as cosign v2 writes it, the same written by cosign v3
 * with `--new-bundle-format=false` (what docs/guardrails.md asks for on Kyverno 1.19), or a Sigstore `bundle`
 * (OCI referrers), cosign v3's default.
 */
export type SignatureFormat = 'legacy' | 'legacy-by-v3' | 'bundle';

/**
 * Each format's cosign release and flags, and what `cosign sign` and `cosign attest` need to sign with a
 * certificate of this CA and no other Sigstore service than its timestamp authority (flags as each pinned
 * release's `--help` names them):
 *   --key, --certificate, --certificate-chain  the signer's key, its leaf certificate and the CA chain;
 *   --timestamp-server-url                     a signed timestamp from the timestamp authority;
 *   --tlog-upload=false                        no Rekor entry (no transparency log here);
 *   v3: --use-signing-config=false             no signing config from the public TUF repository (v3's default).
 */
const SIGNING: Record<SignatureFormat, { readonly cosign: 'cosign-v2' | 'cosign-v3'; readonly flags: readonly string[] }> = {
  legacy: { cosign: 'cosign-v2', flags: [] },
  'legacy-by-v3': { cosign: 'cosign-v3', flags: ['--use-signing-config=false', '--new-bundle-format=false'] },
  bundle: { cosign: 'cosign-v3', flags: ['--use-signing-config=false'] },
};

/**
 * The formats an image's evidence is written in when both engines judge it, as a cluster running both would need:
 * ClusterPolicy reads the legacy format only, and the ImageValidatingPolicy engine verifies the attestations of an
 * instance without a transparency log only in Sigstore bundles (see docs/real-engines.md, measured by
 * bundle-formats.test.ts). Given bundles, that engine reads nothing else.
 */
export const FOR_BOTH_ENGINES: readonly SignatureFormat[] = ['legacy', 'bundle'];

/** The cosign release that signs in a format. */
export function cosignFor(format: SignatureFormat): 'cosign-v2' | 'cosign-v3' {
  return SIGNING[format].cosign;
}

/**
 * A Sigstore bundle carries the signing certificate alone, as Fulcio's certificates reach it: the chain is the
 * verifier's, from its trusted root. (Given --certificate-chain, cosign v3.1.3 writes the chain into a v0.3 bundle,
 * which sigstore-go v1.3.0, the library of Kyverno v1.19.0 and of cosign itself, refuses to read unless the verifier
 * allows chains: pkg/bundle/bundle.go validate.) The legacy formats carry the chain, as cosign writes Fulcio's.
 */
function offlineSigningFlags(format: SignatureFormat, signer: Signer, chain: string, tsaUrl: string | undefined): string[] {
  return [
    '--yes',
    ...(tsaUrl ? ['--timestamp-server-url', tsaUrl] : []),
    '--key',
    signer.key,
    '--certificate',
    signer.certificate,
    ...(format === 'bundle' ? [] : ['--certificate-chain', chain]),
    '--tlog-upload=false',
    ...SIGNING[format].flags,
  ];
}

export interface SigningOptions {
  /** Whether the signature carries a signed timestamp of the Sigstore's timestamp authority (default: yes). */
  readonly timestamped?: boolean;
}

interface Signer {
  readonly key: string;
  readonly certificate: string;
}

/**
 * The files a config's trust roots name for the private Sigstore, relative to the config's directory: its Fulcio
 * root and intermediate, its timestamp authority's chain, and the root metadata of its TUF repository.
 */
export const TRUST_FILES = {
  fulcioRoot: 'sigstore/fulcio-root.pem',
  fulcioIntermediate: 'sigstore/fulcio-intermediate.pem',
  tsaChain: 'sigstore/tsa-chain.pem',
  tufRoot: 'sigstore/tuf-root.json',
} as const;

/** Where, under a registry's files, the private Sigstore's TUF repository is served. */
export const TUF_REPOSITORY = 'tuf';

/**
 * A private Sigstore for one test file: a root and intermediate CA acting as Fulcio, issuing each identity a
 * leaf certificate for a cosign key pair, with the OIDC issuer in Fulcio's extensions and the subject as a URI
 * SAN; a timestamp authority under the same root, which every signature made after `publish` carries a timestamp
 * of; and a TUF repository publishing its trusted root. There is no Rekor and no CT log: verifiers must skip the
 * transparency log and SCTs.
 *
 * The CA and the TUF repository's root metadata are made at once (synchronously: a config naming them can be
 * loaded while the tests are collected); the services run on a registry's server once `publish` puts them there.
 */
export class PrivateSigstore {
  private readonly signers = new Map<string, Promise<Signer>>();
  /** The timestamp authority signatures ask, once published. */
  private tsaUrl?: string;

  private constructor(
    private readonly dir: string,
    /** The registry's environment (trust in its TLS CA), for every cosign call. */
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static create(env: NodeJS.ProcessEnv = {}): PrivateSigstore {
    const dir = mkdtempSync(join(tmpdir(), 'engine-tests-sigstore-'));
    for (const args of [
      ['ca', '-dir', join(dir, 'ca')],
      ['tuf-root', '-dir', join(dir, 'tuf')],
    ])
      execFileSync(toolPath('testbed'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return new PrivateSigstore(dir, { ...env, COSIGN_PASSWORD: '' });
  }

  /** The PEM file with the intermediate and the root, as cosign's --certificate-chain takes it. */
  get chainFile(): string {
    return join(this.dir, 'ca', 'chain.pem');
  }

  /** Copies the files of TRUST_FILES under `configDir`, where a config in that directory finds them. */
  writeTrustFiles(configDir: string): void {
    mkdirSync(join(configDir, 'sigstore'), { recursive: true });
    copyFileSync(join(this.dir, 'ca', 'root.pem'), join(configDir, TRUST_FILES.fulcioRoot));
    copyFileSync(join(this.dir, 'ca', 'intermediate.pem'), join(configDir, TRUST_FILES.fulcioIntermediate));
    copyFileSync(join(this.dir, 'ca', 'tsa-chain.pem'), join(configDir, TRUST_FILES.tsaChain));
    copyFileSync(join(this.dir, 'tuf', 'root.json'), join(configDir, TRUST_FILES.tufRoot));
  }

  /**
   * Runs the Sigstore's services on the registry's server: its timestamp authority, and its TUF repository, whose
   * mirror URL it returns. The repository publishes the trusted root of `material`, the instance as a config
   * describes it by its files, with a Rekor and a CT log key added: the ImageValidatingPolicy engine of Kyverno
   * v1.19.0 refuses a TUF repository that names neither log even when the policy ignores both
   * (pkg/image/verifiers/ivpol/cosign/opts.go initTUFAndFetch: the Rekor and CT log keys come from targets marked
   * for them, else from trusted_root.json, else the whole verification fails). This instance runs neither log, so
   * the keys are of logs that never sign anything, and the policies never ask them.
   */
  async publish(registry: LocalRegistry, material: SigstoreMaterial): Promise<string> {
    copyFileSync(join(this.dir, 'ca', 'tsa.pem'), join(registry.tsaDir, 'tsa.pem'));
    copyFileSync(join(this.dir, 'ca', 'tsa.key'), join(registry.tsaDir, 'tsa.key'));
    this.tsaUrl = registry.tsaUrl;
    const logKey = () => ({
      pem: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    const trustedRoot = join(this.dir, 'trusted_root.json');
    writeFileSync(
      trustedRoot,
      buildTrustedRoot({ ...material, rekor: { url: 'https://rekor.invalid', publicKey: logKey() }, ctlog: { publicKey: logKey() } }),
    );
    const repository = join(registry.filesDir, TUF_REPOSITORY);
    mustSucceed(
      await runTool('testbed', ['tuf-publish', '-dir', join(this.dir, 'tuf'), '-repository', repository, '-target', trustedRoot]),
      'testbed tuf-publish',
    );
    return registry.filesUrl(TUF_REPOSITORY);
  }

  /**
   * Timestamps this instance's signatures with another's timestamp authority (published): a timestamp is no
   * certificate authority's, and anyone may ask a TSA for one.
   */
  timestampWith(other: PrivateSigstore): void {
    this.tsaUrl = other.tsaUrl;
  }

  /** A key pair and certificate for the identity, made once per identity (concurrent callers share it). */
  signer(identity: Identity): Promise<Signer> {
    const id = `${identity.issuer} ${identity.subject}`;
    let signer = this.signers.get(id);
    if (!signer) {
      signer = this.newSigner(identity, join(this.dir, `signer-${this.signers.size}`));
      this.signers.set(id, signer);
    }
    return signer;
  }

  private async newSigner(identity: Identity, dir: string): Promise<Signer> {
    mkdirSync(dir);
    mustSucceed(
      await runTool('cosign-v2', ['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')], { env: this.env }),
      'cosign generate-key-pair',
    );
    const certificate = join(dir, 'leaf.pem');
    mustSucceed(
      await runTool('testbed', [
        'leaf',
        ...['-ca', join(this.dir, 'ca'), '-public-key', join(dir, 'cosign.pub')],
        ...['-issuer', identity.issuer, '-subject', identity.subject, '-out', certificate],
      ]),
      'testbed leaf',
    );
    return { key: join(dir, 'cosign.key'), certificate };
  }

  /** Signs an image (by digest) as the identity, once in each format. */
  async sign(image: string, identity: Identity, formats: readonly SignatureFormat[], options: SigningOptions = {}): Promise<void> {
    for (const format of formats) await this.cosign(format, identity, options, 'sign', [image]);
  }

  /** Attaches a signed in-toto attestation of `predicateType` with `predicate` to an image, as the identity, once in each format. */
  async attest(
    image: string,
    identity: Identity,
    formats: readonly SignatureFormat[],
    predicateType: string,
    predicate: unknown,
    options: SigningOptions = {},
  ): Promise<void> {
    const file = join(this.dir, `predicate-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(predicate));
    for (const format of formats)
      await this.cosign(format, identity, options, 'attest', ['--type', predicateType, '--predicate', file, image]);
  }

  private async cosign(
    format: SignatureFormat,
    identity: Identity,
    { timestamped = true }: SigningOptions,
    command: 'sign' | 'attest',
    args: readonly string[],
  ): Promise<void> {
    if (timestamped && this.tsaUrl === undefined) throw new Error('a timestamped signature needs the Sigstore published (publish)');
    const flags = offlineSigningFlags(format, await this.signer(identity), this.chainFile, timestamped ? this.tsaUrl : undefined);
    const cosign = SIGNING[format].cosign;
    mustSucceed(await runTool(cosign, [command, ...flags, ...args], { env: this.env }), `${cosign} ${command} ${args.join(' ')}`);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
