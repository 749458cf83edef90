import { X509Certificate, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load';
import type { Environment } from '../src/model/environment';
import { insecureSwitches, publicTrustRoot, rootsPem } from '../src/model/trust-root';
import { readTrustedRoot } from '../src/model/sigstore-trusted-root';
import { imageVerificationsOf } from '../src/policies';
import { planVerification } from '../src/rollout/cosign';
import { synthesize, synthesizeTree } from '../src/synthesize';
import { validateObject, validateTree } from '../src/validate';
import { PRIVATE_SIGSTORE_CONFIG, nonEmpty, objectsIn, runCli, tempDir } from './helpers';

// A private Sigstore end to end, on test/fixtures/private-sigstore.yaml: what both engines render for its trust roots,
// how the lint reports the checks they switch off, and what verify hands cosign.

const environments = loadConfig(PRIVATE_SIGSTORE_CONFIG);
const synthesis = synthesize(environments);
const environment = (name: string) => environments.find((env) => env.name === name)!;

const fixture = (name: string) => readFileSync(`test/fixtures/sigstore/${name}`, 'utf8');
const certificatesIn = (pem: string) =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
    ([block]) => new X509Certificate(block).fingerprint256,
  );
const keyOf = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

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

const LAB_REASONS = {
  insecureIgnoreTlog: 'the lab signs in an isolated network without a Rekor instance',
  insecureIgnoreSCT: 'the lab CA runs no certificate transparency log',
};

describe('lint/insecure-verification', () => {
  it('reports every switch a trust root acknowledges as a warning, on every policy it weakens, with its reason', () => {
    const { findings, warnings } = validateTree(synthesis.tree, environments, synthesis.manifests);
    expect(findings).toEqual([]);
    const keyless = 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless';
    const attestationKeyless = 'spec.rules[0].verifyImages[0].attestations[0].attestors[0].entries[0].keyless';
    expect(warnings.map(({ env, file, path, rule, severity }) => `${env}/${file} ${path} ${rule} ${severity}`)).toEqual([
      // In path order: lab-next/ sorts before lab/.
      'lab-next/require-sbom-attestation.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreSCT lint/insecure-verification warning',
      'lab-next/require-sbom-attestation.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreTlog lint/insecure-verification warning',
      'lab-next/verify-image-signatures.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreSCT lint/insecure-verification warning',
      'lab-next/verify-image-signatures.yaml spec.attestors[0].cosign.ctlog.insecureIgnoreTlog lint/insecure-verification warning',
      `lab/require-sbom-attestation.yaml ${attestationKeyless}.ctlog.ignoreSCT lint/insecure-verification warning`,
      `lab/require-sbom-attestation.yaml ${attestationKeyless}.rekor.ignoreTlog lint/insecure-verification warning`,
      `lab/verify-image-signatures.yaml ${keyless}.ctlog.ignoreSCT lint/insecure-verification warning`,
      `lab/verify-image-signatures.yaml ${keyless}.rekor.ignoreTlog lint/insecure-verification warning`,
    ]);
    expect(warnings.find((w) => w.path.endsWith('rekor.ignoreTlog'))?.message).toBe(
      `signatures are accepted without a transparency log entry: trust root "lab-ca" sets insecureIgnoreTlog (${LAB_REASONS.insecureIgnoreTlog})`,
    );
  });

  it('refuses a switch no trust root acknowledges, in either engine', () => {
    const corp = environments.find((env) => env.name === 'corp');
    const policy = objectsIn(synthesis.tree, 'corp/verify-image-signatures.yaml')[0];
    policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.rekor.ignoreTlog = true;
    expect(validateObject(policy, { environment: corp }).filter((v) => v.rule === 'lint/insecure-verification')).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keyless', 'rekor', 'ignoreTlog'],
        message:
          'signatures are accepted without a transparency log entry, and no trust root of the config sets insecureIgnoreTlog with a reason',
        rule: 'lint/insecure-verification',
      },
    ]);
    const next = objectsIn(synthesis.tree, 'corp-next/verify-image-signatures.yaml')[0];
    next.spec.attestors[0].cosign.ctlog.insecureIgnoreSCT = true;
    const corpNext = environments.find((env) => env.name === 'corp-next');
    expect(validateObject(next, { environment: corpNext }).map((v) => [v.rule, v.severity])).toEqual([
      ['lint/insecure-verification', undefined],
    ]);
  });

  it('synth prints each warning and writes the output', () => {
    const dir = tempDir();
    const { code, out } = runCli('synth', '--config', PRIVATE_SIGSTORE_CONFIG, '--outdir', join(dir, 'dist'));
    expect(code).toBe(0);
    // The switches' warnings (a first synth also warns of each environment that enforces from the start).
    const warnings = out.split('\n').filter((line) => line.startsWith('warning: ') && line.endsWith('[lint/insecure-verification]'));
    expect(warnings).toHaveLength(8);
    expect(warnings[0]).toMatch(
      /^warning: lab-next\/require-sbom-attestation\.yaml: spec\.attestors\[0\]\.cosign\.ctlog\.insecureIgnoreSCT: .* \(the lab CA runs no certificate transparency log\) \[lint\/insecure-verification\]$/,
    );
  });
});

