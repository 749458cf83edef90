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
import { gobwasGlob } from '../support/gobwas-glob';
import { imageProbes, namedByGlobs } from '../support/image-probes';
import { kyvernoCel, kyvernoMatchImageExpression } from '../support/kyverno-cel';
import { dockerNormalizedForms, kyvernoImageSpelling } from '../support/kyverno-image';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';

/**
 * What a rendered policy means, read back from the YAML each engine writes — independently of the engine code —
 * so the two renderings of one guardrail can be compared field by field.
 */
interface Meaning {
  metadata: unknown;
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

/** Whether the policy governs an image, as the Pod writes it: each engine matches it its own way. */
type Governs = (image: string) => boolean;

function readClusterPolicy(policy: any): Meaning & { identity: Identity; governs: Governs } {
  const [rule] = policy.spec.rules;
  const [verify] = rule.verifyImages;
  const attestation = verify.attestations?.[0];
  const [
    {
      entries: [{ keyless }],
    },
  ] = attestation ? attestation.attestors : verify.attestors;
  const references: string[] = verify.imageReferences;
  return {
    metadata: policy.metadata,
    // Kyverno matches each imageReference, with its wildcard matcher, against its own spelling of the image.
    governs: (image) => references.some((reference) => kyvernoWildcardMatch(reference, kyvernoImageSpelling(image))),
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

function readImageValidatingPolicy(policy: any): Meaning & { identity: Identity; governs: Governs } {
  const { spec } = policy;
  const selector = spec.matchConstraints.namespaceSelector.matchExpressions as { key: string; operator: string; values: string[] }[];
  const valuesOf = (operator: string) => selector.find((r) => r.key === 'kubernetes.io/metadata.name' && r.operator === operator)?.values;
  const [{ cosign }] = spec.attestors;
  const [identity] = cosign.keyless.identities;
  // Kyverno matches each glob (gobwas/glob) or expression (CEL) against the image as the Pod writes it.
  const matchers: Governs[] = spec.matchImageReferences.map((m: { glob?: string; expression?: string }) =>
    m.glob === undefined ? kyvernoMatchImageExpression(m.expression!) : gobwasGlob(m.glob),
  );
  return {
    metadata: policy.metadata,
    governs: (image) => matchers.some((matches) => matches(image)),
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

/** Images on Docker Hub, which Pods write in several spellings, and an IPv6 registry host. */
const DOCKER_HUB_CONFIG = 'test/fixtures/docker-hub.yaml';

const CONFIGS = [THREE_ENVIRONMENTS_CONFIG, MIXED_ENGINES_CONFIG, PRIVATE_SIGSTORE_CONFIG, DOCKER_HUB_CONFIG];

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

describe('the model of the ImageValidatingPolicy glob matcher (gobwas/glob v0.2.3, no separators)', () => {
  it.each([
    // `*` crosses `/`, `.` and `:`, as the config's `*` does.
    ['docker.io/acme/*', 'docker.io/acme/team/app:1', true],
    ['docker.io/acme/*', 'docker.io/acme-evil/app', false],
    ['a.b', 'aXb', false],
    ['a**b', 'a/x/b', true],
    // Syntax the config's globs do not have: one character, classes, alternatives, escapes.
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[ab]x', 'bx', true],
    ['[!ab]x', 'bx', false],
    ['[a-c]x', 'cx', true],
    ['{ghcr.io,quay.io}/acme/*', 'quay.io/acme/x', true],
    ['a,b}', 'a,b}', true],
    ['\\[x\\]', '[x]', true],
    // An IPv6 registry host read as gobwas syntax is a class of one character: it never matches the host itself.
    ['[fd00::1]:5000/apps/*', '[fd00::1]:5000/apps/x', false],
    ['[fd00::1]:5000/apps/*', '1:5000/apps/x', true],
    ['\\[fd00::1\\]:5000/apps/*', '[fd00::1]:5000/apps/x', true],
  ])('%s matches %s: %s', (pattern, value, matches) => {
    expect(gobwasGlob(pattern)(value)).toBe(matches);
  });

  it('refuses what gobwas would not compile', () => {
    expect(() => gobwasGlob('a[b')).toThrow();
    expect(() => gobwasGlob('{a,b')).toThrow();
  });
});

describe("the model of Kyverno's ClusterPolicy image spelling and of Docker's normalisation", () => {
  it.each([
    ['ghcr.io/acme/app', 'ghcr.io/acme/app:latest'],
    ['ghcr.io/acme/app:1@sha256:x', 'ghcr.io/acme/app@sha256:x'],
    // docker.io added, library/ not, index.docker.io kept (pkg/utils/image/infos.go:102-109).
    ['acme/app:1', 'docker.io/acme/app:1'],
    ['nginx', 'docker.io/nginx:latest'],
    ['index.docker.io/acme/app', 'index.docker.io/acme/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['acme:5000/app', 'acme:5000/app:latest'],
    ['[fd00::1]:5000/apps/x', '[fd00::1]:5000/apps/x:latest'],
  ])('Kyverno spells %s as %s', (image, spelled) => {
    expect(kyvernoImageSpelling(image)).toBe(spelled);
  });

  it.each([
    ['nginx', ['docker.io/library/nginx', 'docker.io/library/nginx:latest']],
    ['index.docker.io/acme/app:1', ['docker.io/acme/app:1']],
    ['nginx:1@sha256:x', ['docker.io/library/nginx:1@sha256:x', 'docker.io/library/nginx@sha256:x']],
    ['nginx:5000/evil/app', ['nginx:5000/evil/app', 'nginx:5000/evil/app:latest']],
    ['registry-1.docker.io/acme/app:1', ['registry-1.docker.io/acme/app:1']],
  ])('Docker reads %s as %j', (image, forms) => {
    expect(dockerNormalizedForms(image)).toEqual(forms);
  });
});

describe.each(CONFIGS)('both engines mean the same for %s', (config) => {
  const clusterPolicies = treeWithEngine('ClusterPolicy', config);
  const imageValidatingPolicies = treeWithEngine('ImageValidatingPolicy', config);
  // The registry restriction is compared in test/policies/guardrails.test.ts.
  const environments = loadConfig(config);
  const files = environments.flatMap((env) =>
    [...env.policies.keys()]
      .filter((policy) => IMAGE_VERIFICATION_POLICIES.includes(policy))
      .map((policy) => ({ environment: env.name, path: `${env.name}/${policy}.yaml`, imagePatterns: env.imagePatterns })),
  );

  describe.each(files)('$path', ({ path }) => {
    const { identity: cpIdentity, governs: _cp, ...cp } = readClusterPolicy(objectsIn(clusterPolicies, path)[0]);
    const { identity: ivpIdentity, governs: _ivp, ...ivp } = readImageValidatingPolicy(objectsIn(imageValidatingPolicies, path)[0]);

    it('has the same name, labels, annotations, namespaces, phase, trust root and attestation', () => {
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

  const verifying = environments.flatMap((env) => {
    const paths = files.filter((file) => file.environment === env.name).map((file) => file.path);
    return paths.length === 0 ? [] : [{ environment: env.name, imagePatterns: env.imagePatterns, paths }];
  });
  it.each(verifying)(
    '$environment: its image verifications govern exactly the images imagePatterns name, however a Pod writes them, in both engines',
    ({ imagePatterns, paths }) => {
      // Every verification of the environment matches images by the same references, in each engine.
      const references = (tree: typeof clusterPolicies, field: (policy: any) => unknown) =>
        new Set(paths.map((path) => JSON.stringify(field(objectsIn(tree, path)[0]))));
      expect(references(clusterPolicies, (policy) => policy.spec.rules[0].verifyImages[0].imageReferences).size).toBe(1);
      expect(references(imageValidatingPolicies, (policy) => policy.spec.matchImageReferences).size).toBe(1);
      const { governs: clusterPolicy } = readClusterPolicy(objectsIn(clusterPolicies, paths[0])[0]);
      const { governs: imageValidatingPolicy } = readImageValidatingPolicy(objectsIn(imageValidatingPolicies, paths[0])[0]);
      // Docker Hub's short and familiar names, index.docker.io, a missing :latest, a tag beside a digest, look-alikes of
      // other registries: each engine governs a probe exactly when the patterns name the image Docker pulls for it.
      const names = namedByGlobs(imagePatterns);
      const verdicts = imageProbes(imagePatterns).map((image) => ({
        image,
        named: names(image),
        ClusterPolicy: clusterPolicy(image),
        ImageValidatingPolicy: imageValidatingPolicy(image),
      }));
      expect(verdicts.length).toBeGreaterThan(10);
      expect(verdicts.filter((v) => v.ClusterPolicy !== v.named || v.ImageValidatingPolicy !== v.named)).toEqual([]);
    },
  );

  const evaluate = kyvernoCel();
  // Both engines render the restriction with one function, and environments of a config often share their lists: each
  // distinct expression is evaluated once per image.
  const verdicts = new Map<string, boolean>();
  const admits = (expression: string, image: string) => {
    const key = `${expression}\n${image}`;
    if (!verdicts.has(key)) verdicts.set(key, evaluate(expression, { object: { spec: { containers: [{ image }] } } }));
    return verdicts.get(key)!;
  };
  const restricted = environments.filter((env) => env.policies.has('restrict-image-registries'));
  it.each(restricted.map((env) => ({ environment: env.name, allowed: [...env.imagePatterns, ...env.thirdPartyImages] })))(
    '$environment: the registry restriction admits exactly the images imagePatterns and thirdPartyImages name, in both engines',
    ({ environment, allowed }) => {
      const path = `${environment}/restrict-image-registries.yaml`;
      // The validation of `containers`, in each engine (the other container lists use the same globs).
      const expressions: string[] = [
        objectsIn(clusterPolicies, path)[0].spec.rules[0].validate.cel.expressions[0].expression,
        objectsIn(imageValidatingPolicies, path)[0].spec.validations[0].expression,
      ];
      const names = namedByGlobs(allowed);
      const verdicts = imageProbes(allowed).map((image) => ({
        image,
        named: names(image),
        admitted: expressions.map((expression) => admits(expression, image)),
      }));
      expect(verdicts.filter(({ named, admitted }) => admitted.some((verdict) => verdict !== named))).toEqual([]);
    },
  );

  it('keeps the kustomization of every environment identical', () => {
    const kustomizations = [...clusterPolicies.keys()].filter((path) => path.endsWith('kustomization.yaml'));
    for (const path of kustomizations) expect(imageValidatingPolicies.get(path)).toBe(clusterPolicies.get(path));
  });
});
