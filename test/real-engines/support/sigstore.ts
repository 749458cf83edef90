import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustSucceed, runTool } from './run';

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
 * certificate of this CA without any Sigstore service (flags as each pinned release's `--help` names them):
 *   --key, --certificate, --certificate-chain  the signer's key, its leaf certificate and the CA chain;
 *   --tlog-upload=false                        no Rekor entry (no transparency log here);
 *   v3: --use-signing-config=false             no signing config from the public TUF repository (v3's default).
 */
const SIGNING: Record<SignatureFormat, { readonly cosign: 'cosign-v2' | 'cosign-v3'; readonly flags: readonly string[] }> = {
  legacy: { cosign: 'cosign-v2', flags: [] },
  'legacy-by-v3': { cosign: 'cosign-v3', flags: ['--use-signing-config=false', '--new-bundle-format=false'] },
  bundle: { cosign: 'cosign-v3', flags: ['--use-signing-config=false'] },
};

/** The cosign release that signs in a format. */
export function cosignFor(format: SignatureFormat): 'cosign-v2' | 'cosign-v3' {
  return SIGNING[format].cosign;
}

function offlineSigningFlags(format: SignatureFormat, signer: Signer, chain: string): string[] {
  return [
    '--yes',
    '--key',
    signer.key,
    '--certificate',
    signer.certificate,
    '--certificate-chain',
    chain,
    '--tlog-upload=false',
    ...SIGNING[format].flags,
  ];
}

interface Signer {
  readonly key: string;
  readonly certificate: string;
}

/**
 * A private Sigstore for one test file: a root and intermediate CA acting as Fulcio, issuing each identity a
 * leaf certificate for a cosign key pair, with the OIDC issuer in Fulcio's extensions and the subject as a URI
 * SAN. There is no Rekor, CT log or timestamp authority: verifiers must skip the transparency log and SCTs.
 */
export class PrivateSigstore {
  private readonly signers = new Map<string, Signer>();

  private constructor(
    private readonly dir: string,
    /** The registry's environment (trust in its TLS CA), for every cosign call. */
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(env: NodeJS.ProcessEnv): Promise<PrivateSigstore> {
    const dir = mkdtempSync(join(tmpdir(), 'engine-tests-sigstore-'));
    mustSucceed(await runTool('testbed', ['ca', '-dir', join(dir, 'ca')]), 'testbed ca');
    return new PrivateSigstore(dir, { ...env, COSIGN_PASSWORD: '' });
  }

  /** The root CA certificate (PEM): what a policy's `roots` must hold. */
  get rootPem(): string {
    return readFileSync(join(this.dir, 'ca', 'root.pem'), 'utf8');
  }

  /** The PEM file with the intermediate and the root, as cosign's --certificate-chain takes it. */
  get chainFile(): string {
    return join(this.dir, 'ca', 'chain.pem');
  }

  get rootFile(): string {
    return join(this.dir, 'ca', 'root.pem');
  }

  /** A key pair and certificate for the identity, made once per identity. */
  async signer(identity: Identity): Promise<Signer> {
    const id = `${identity.issuer} ${identity.subject}`;
    const known = this.signers.get(id);
    if (known) return known;
    const dir = join(this.dir, `signer-${this.signers.size}`);
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
    const signer = { key: join(dir, 'cosign.key'), certificate };
    this.signers.set(id, signer);
    return signer;
  }

  /** Signs an image (by digest) as the identity, in the given format. */
  async sign(image: string, identity: Identity, format: SignatureFormat): Promise<void> {
    const flags = offlineSigningFlags(format, await this.signer(identity), this.chainFile);
    mustSucceed(
      await runTool(SIGNING[format].cosign, ['sign', ...flags, image], { env: this.env }),
      `${SIGNING[format].cosign} sign ${image}`,
    );
  }

  /** Attaches a signed in-toto attestation of `predicateType` with `predicate` to an image, as the identity. */
  async attest(image: string, identity: Identity, format: SignatureFormat, predicateType: string, predicate: unknown): Promise<void> {
    const file = join(this.dir, `predicate-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(predicate));
    const flags = offlineSigningFlags(format, await this.signer(identity), this.chainFile);
    mustSucceed(
      await runTool(SIGNING[format].cosign, ['attest', ...flags, '--type', predicateType, '--predicate', file, image], { env: this.env }),
      `${SIGNING[format].cosign} attest --type ${predicateType} ${image}`,
    );
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
