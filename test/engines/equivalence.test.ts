import { X509Certificate, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { globToRegExp } from '../../src/model/glob';
import {
  IMAGE_VERIFICATION_POLICIES,
  MIXED_ENGINES_CONFIG,
  PRIVATE_SIGSTORE_CONFIG,
  THREE_ENVIRONMENTS_CONFIG,
  objectsIn,
  treeWithEngine,
} from '../helpers';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';

/**
 * What a rendered policy means, read back from the YAML each engine writes — independently of the engine code —
 * so the two renderings of one guardrail can be compared field by field.
 */
interface Meaning {
  metadata: unknown;
  imagePatterns: string[];
  /** Namespaces checked; undefined means all but the excluded ones. */
  namespaces?: string[];
  excludedNamespaces: string[];
  /** Whether a failing image blocks the Pod (enforce) or is only reported (audit). */
  blocks: boolean;
  failurePolicy: string;
  timeoutSeconds: number;
  backgroundScans: boolean;
  digests: { mutate: boolean; verify: boolean; required: boolean };
  trust: Trust;
  /** Predicate type of the required in-toto attestation; undefined for a signature check. */
  attestationType?: string;
}

/**
 * What a keyless signature is checked against: the public instance through a Rekor URL, or a private instance's
 * Fulcio certificates, Rekor URL and key, CT log key and TSA chain, each compared by content (DER), or `ignored`.
 */
type Trust =
  | { public: { rekorUrl: string } }
  | {
      fulcioCertificates: string[];
      rekor: { url: string; key: string } | 'ignored';
      ctlogKey: string | 'ignored';
      tsaChain?: string[];
    };

/** Every certificate of a PEM text, as base64 DER, sorted: the same set whatever the order or layout. */
function certificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)]
    .map(([block]) => new X509Certificate(block).raw.toString('base64'))
    .sort();
}

/** A public key (PEM or base64 DER) as base64 DER. */
function key(value: string): string {
  const keyObject = value.startsWith('-----')
    ? createPublicKey(value)
    : createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
  return keyObject.export({ type: 'spki', format: 'der' }).toString('base64');
}

/** ClusterPolicy: the keyless attestor's own fields. */
function clusterPolicyTrust(keyless: any): Trust {
  if (keyless.roots === undefined) return { public: { rekorUrl: keyless.rekor.url } };
  return {
    fulcioCertificates: certificates(keyless.roots),
    rekor: keyless.rekor.ignoreTlog ? 'ignored' : { url: keyless.rekor.url, key: key(keyless.rekor.pubkey) },
    ctlogKey: keyless.ctlog.ignoreSCT ? 'ignored' : key(keyless.ctlog.pubkey),
    ...(keyless.ctlog.tsaCertChain === undefined ? {} : { tsaChain: certificates(keyless.ctlog.tsaCertChain) }),
  };
}

/**
 * ImageValidatingPolicy: the Sigstore trusted root, which Kyverno 1.19.0 verifies keyless signatures against; the
 * PEM fields beside it must say the same.
 */
function imageValidatingPolicyTrust(cosign: any): Trust {
  if (cosign.trustedRoot === undefined) return { public: { rekorUrl: cosign.ctlog.url } };
  const trustedRoot = JSON.parse(cosign.trustedRoot.value);
  const rawCertificates = (authority: any) => authority.certChain.certificates.map((c: any) => c.rawBytes as string);
  const [tlog] = trustedRoot.tlogs;
  const [ctlog] = trustedRoot.ctlogs;
  const [tsa] = trustedRoot.timestampAuthorities;
  const trust: Trust = {
    fulcioCertificates: trustedRoot.certificateAuthorities.flatMap(rawCertificates).sort(),
    rekor: cosign.ctlog?.insecureIgnoreTlog ? 'ignored' : { url: tlog.baseUrl, key: key(tlog.publicKey.rawBytes) },
    ctlogKey: cosign.ctlog?.insecureIgnoreSCT ? 'ignored' : key(ctlog.publicKey.rawBytes),
    ...(tsa === undefined ? {} : { tsaChain: rawCertificates(tsa).sort() }),
  };
  expect(
    clusterPolicyTrust({
      roots: cosign.keyless.roots,
      rekor: cosign.ctlog?.insecureIgnoreTlog ? { ignoreTlog: true } : { url: cosign.ctlog.url, pubkey: cosign.ctlog.rekorPubKey },
      ctlog: cosign.ctlog?.insecureIgnoreSCT
        ? { ignoreSCT: true, tsaCertChain: cosign.ctlog?.tsaCertChain }
        : { pubkey: cosign.ctlog.ctLogPubKey, tsaCertChain: cosign.ctlog.tsaCertChain },
    }),
  ).toEqual(trust);
  return trust;
}

