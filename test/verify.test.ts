import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load';
import { globToRegExp } from '../src/model/glob';
import { hasDigest, isImageReference, planVerification, shellCommand, shellQuote } from '../src/rollout/cosign';
import { SHIPPED_CONFIG, runCli, tempDir, writeConfig } from './helpers';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const IMAGE = `ghcr.io/acme/web@${DIGEST}`;
const environments = loadConfig(SHIPPED_CONFIG);
const env = (name: string) => environments.find((e) => e.name === name)!;

const IDENTITY = [
  '--certificate-oidc-issuer',
  'https://token.actions.githubusercontent.com',
  '--certificate-identity-regexp',
  '^https://github\\.com/acme/.*$',
  '--rekor-url',
  'https://rekor.sigstore.dev',
];

describe('cosign commands per environment', () => {
  it.each(['develop', 'staging', 'production'])('%s: one cosign call per signature guardrail, with its identity rules', (name) => {
    // restrict-image-registries checks no signature: refusing ungoverned images (below) is its local check.
    const plan = planVerification(env(name), IMAGE);
    expect(plan).toEqual({
      steps: [
        { policy: 'verify-image-signatures', argv: ['cosign', 'verify', ...IDENTITY, IMAGE] },
        { policy: 'require-sbom-attestation', argv: ['cosign', 'verify-attestation', '--type', 'spdxjson', ...IDENTITY, IMAGE] },
        { policy: 'require-provenance-attestation', argv: ['cosign', 'verify-attestation', '--type', 'slsaprovenance1', ...IDENTITY, IMAGE] },
      ],
    });
  });

  it('a CycloneDX SBOM and a separate provenance signer reach their commands', () => {
    const [custom] = loadConfig(
      writeConfig(`environments:
  - name: lab
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    sbom: { format: cyclonedx }
    provenance:
      signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/slsa-framework/slsa-github-generator/* }
    policies:
      require-sbom-attestation: { phase: audit }
      require-provenance-attestation: { phase: audit }
`),
    );
    const [sbom, provenance] = (planVerification(custom, IMAGE) as { steps: readonly { argv: readonly string[] }[] }).steps.map((s) => s.argv);
    expect(sbom.slice(0, 4)).toEqual(['cosign', 'verify-attestation', '--type', 'cyclonedx']);
    expect(provenance.slice(0, 4)).toEqual(['cosign', 'verify-attestation', '--type', 'slsaprovenance1']);
    expect(provenance[provenance.indexOf('--certificate-identity-regexp') + 1]).toBe('^https://github\\.com/slsa-framework/slsa-github-generator/.*$');
  });

  it('follows the config: only enabled guardrails, its Rekor URL, a glob issuer as a regexp', () => {
    const [custom] = loadConfig(
      writeConfig(`environments:
  - name: lab
    imagePatterns: [registry.example.com/team/*]
    signer: { issuer: "https://*.example.com", subject: "ci@example.com", rekorUrl: "https://rekor.example.com" }
    policies:
      require-sbom-attestation: { phase: audit }
`),
    );
    const plan = planVerification(custom, 'registry.example.com/team/app:1.0');
    expect(plan).toEqual({
      steps: [
        {
          policy: 'require-sbom-attestation',
          argv: [
            'cosign', 'verify-attestation', '--type', 'spdxjson',
            '--certificate-oidc-issuer-regexp', '^https://.*\\.example\\.com$',
            '--certificate-identity-regexp', '^ci@example\\.com$',
            '--rekor-url', 'https://rekor.example.com',
            'registry.example.com/team/app:1.0',
          ],
        },
      ],
    });
  });
});

describe('refusals', () => {
  it('an image no pattern of the environment governs', () => {
    const { code, err, out } = runCli('verify', '--env', 'develop', `docker.io/library/nginx@${DIGEST}`);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('is not governed by environment "develop" (imagePatterns: ghcr.io/acme/*)');
  });

  it('a look-alike registry path (the glob is anchored and literal)', () => {
    expect(planVerification(env('develop'), `ghcr.io/acme-evil/web@${DIGEST}`)).toHaveProperty('refusal');
  });

  it('a tag-only reference where a policy enforces, but not in audit', () => {
    const tagged = 'ghcr.io/acme/web:1.4.2';
    const { code, err } = runCli('verify', '--env', 'production', tagged);
    expect(code).toBe(2);
    expect(err).toContain('has no digest, and environment "production" enforces');
    expect(err).toContain('ghcr.io/acme/web@sha256:<digest>');
    expect(planVerification(env('develop'), tagged)).toHaveProperty('steps');
  });

  it('digest detection', () => {
    expect(hasDigest(IMAGE)).toBe(true);
    expect(hasDigest(`ghcr.io/acme/web:1.0@${DIGEST}`)).toBe(true);
    expect(hasDigest('ghcr.io/acme/web:1.0')).toBe(false);
    expect(hasDigest('localhost:5000/acme/web')).toBe(false);
  });

  it('refuses what is not an image reference, a short digest included, before anything else', () => {
    for (const ref of ['ghcr.io/acme/app@sha256:abc', 'ghcr.io/acme/app;touch$IFS/tmp/x', 'ghcr.io/acme/App:1', 'ghcr.io/acme/app:1 --x']) {
      const plan = planVerification(env('develop'), ref);
      expect(plan, ref).toEqual({ refusal: expect.stringContaining('is not a valid image reference') });
    }
    expect(isImageReference(IMAGE)).toBe(true);
    expect(isImageReference('localhost:5000/acme/web:1.0')).toBe(true);
  });
});

