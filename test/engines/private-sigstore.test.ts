import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import type { Environment } from '../../src/model/environment';
import { publicTrustRoot } from '../../src/model/trust-root';
import { imageVerificationsOf } from '../../src/policies';
import { synthesize, synthesizeTree } from '../../src/synthesize';
import { validateTree } from '../../src/validate';
import { PRIVATE_SIGSTORE_CONFIG, nonEmpty, objectsIn } from '../helpers';

const environments = loadConfig(PRIVATE_SIGSTORE_CONFIG);
const synthesis = synthesize(environments);
const environment = (name: string) => environments.find((env) => env.name === name)!;

/** Every leaf of an object by its path (`spec.rules[0].name`). */
function leaves(value: unknown, path = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value))
      leaves(child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, into);
  } else {
    into.set(path, value);
  }
  return into;
}

/** The paths where two objects differ. */
function differences(a: unknown, b: unknown): string[] {
  const [left, right] = [leaves(a), leaves(b)];
  return [...new Set([...left.keys(), ...right.keys()])].filter((path) => left.get(path) !== right.get(path)).sort();
}

/** The environment with every signer on the public instance: the default the private one is compared with. */
function onPublicInstance(env: Environment): Environment {
  const publicSigner = <S extends { trustRoot: unknown }>(signer: S): S => ({ ...signer, trustRoot: publicTrustRoot() });
  const provenanceSigner = env.provenance.provenanceSigner;
  return {
    ...env,
    signer: publicSigner(env.signer),
    provenance: { ...env.provenance, provenanceSigner: provenanceSigner && publicSigner(provenanceSigner) },
  };
}

/** Where each engine keeps a keyless attestor's trust: the only fields a private trust root may change. */
const TRUST_FIELDS = {
  ClusterPolicy: /\.attestors\[0\]\.entries\[0\]\.keyless\.(roots|rekor\.(url|pubkey|ignoreTlog)|ctlog\.(pubkey|ignoreSCT|tsaCertChain))$/,
  ImageValidatingPolicy:
    /^spec\.attestors\[0\]\.cosign\.(keyless\.roots|ctlog\.(url|rekorPubKey|ctLogPubKey|tsaCertChain|insecureIgnoreTlog|insecureIgnoreSCT)|trustedRoot\.value|tuf\.(mirror|root\.data))$/,
};

describe('policies of a private trust root', () => {
  it('pass the pinned CRD schemas, the Kyverno webhook rules and the lint, for both engines', () => {
    expect(new Set(environments.map((env) => env.engine)).size).toBe(2);
    expect(validateTree(synthesis.tree, environments, synthesis.manifests).findings).toEqual([]);
  });

  const policies = nonEmpty(
    environments.flatMap((env) =>
      imageVerificationsOf(env).map((check) => ({ env: env.name, policy: check.name, private: check.signer.trustRoot.kind === 'private' })),
    ),
    'the image verifications of the fixture',
  );

  // The same environments with every signer on the public instance, rendered once.
  const publicTree = synthesizeTree(environments.map(onPublicInstance));

  it.each(policies)('$env/$policy differs from the public default only in its trust fields', ({ env, policy, private: isPrivate }) => {
    const path = `${env}/${policy}.yaml`;
    const changed = differences(objectsIn(synthesis.tree, path)[0], objectsIn(publicTree, path)[0]);
    expect(changed.length > 0).toBe(isPrivate);
    for (const field of changed) expect(field).toMatch(TRUST_FIELDS[environment(env).engine]);
  });
});

const fixture = (name: string) => readFileSync(`test/fixtures/sigstore/${name}`, 'utf8');
const certificatesIn = (pem: string) =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
    ([block]) => new X509Certificate(block).fingerprint256,
  );
const keyOf = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