interface Identity {
  /** Exactly one of glob (ClusterPolicy) or regexp (ImageValidatingPolicy) per field. */
  issuer: { glob?: string; exact?: string; regexp?: string };
  subject: { glob?: string; exact?: string; regexp?: string };
}

function readClusterPolicy(policy: any): Meaning & { identity: Identity } {
  const [rule] = policy.spec.rules;
  const [verify] = rule.verifyImages;
  const attestation = verify.attestations?.[0];
  const [
    {
      entries: [{ keyless }],
    },
  ] = attestation ? attestation.attestors : verify.attestors;
  return {
    metadata: policy.metadata,
    imagePatterns: verify.imageReferences,
    namespaces: rule.match.any[0].resources.namespaces,
    excludedNamespaces: rule.exclude.any[0].resources.namespaces,
    blocks: verify.failureAction === 'Enforce',
    failurePolicy: policy.spec.webhookConfiguration.failurePolicy,
    timeoutSeconds: policy.spec.webhookConfiguration.timeoutSeconds,
    backgroundScans: policy.spec.background,
    digests: { mutate: verify.mutateDigest, verify: verify.verifyDigest, required: verify.required },
    trust: clusterPolicyTrust(keyless),
    attestationType: attestation?.type,
    // ClusterPolicy (cosign type) matches issuer and subject as globs.
    identity: { issuer: { glob: keyless.issuer }, subject: { glob: keyless.subject } },
  };
}

function readImageValidatingPolicy(policy: any): Meaning & { identity: Identity } {
  const { spec } = policy;
  const selector = spec.matchConstraints.namespaceSelector.matchExpressions as { key: string; operator: string; values: string[] }[];
  const valuesOf = (operator: string) => selector.find((r) => r.key === 'kubernetes.io/metadata.name' && r.operator === operator)?.values;
  const [{ cosign }] = spec.attestors;
  const [identity] = cosign.keyless.identities;
  return {
    metadata: policy.metadata,
    imagePatterns: spec.matchImageReferences.map((m: { glob: string }) => m.glob),
    namespaces: valuesOf('In'),
    excludedNamespaces: valuesOf('NotIn') ?? [],
    blocks: spec.validationActions.includes('Deny'),
    failurePolicy: spec.failurePolicy,
    timeoutSeconds: spec.webhookConfiguration.timeoutSeconds,
    backgroundScans: spec.evaluation.background.enabled,
    digests: {
      mutate: spec.validationConfigurations.mutateDigest,
      verify: spec.validationConfigurations.verifyDigest,
      required: spec.validationConfigurations.required,
    },
    trust: imageValidatingPolicyTrust(cosign),
    attestationType: spec.attestations?.[0].intoto.type,
    // ImageValidatingPolicy matches `issuer` and `subject` exactly, the *RegExp fields as regexps.
    identity: {
      issuer: identity.issuerRegExp === undefined ? { exact: identity.issuer } : { regexp: identity.issuerRegExp },
      subject: identity.subjectRegExp === undefined ? { exact: identity.subject } : { regexp: identity.subjectRegExp },
    },
  };
}

/**
 * Whether a value is accepted by one engine's matcher for an identity field. A ClusterPolicy glob is read by the
 * independent model of Kyverno's wildcard matcher.
 */
function accepts(matcher: { glob?: string; exact?: string; regexp?: string }, value: string): boolean {
  if (matcher.glob !== undefined) return kyvernoWildcardMatch(matcher.glob, value);
  if (matcher.exact !== undefined) return matcher.exact === value;
  return new RegExp(matcher.regexp!).test(value);
}

/** Values the glob must accept (each `*` filled in) and near misses it must reject, as in the glob tests. */
function probes(glob: string): string[] {
  const filled = ['', 'x', 'app/.github/workflows/release.yml@refs/heads/main'].map((fill) => glob.replaceAll('*', fill));
  const nearMisses = filled.flatMap((value) => [
    `x${value}`,
    `${value.replace('/', '-evil/')}`,
    value.replaceAll('.', 'X'),
    value.slice(0, -1),
  ]);
  return [...filled, ...nearMisses];
}