describe('--certificate-identity-regexp behaviour', () => {
  const regexp = new RegExp(globToRegExp(env('production').signer.subject));
  it.each([
    'https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v1.4.2',
    'https://github.com/acme/infra/.github/workflows/build.yml@refs/heads/main',
  ])('accepts %s', (identity) => expect(regexp.test(identity)).toBe(true));
  it.each([
    'https://github.com/acme-evil/web/.github/workflows/release.yml@refs/tags/v1',
    'https://github.com/evil/acme/.github/workflows/release.yml@refs/heads/main',
    'https://githubXcom/acme/web/.github/workflows/release.yml@refs/heads/main',
    'x https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main',
  ])('rejects %s', (identity) => expect(regexp.test(identity)).toBe(false));
});

describe('printed commands', () => {
  it('are shell-quoted so a POSIX shell passes cosign exactly the planned arguments', () => {
    const plan = planVerification(env('production'), IMAGE);
    if (!('steps' in plan)) throw new Error('refused');
    for (const { argv } of plan.steps) {
      const echoed = spawnSync('sh', ['-c', `printf '%s\\n' ${shellCommand(argv.slice(1))}`], { encoding: 'utf8' });
      expect(echoed.stdout.split('\n').slice(0, -1)).toEqual(argv.slice(1));
    }
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it('print without running', () => {
    const { code, out } = runCli('verify', '--env', 'production', IMAGE);
    expect(code).toBe(0);
    expect(out).toContain(`cosign verify --certificate-oidc-issuer https://token.actions.githubusercontent.com --certificate-identity-regexp '^https://github\\.com/acme/.*$' --rekor-url https://rekor.sigstore.dev ${IMAGE}`);
  });
});

describe('verify --run', () => {
  afterEach(() => vi.unstubAllEnvs());

  /** Puts a fake `cosign` first on PATH that records its arguments and exits with the code given per subcommand. */
  function fakeCosign(exitCodes: Record<string, number> = {}): string {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const cases = Object.entries(exitCodes).map(([sub, code]) => `  ${sub}) exit ${code} ;;`).join('\n');
    writeFileSync(
      join(dir, 'cosign'),
      `#!/bin/sh\nprintf '%s\\0' "$@" >> '${log}'\nprintf '\\n' >> '${log}'\necho "checked $1"\ncase "$1" in\n${cases}\nesac\nexit 0\n`,
    );
    chmodSync(join(dir, 'cosign'), 0o755);
    vi.stubEnv('PATH', `${dir}:${process.env.PATH}`);
    return log;
  }
  const calls = (log: string) => readFileSync(log, 'utf8').split('\n').slice(0, -1).map((line) => line.split('\0').slice(0, -1));

  it('runs each planned command with exactly its arguments and reports each step', () => {
    const log = fakeCosign();
    const { code, out } = runCli('verify', '--env', 'staging', IMAGE, '--run');
    expect(code).toBe(0);
    expect(calls(log)).toEqual([
      ['verify', ...IDENTITY, IMAGE],
      ['verify-attestation', '--type', 'spdxjson', ...IDENTITY, IMAGE],
      ['verify-attestation', '--type', 'slsaprovenance1', ...IDENTITY, IMAGE],
    ]);
    expect(out).toContain('step 1/3 verify-image-signatures: verified');
    expect(out).toContain('step 2/3 require-sbom-attestation: verified');
    expect(out).toContain('step 3/3 require-provenance-attestation: verified');
    expect(out).toContain('  checked verify-attestation');
  });

  it('exit 1 when a check fails, after running every step', () => {
    const log = fakeCosign({ 'verify-attestation': 1 });
    const { code, out } = runCli('verify', '--env', 'production', IMAGE, '--run');
    expect(code).toBe(1);
    expect(calls(log)).toHaveLength(3);
    expect(out).toContain('step 1/3 verify-image-signatures: verified');
    expect(out).toContain('step 2/3 require-sbom-attestation: FAILED (cosign exited 1)');
    expect(out).toContain('2 of 3 checks failed');
  });

  it('without cosign on PATH: says how to install it', () => {
    const empty = tempDir();
    vi.stubEnv('PATH', empty);
    const { code, out, err } = runCli('verify', '--env', 'production', IMAGE, '--run');
    expect(code).toBe(2);
    expect(err).toContain('cosign is not on PATH: install it');
    expect(out).not.toContain('step 1/');
  });

  it('a refused image never reaches cosign', () => {
    const log = fakeCosign();
    expect(runCli('verify', '--env', 'production', 'ghcr.io/acme/web:latest', '--run').code).toBe(2);
    expect(existsSync(log)).toBe(false);
  });
});
