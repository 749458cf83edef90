// Which Sigstore instance a keyless signature is checked against: the public one, or a private instance the
// config describes once (its own certificate and key files, a Sigstore trusted_root.json, or a TUF repository).
// Both engines, the local cosign commands and the Flux verification of published policies read it from here.

/** The name of the public Sigstore instance, the trust root of every signer that names none. */
export const PUBLIC_TRUST_ROOT = 'public';

/** The public Rekor transparency log. */
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';

/** A file of the repository the config names. */
export interface RepositoryFile {
  /** As the config writes it: relative to the config file's directory. */
  readonly path: string;
  /** The same file resolved against the config file's directory, for the commands that hand it to cosign. */
  readonly location: string;
}

/** Certificates or a public key as policies embed them: canonical PEM, one block after the other. */
export interface Pem {
  readonly pem: string;
  /** The file it was read from; absent when it was taken out of a trusted_root.json. */
  readonly file?: RepositoryFile;
}

/** A private instance's roots and keys, in the shape Kyverno's PEM fields and cosign's flags take them. */
export interface SigstoreMaterial {
  /** The CA that issues the signing certificates: its root(s), and the intermediates between them and a signing certificate. */
  readonly fulcio: { readonly url?: string; readonly roots: Pem; readonly intermediates?: Pem };
  /** The transparency log signatures are checked in; absent when the trust root ignores it. */
  readonly rekor?: { readonly url: string; readonly publicKey: Pem };
  /** The certificate transparency log whose SCTs signing certificates carry; absent when the trust root ignores SCTs. */
  readonly ctlog?: { readonly publicKey: Pem };
  /** An RFC 3161 timestamp authority: its chain, leaf first when it has one, root last. */
  readonly tsa?: { readonly url?: string; readonly certificateChain: Pem };
}

/** The checks of a keyless signature that a trust root may give up, by the name both Kyverno and cosign use. */
export const INSECURE_SWITCHES = ['insecureIgnoreTlog', 'insecureIgnoreSCT'] as const;
export type InsecureSwitch = (typeof INSECURE_SWITCHES)[number];

/** What each switch gives up, for messages. */
export const INSECURE_SWITCH_EFFECT: Readonly<Record<InsecureSwitch, string>> = {
  insecureIgnoreTlog: 'signatures are accepted without a transparency log entry',
  insecureIgnoreSCT: 'signing certificates are accepted without a certificate transparency timestamp (SCT)',
};

/** The public Sigstore instance: Fulcio roots and log keys from its TUF repository. */
export interface PublicTrustRoot {
  readonly kind: 'public';
  readonly name: typeof PUBLIC_TRUST_ROOT;
  /** Where its Rekor log is reached: rekor.sigstore.dev, or a proxy of it (`signer.rekorUrl`). */
  readonly rekorUrl: string;
}

/** How the config describes a private instance. */
export type PrivateSource =
  | { readonly form: 'files' }
  | { readonly form: 'trustedRoot'; readonly file: RepositoryFile }
  | { readonly form: 'tuf'; readonly mirror: string; readonly root: RepositoryFile; readonly rootBase64: string };

/** A private Sigstore instance, with the checks it gives up (each with its written reason). */
export interface PrivateTrustRoot extends Partial<Readonly<Record<InsecureSwitch, string>>> {
  readonly kind: 'private';
  /** Its name under `trustRoots`. */
  readonly name: string;
  readonly source: PrivateSource;
  /**
   * Its roots and keys: read from its files, or taken out of its trusted_root.json when that names one current
   * entry of each kind. Absent for a TUF repository, whose content is only known to the cluster.
   */
  readonly material?: SigstoreMaterial;
  /** The Sigstore trusted_root.json of the instance: the file given, or built from the files. Absent for TUF. */
  readonly trustedRoot?: string;
}

export type TrustRoot = PublicTrustRoot | PrivateTrustRoot;

/** The public trust root, its Rekor log reached at `rekorUrl`. */
export function publicTrustRoot(rekorUrl: string = PUBLIC_REKOR_URL): PublicTrustRoot {
  return { kind: 'public', name: PUBLIC_TRUST_ROOT, rekorUrl };
}

/**
 * The checks a trust root gives up, each with its written reason: what the lint reports, and what a comparison of
 * an enforced policy's old and new definitions must treat as weakening when a switch appears.
 */
export function insecureSwitches(trustRoot: TrustRoot): { readonly name: InsecureSwitch; readonly reason: string }[] {
  if (trustRoot.kind === 'public') return [];
  return INSECURE_SWITCHES.flatMap((name) => {
    const reason = trustRoot[name];
    return reason === undefined ? [] : [{ name, reason }];
  });
}

/** The Fulcio roots and intermediates as one PEM text: what both engines' `roots` fields take (see docs/private-sigstore.md). */
export function rootsPem(material: SigstoreMaterial): string {
  return material.fulcio.roots.pem + (material.fulcio.intermediates?.pem ?? '');
}