describe('the switches in the resolved definition (what a comparison of an enforced policy before and after reads)', () => {
  it('each image verification of a weakened environment names its switches and reasons; any other names none', () => {
    for (const env of environments) {
      for (const check of imageVerificationsOf(env)) {
        const expected = env.name.startsWith('lab') ? Object.entries(LAB_REASONS).map(([name, reason]) => ({ name, reason })) : [];
        expect(insecureSwitches(check.signer.trustRoot), `${env.name}/${check.name}`).toEqual(expected);
      }
    }
  });
});

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const LAB_IMAGE = `registry.lab.test/apps/web@${DIGEST}`;
const CORP_IMAGE = `ghcr.io/acme/web@${DIGEST}`;
const FILES = 'test/fixtures/sigstore';

function steps(name: string, image: string) {
  const plan = planVerification(environment(name), image);
  if ('refusal' in plan) throw new Error(plan.refusal);
  return plan;
}

const LAB_IDENTITY = [
  '--certificate-oidc-issuer',
  'https://issuer.lab.test',
  '--certificate-identity-regexp',
  '^https://git\\.lab\\.test/apps/.*$',
];
const CORP_IDENTITY = [
  '--certificate-oidc-issuer',
  'https://token.actions.githubusercontent.com',
  '--certificate-identity-regexp',
  '^https://github\\.com/acme/.*$',
];

/** A config (beside the fixture files) of one ImageValidatingPolicy environment on a TUF trust root, with `extra` trust root lines. */
function tufConfig(extra = ''): string {
  const dir = tempDir();
  symlinkSync(resolve(FILES), join(dir, 'sigstore'), 'dir');
  const config = join(dir, 'environments.yaml');
  writeFileSync(
    config,
    `trustRoots:
  mirror:
    tuf: { mirror: https://tuf.sigstore.test, root: sigstore/tuf-root.json }
${extra}environments:
  - name: edge
    engine: ImageValidatingPolicy
    trustRoot: mirror
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
`,
  );
  return config;
}