const CONFIGS = [THREE_ENVIRONMENTS_CONFIG, MIXED_ENGINES_CONFIG, PRIVATE_SIGSTORE_CONFIG];

describe("the model of Kyverno's wildcard matcher", () => {
  it('reads * as any run of characters, / included, and every other character but ? as itself', () => {
    expect(kyvernoWildcardMatch('https://github.com/acme/*', 'https://github.com/acme/app/.github/workflows/x.yml@refs/heads/main')).toBe(
      true,
    );
    expect(kyvernoWildcardMatch('https://github.com/acme/*', 'https://github.com/acme/')).toBe(true);
    expect(kyvernoWildcardMatch('https://github.com/acme/*', 'https://github.com/acme-evil/x')).toBe(false);
    expect(kyvernoWildcardMatch('a*b*c', 'abc')).toBe(true);
    expect(kyvernoWildcardMatch('a*b*c', 'acb')).toBe(false);
    expect(kyvernoWildcardMatch('', '')).toBe(true);
    expect(kyvernoWildcardMatch('', 'x')).toBe(false);
    expect(kyvernoWildcardMatch('ghcr.io/*', 'ghcr.io')).toBe(false);
  });

  it('reads . as a literal dot, as go-wildcard v1.0.3 does', () => {
    expect(kyvernoWildcardMatch('ghcr.io/*', 'ghcr.io/a')).toBe(true);
    expect(kyvernoWildcardMatch('ghcr.io/*', 'ghcrXio/a')).toBe(false);
    expect(kyvernoWildcardMatch('a.b', 'a.b')).toBe(true);
    expect(kyvernoWildcardMatch('a.b', 'ab')).toBe(false);
  });

  it('reads ? as exactly one character, never zero or two', () => {
    expect(kyvernoWildcardMatch('a?', 'ab')).toBe(true);
    expect(kyvernoWildcardMatch('a?', 'a.')).toBe(true);
    expect(kyvernoWildcardMatch('a?', 'a')).toBe(false);
    expect(kyvernoWildcardMatch('a?c', 'ac')).toBe(false);
    expect(kyvernoWildcardMatch('a?c', 'abbc')).toBe(false);
    expect(kyvernoWildcardMatch('a?c', 'a/c')).toBe(true);
  });
});

describe.each(CONFIGS)('both engines mean the same for %s', (config) => {
  const clusterPolicies = treeWithEngine('ClusterPolicy', config);
  const imageValidatingPolicies = treeWithEngine('ImageValidatingPolicy', config);
  // The registry restriction is compared in test/policies/guardrails.test.ts.
  const files = loadConfig(config).flatMap((env) =>
    [...env.policies.keys()]
      .filter((policy) => IMAGE_VERIFICATION_POLICIES.includes(policy))
      .map((policy) => ({ environment: env.name, path: `${env.name}/${policy}.yaml` })),
  );

  describe.each(files)('$path', ({ path }) => {
    const { identity: cpIdentity, ...cp } = readClusterPolicy(objectsIn(clusterPolicies, path)[0]);
    const { identity: ivpIdentity, ...ivp } = readImageValidatingPolicy(objectsIn(imageValidatingPolicies, path)[0]);

    it('has the same name, labels, annotations, image patterns, namespaces, phase, trust root and attestation', () => {
      expect(ivp).toEqual(cp);
    });

    it('carries the subject glob as the regexp derived from it', () => {
      expect(ivpIdentity.subject).toEqual({ regexp: globToRegExp(cpIdentity.subject.glob!) });
    });

    it.each(['issuer', 'subject'] as const)('accepts the %s values the glob means, and never one Kyverno would reject', (field) => {
      const glob = cpIdentity[field].glob!;
      for (const value of probes(glob)) {
        // Exactly the values Kyverno's matcher accepts for the ClusterPolicy glob.
        expect(accepts(ivpIdentity[field], value), value).toBe(accepts(cpIdentity[field], value));
      }
    });
  });

  it('keeps the kustomization of every environment identical', () => {
    const kustomizations = [...clusterPolicies.keys()].filter((path) => path.endsWith('kustomization.yaml'));
    for (const path of kustomizations) expect(imageValidatingPolicies.get(path)).toBe(clusterPolicies.get(path));
  });
});
