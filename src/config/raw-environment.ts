import type { DrillImages, EngineKind, FailurePolicy, PolicyName, PolicySettings, SbomFormat } from '../model/environment';

// The config as written, once it passed the schema: what the cross-field checks read, and what resolution turns
// into the model's Environment (src/model/environment.ts) by applying every default.

/** A signer as written in the config. */
export type RawSigner = { issuer: string; subject: string; rekorUrl?: string; trustRoot?: string };

/** An environment as written in the config, once it passed the schema. */
export interface RawEnvironment {
  name: string;
  cluster?: string;
  engine?: EngineKind;
  trustRoot?: string;
  imagePatterns: string[];
  signer: RawSigner;
  namespaces?: string[];
  excludeNamespaces?: string[];
  kyvernoNamespace?: string;
  systemNamespaces?: string[];
  /** Namespace → the image references of the controllers running there. */
  controllers?: Record<string, string[]>;
  webhook?: { timeoutSeconds?: number; failurePolicy?: FailurePolicy; acknowledgeFailOpen?: string };
  drill?: Omit<DrillImages, 'foreignImage'> & { foreignImage?: string };
  thirdPartyImages?: string[];
  sbom?: { format?: SbomFormat; maxAge?: string };
  provenance?: { signer?: RawSigner; builderIds?: string[]; sourceRepositories?: string[] };
  policies: Partial<Record<PolicyName, PolicySettings>>;
  flux?: {
    kyvernoKustomization?: string;
    interval?: string;
    retryInterval?: string;
    timeout?: string;
    sourceRef?: string;
    gitRepository?: { url: string; branch?: string; interval?: string; secretRef?: string };
  };
  delivery?: {
    mode: 'git' | 'oci';
    repository?: string;
    tag?: string;
    digest?: string;
    published?: boolean;
    signer?: { issuer: string; subject: string; trustRoot?: string };
    interval?: string;
    trustedRootSecret?: string;
    pullSecret?: string;
  };
}

/** A private Sigstore instance as written under `trustRoots`: file paths are relative to the config file. */
export interface RawTrustRoot {
  fulcio?: { url?: string; roots: string; intermediates?: string };
  rekor?: { url: string; publicKey: string };
  ctlog?: { publicKey: string };
  tsa?: { url?: string; certificateChain: string };
  trustedRoot?: string;
  tuf?: { mirror: string; root: string };
  insecureIgnoreTlog?: string;
  insecureIgnoreSCT?: string;
}

/** The whole config as written, once it passed the schema. */
export interface RawConfig {
  environments: RawEnvironment[];
  trustRoots?: Record<string, RawTrustRoot>;
}