describe('a ClusterPolicy carries exactly the configured roots and keys', () => {
  const keylessOf = (env: string) =>
    objectsIn(synthesis.tree, `${env}/verify-image-signatures.yaml`)[0].spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;

  it('a complete instance: Fulcio root and intermediate, Rekor URL and key, CT log key, TSA chain', () => {
    const keyless = keylessOf('corp');
    expect(certificatesIn(keyless.roots)).toEqual([
      ...certificatesIn(fixture('fulcio-root.pem')),
      ...certificatesIn(fixture('fulcio-intermediate.pem')),
    ]);
    expect(keyless.rekor.url).toBe('https://rekor.sigstore.test');
    expect(keyOf(keyless.rekor.pubkey)).toBe(keyOf(fixture('rekor.pub')));
    expect(keyOf(keyless.ctlog.pubkey)).toBe(keyOf(fixture('ctfe.pub')));
    expect(certificatesIn(keyless.ctlog.tsaCertChain)).toEqual(certificatesIn(fixture('tsa-chain.pem')));
    expect([keyless.rekor.ignoreTlog, keyless.ctlog.ignoreSCT]).toEqual([undefined, undefined]);
  });

  it('the same instance read from its trusted_root.json', () => {
    const [fromFiles, fromTrustedRoot] = [keylessOf('corp'), keylessOf('json')];
    expect(fromTrustedRoot).toEqual(fromFiles);
  });

  it('a CA acting as Fulcio with no transparency log and no CT log: its root, and both checks switched off', () => {
    const keyless = keylessOf('lab');
    expect(certificatesIn(keyless.roots)).toEqual(certificatesIn(fixture('fulcio-root.pem')));
    // The webhook requires a URL in any rekor block ("An URL is required"); with ignoreTlog it is never contacted.
    expect(keyless.rekor).toEqual({ ignoreTlog: true, url: 'https://rekor.sigstore.dev' });
    expect(keyless.ctlog).toEqual({ ignoreSCT: true });
  });
});

describe('an ImageValidatingPolicy carries the instance in the trusted root Kyverno verifies against', () => {
  const cosignOf = (env: string) => objectsIn(synthesis.tree, `${env}/verify-image-signatures.yaml`)[0].spec.attestors[0].cosign;

  it('the trusted_root.json given, as JSON', () => {
    expect(JSON.parse(cosignOf('json-next').trustedRoot.value)).toEqual(JSON.parse(fixture('trusted_root.json')));
  });

  it('a CA acting as Fulcio with no transparency log and no CT log: the switches, and no URL to reach', () => {
    const cosign = cosignOf('lab-next');
    expect(cosign.ctlog).toEqual({ insecureIgnoreSCT: true, insecureIgnoreTlog: true });
    const trustedRoot = JSON.parse(cosign.trustedRoot.value);
    expect([trustedRoot.tlogs, trustedRoot.ctlogs]).toEqual([[], []]);
    expect(trustedRoot.certificateAuthorities.map((ca: any) => ca.certChain.certificates.length)).toEqual([1]);
  });

  it('a TUF repository, by its mirror and its root (base64)', () => {
    const [env] = loadConfig(PRIVATE_SIGSTORE_CONFIG).filter((e) => e.name === 'lab-next');
    const tuf = {
      ...env,
      signer: {
        ...env.signer,
        trustRoot: {
          kind: 'private' as const,
          name: 'mirror',
          source: {
            form: 'tuf' as const,
            mirror: 'https://tuf.sigstore.test',
            root: { path: 'r.json', location: '/r.json' },
            rootBase64: 'e30=',
          },
        },
      },
    };
    const cosign = objectsIn(synthesizeTree([tuf]), 'lab-next/verify-image-signatures.yaml')[0].spec.attestors[0].cosign;
    expect(cosign.tuf).toEqual({ mirror: 'https://tuf.sigstore.test', root: { data: 'e30=' } });
    expect(cosign.trustedRoot).toBeUndefined();
    expect(cosign.ctlog).toBeUndefined();
  });
});