describe('cosign commands of a private trust root (flags of cosign v3.0.6)', () => {
  it('a CA acting as Fulcio without logs: the trusted root synth builds from its files, both checks switched off by name', () => {
    const plan = steps('lab', LAB_IMAGE);
    const labCa = environment('lab').signer.trustRoot;
    if (labCa.kind !== 'private') throw new Error('lab trusts the public instance');
    expect(plan.trustedRoots).toEqual([{ trustRoot: 'lab-ca', path: '.cosign-trusted-root/lab-ca.json', json: labCa.trustedRoot }]);
    expect(plan.steps[0]).toEqual({
      policy: 'verify-image-signatures',
      argv: [
        'cosign',
        'verify',
        ...LAB_IDENTITY,
        '--trusted-root',
        '.cosign-trusted-root/lab-ca.json',
        '--new-bundle-format=false',
        '--insecure-ignore-tlog',
        '--insecure-ignore-sct',
        LAB_IMAGE,
      ],
    });
  });

  it('a complete instance: its trusted root (roots, log keys, TSA), its Rekor, and signed timestamps required as the policy requires them', () => {
    const plan = steps('corp', CORP_IMAGE);
    expect(plan.setup).toBeUndefined();
    expect(plan.steps[0]).toEqual({
      policy: 'verify-image-signatures',
      argv: [
        'cosign',
        'verify',
        ...CORP_IDENTITY,
        '--trusted-root',
        '.cosign-trusted-root/corp-sigstore.json',
        '--rekor-url',
        'https://rekor.sigstore.test',
        '--new-bundle-format=false',
        '--use-signed-timestamps',
        CORP_IMAGE,
      ],
    });
  });

  it('a trusted_root.json: the file itself; a signer on the public instance keeps its Rekor URL', () => {
    const plan = steps('json', CORP_IMAGE);
    expect(plan.trustedRoots).toBeUndefined();
    const [signature, provenance] = plan.steps;
    expect(signature.argv).toEqual([
      'cosign',
      'verify',
      ...CORP_IDENTITY,
      '--trusted-root',
      `${FILES}/trusted_root.json`,
      '--rekor-url',
      'https://rekor.sigstore.test',
      '--new-bundle-format=false',
      '--use-signed-timestamps',
      CORP_IMAGE,
    ]);
    expect(provenance.argv.slice(-4)).toEqual(['--rekor-url', 'https://rekor.sigstore.dev', '--new-bundle-format=false', CORP_IMAGE]);
    expect(provenance.env).toBeUndefined();
  });

  it('an ImageValidatingPolicy environment: cosign reads bundles too, and a trust root without a log requires signed timestamps', () => {
    const plan = steps('lab-next', LAB_IMAGE);
    for (const { argv } of plan.steps) {
      expect(argv).not.toContain('--new-bundle-format=false');
      expect(argv).toContain('--use-signed-timestamps');
    }
    // Its attestations cannot pass in the legacy format, nor (without a timestamp authority) at all: said, not hidden.
    expect(plan.notes).toEqual([expect.stringMatching(/require-sbom-attestation .* no attestation can pass; .*kyverno\/kyverno#17109/)]);
  });

  it("printed: the trusted root is written first by the trusted-root command of the same config; the engine's limits follow as notes", () => {
    const { code, out } = runCli('verify', '--config', PRIVATE_SIGSTORE_CONFIG, '--env', 'lab-next', LAB_IMAGE);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      "# the trust root's Sigstore trusted root",
      `mkdir -p .cosign-trusted-root && npm run --silent trusted-root -- lab-ca --config ${PRIVATE_SIGSTORE_CONFIG} > .cosign-trusted-root/lab-ca.json`,
    ]);
    expect(lines.at(-1)).toMatch(/^note: environment "lab-next": require-sbom-attestation \(ImageValidatingPolicy, Kyverno v1\.19\.0\) /);
    // What the printed command writes is what the steps read.
    expect(runCli('trusted-root', 'lab-ca', '--config', PRIVATE_SIGSTORE_CONFIG).out).toBe(
      steps('lab-next', LAB_IMAGE).trustedRoots![0].json.trimEnd(),
    );
  });

  it('a TUF repository: cosign initialize into a folder of its own, which every step then reads', () => {
    const config = tufConfig('    insecureIgnoreSCT: the instance runs no CT log\n');
    const dir = join(config, '..');
    const [edge] = loadConfig(config);
    const plan = planVerification(edge, CORP_IMAGE);
    if ('refusal' in plan) throw new Error(plan.refusal);
    expect(plan.setup).toEqual([
      {
        argv: [
          'cosign',
          'initialize',
          '--mirror',
          'https://tuf.sigstore.test',
          '--root',
          relative(process.cwd(), join(dir, 'sigstore/tuf-root.json')),
        ],
        env: { TUF_ROOT: '.cosign-tuf/mirror' },
      },
    ]);
    for (const step of plan.steps) {
      expect(step.env).toEqual({ TUF_ROOT: '.cosign-tuf/mirror' });
      expect(step.argv).toContain('--insecure-ignore-sct');
      expect(step.argv).not.toContain('--rekor-url');
    }
  });
});

describe('verify --run hands cosign the trust material of the policies', () => {
  afterEach(() => vi.unstubAllEnvs());

  /**
   * A fake cosign that records the TUF folder it was given and its arguments, one line per call, and keeps a copy of
   * the trusted root it was given (the command removes its own afterwards).
   */
  function fakeCosign(): string {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    writeFileSync(
      join(dir, 'cosign'),
      `#!/bin/sh\nprintf '%s\\0' "$TUF_ROOT" "$@" >> '${log}'\nprintf '\\n' >> '${log}'\n` +
        `prev=; for a in "$@"; do [ "$prev" = --trusted-root ] && cp "$a" '${dir}/trusted_root.json'; prev=$a; done\n`,
    );
    chmodSync(join(dir, 'cosign'), 0o755);
    vi.stubEnv('PATH', `${dir}:${process.env.PATH}`);
    return log;
  }
  const calls = (log: string) =>
    readFileSync(log, 'utf8')
      .split('\n')
      .slice(0, -1)
      .map((line) => {
        const [tuf, ...argv] = line.split('\0').slice(0, -1);
        return { tuf, argv };
      });

  it("the trusted root cosign is given holds the roots and keys of the environment's ClusterPolicy, and is removed afterwards", () => {
    const log = fakeCosign();
    const { code } = runCli('verify', '--config', PRIVATE_SIGSTORE_CONFIG, '--env', 'corp', CORP_IMAGE, '--run');
    const [signature] = calls(log);
    const [policy] = objectsIn(synthesis.tree, 'corp/verify-image-signatures.yaml'); // the policy the cluster gets
    const keyless = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    const given = readTrustedRoot(readFileSync(join(log, '../trusted_root.json'), 'utf8'), new Date(), new Set());
    if ('problem' in given) throw new Error(given.problem);
    const material = given.value.material!;
    expect(certificatesIn(rootsPem(material))).toEqual(certificatesIn(keyless.roots));
    expect(keyOf(material.rekor!.publicKey.pem)).toBe(keyOf(keyless.rekor.pubkey));
    expect(keyOf(material.ctlog!.publicKey.pem)).toBe(keyOf(keyless.ctlog.pubkey));
    expect(certificatesIn(material.tsa!.certificateChain.pem)).toEqual(certificatesIn(keyless.ctlog.tsaCertChain));
    const file = signature.argv[signature.argv.indexOf('--trusted-root') + 1];
    expect(file).toMatch(/guardrails-verify-.*\/trusted-root\/corp-sigstore$/);
    expect(existsSync(file)).toBe(false);
    expect(code).toBe(1); // the fake prints no provenance statement, so the provenance step's predicate check fails
  });

  it('the switches of a trust root reach cosign as its --insecure-ignore flags, on every step', () => {
    const log = fakeCosign();
    expect(runCli('verify', '--config', PRIVATE_SIGSTORE_CONFIG, '--env', 'lab', LAB_IMAGE, '--run').code).toBe(0);
    for (const { argv } of calls(log))
      expect(argv.filter((a) => a.startsWith('--insecure'))).toEqual(['--insecure-ignore-tlog', '--insecure-ignore-sct']);
  });

  it('a TUF repository is initialized in a temporary folder the steps share, removed afterwards', () => {
    const log = fakeCosign();
    const config = tufConfig();
    expect(runCli('verify', '--config', config, '--env', 'edge', CORP_IMAGE, '--run').code).toBe(0);
    const [initialize, signature] = calls(log);
    expect(initialize.argv.slice(0, 3)).toEqual(['initialize', '--mirror', 'https://tuf.sigstore.test']);
    expect(signature.tuf).toBe(initialize.tuf);
    expect(initialize.tuf).toMatch(/guardrails-verify-.*\/tuf\/mirror$/);
    expect(existsSync(initialize.tuf)).toBe(false);
  });
});
