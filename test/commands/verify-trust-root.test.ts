import { X509Certificate, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { planVerification, shellCommand } from '../../src/rollout/cosign';
import { synthesizeTree } from '../../src/synthesize';
import { PRIVATE_SIGSTORE_CONFIG, objectsIn, runCli, tempDir } from '../helpers';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const LAB_IMAGE = `registry.lab.test/apps/web@${DIGEST}`;
const CORP_IMAGE = `ghcr.io/acme/web@${DIGEST}`;
const environments = loadConfig(PRIVATE_SIGSTORE_CONFIG);
const env = (name: string) => environments.find((e) => e.name === name)!;
const FILES = 'test/fixtures/sigstore';

function steps(name: string, image: string) {
  const plan = planVerification(env(name), image);
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
  it('a CA acting as Fulcio without logs: its roots, and both checks switched off by name', () => {
    const [signature] = steps('lab', LAB_IMAGE).steps;
    expect(signature).toEqual({
      policy: 'verify-image-signatures',
      argv: [
        'cosign',
        'verify',
        ...LAB_IDENTITY,
        '--ca-roots',
        `${FILES}/fulcio-root.pem`,
        '--insecure-ignore-tlog',
        '--insecure-ignore-sct',
        LAB_IMAGE,
      ],
    });
  });

  it('a complete instance: roots and intermediates, its Rekor and TSA by flag, its log keys by the variables cosign reads', () => {
    const plan = steps('corp', CORP_IMAGE);
    expect(plan.setup).toBeUndefined();
    expect(plan.steps[0]).toEqual({
      policy: 'verify-image-signatures',
      env: { SIGSTORE_REKOR_PUBLIC_KEY: `${FILES}/rekor.pub`, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: `${FILES}/ctfe.pub` },
      argv: [
        'cosign',
        'verify',
        ...CORP_IDENTITY,
        '--ca-roots',
        `${FILES}/fulcio-root.pem`,
        '--ca-intermediates',
        `${FILES}/fulcio-intermediate.pem`,
        '--rekor-url',
        'https://rekor.sigstore.test',
        '--timestamp-certificate-chain',
        `${FILES}/tsa-chain.pem`,
        CORP_IMAGE,
      ],
    });
    expect(shellCommand(plan.steps[0].argv, plan.steps[0].env)).toMatch(
      new RegExp(`^SIGSTORE_REKOR_PUBLIC_KEY=${FILES}/rekor\\.pub SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=${FILES}/ctfe\\.pub cosign verify `),
    );
  });

  it('a trusted_root.json: the file itself; a signer on the public instance keeps its Rekor URL', () => {
    const [signature, provenance] = steps('json', CORP_IMAGE).steps;
    expect(signature.argv).toEqual([
      'cosign',
      'verify',
      ...CORP_IDENTITY,
      '--trusted-root',
      `${FILES}/trusted_root.json`,
      '--rekor-url',
      'https://rekor.sigstore.test',
      CORP_IMAGE,
    ]);
    expect(provenance.argv.slice(-3)).toEqual(['--rekor-url', 'https://rekor.sigstore.dev', CORP_IMAGE]);
    expect(provenance.env).toBeUndefined();
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

  /** A fake cosign that records the trust variables it was given and its arguments, one line per call. */
  function fakeCosign(): string {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    writeFileSync(
      join(dir, 'cosign'),
      `#!/bin/sh\nprintf '%s\\0' "$SIGSTORE_REKOR_PUBLIC_KEY" "$SIGSTORE_CT_LOG_PUBLIC_KEY_FILE" "$TUF_ROOT" "$@" >> '${log}'\nprintf '\\n' >> '${log}'\n`,
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
        const [rekorKey, ctlogKey, tuf, ...argv] = line.split('\0').slice(0, -1);
        return { rekorKey, ctlogKey, tuf, argv };
      });
  const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];
  const certificatesIn = (pem: string) =>
    [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
      ([block]) => new X509Certificate(block).fingerprint256,
    );
  const keyOf = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

  it("the files cosign is given hold the roots and keys of the environment's ClusterPolicy", () => {
    const log = fakeCosign();
    const { code } = runCli('verify', '--config', PRIVATE_SIGSTORE_CONFIG, '--env', 'corp', CORP_IMAGE, '--run');
    const [signature] = calls(log);
    const [policy] = objectsIn(synthesizeTree([env('corp')]), 'corp/verify-image-signatures.yaml'); // the policy the cluster gets
    const keyless = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    const given = [after(signature.argv, '--ca-roots'), after(signature.argv, '--ca-intermediates')].flatMap((file) =>
      certificatesIn(readFileSync(file, 'utf8')),
    );
    expect(given).toEqual(certificatesIn(keyless.roots));
    expect(after(signature.argv, '--rekor-url')).toBe(keyless.rekor.url);
    expect(keyOf(readFileSync(signature.rekorKey, 'utf8'))).toBe(keyOf(keyless.rekor.pubkey));
    expect(keyOf(readFileSync(signature.ctlogKey, 'utf8'))).toBe(keyOf(keyless.ctlog.pubkey));
    expect(certificatesIn(readFileSync(after(signature.argv, '--timestamp-certificate-chain'), 'utf8'))).toEqual(
      certificatesIn(keyless.ctlog.tsaCertChain),
    );
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
    expect(initialize.tuf).toMatch(/guardrails-tuf-.*\/mirror$/);
    expect(existsSync(initialize.tuf)).toBe(false);
  });
});
