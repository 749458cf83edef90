import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { globToRegExp } from '../../src/model/glob';
import { isPinnedByDigest } from '../../src/model/digest';
import { imageReferenceProblem } from '../../src/model/image-pattern';
import { planVerification, shellCommand, shellQuote } from '../../src/rollout/cosign';
import { predicateField } from '../../src/policies/predicate';
import { describeCondition, predicateViolations } from '../../src/rollout/predicate';
import type { PolicyName } from '../../src/model/environment';
import { THREE_ENVIRONMENTS_CONFIG, fixtureEnvironments, runCli, tempDir, testDigest, testEnvironment, writeConfig } from '../helpers';

const DIGEST = testDigest('web');
const IMAGE = `ghcr.io/acme/web@${DIGEST}`;
const environments = fixtureEnvironments();
const env = (name: string) => environments.find((e) => e.name === name)!;

const IDENTITY = [
  '--certificate-oidc-issuer',
  'https://token.actions.githubusercontent.com',
  '--certificate-identity-regexp',
  '^https://github\\.com/acme/.*$',
  '--rekor-url',
  'https://rekor.sigstore.dev',
  // The fixture's environments are ClusterPolicy ones, which read the legacy signature format only.
  '--new-bundle-format=false',
];

describe('cosign commands per environment', () => {
  it.each(environments.map((e) => e.name))('%s: one cosign call per signature guardrail, with its identity rules', (name) => {
    // restrict-image-registries checks no signature: refusing ungoverned images (below) is its local check.
    const plan = planVerification(env(name), IMAGE);
    if (!('steps' in plan)) throw new Error(plan.refusal);
    expect(plan.steps.map(({ policy, argv }) => ({ policy, argv }))).toEqual([
      { policy: 'verify-image-signatures', argv: ['cosign', 'verify', ...IDENTITY, IMAGE] },
      { policy: 'require-sbom-attestation', argv: ['cosign', 'verify-attestation', '--type', 'spdxjson', ...IDENTITY, IMAGE] },
      { policy: 'require-provenance-attestation', argv: ['cosign', 'verify-attestation', '--type', 'slsaprovenance1', ...IDENTITY, IMAGE] },
    ]);
    // The provenance step carries the predicate conditions the policy renders, checked on cosign's output with --run.
    expect(plan.steps[2].attestation?.conditions.map((condition) => describeCondition(condition))).toEqual([
      'runDetails.builder.id matches one of: https://github.com/acme/*',
      'buildDefinition.externalParameters.workflow.repository matches one of: https://github.com/acme/*',
    ]);
  });

  it('cosign reads the signature formats the engine reads: the legacy format alone for ClusterPolicy, bundles too for ImageValidatingPolicy', () => {
    const formatFlags = (engine: 'ClusterPolicy' | 'ImageValidatingPolicy') => {
      const plan = planVerification({ ...env('production'), engine }, IMAGE);
      if (!('steps' in plan)) throw new Error(plan.refusal);
      return plan.steps.map(({ argv }) => argv.filter((arg) => arg.startsWith('--new-bundle-format')));
    };
    expect(formatFlags('ClusterPolicy')).toEqual([
      ['--new-bundle-format=false'],
      ['--new-bundle-format=false'],
      ['--new-bundle-format=false'],
    ]);
    expect(formatFlags('ImageValidatingPolicy')).toEqual([[], [], []]);
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
    const [sbom, provenance] = (planVerification(custom, IMAGE) as { steps: readonly { argv: readonly string[] }[] }).steps.map(
      (s) => s.argv,
    );
    expect(sbom.slice(0, 4)).toEqual(['cosign', 'verify-attestation', '--type', 'cyclonedx']);
    expect(provenance.slice(0, 4)).toEqual(['cosign', 'verify-attestation', '--type', 'slsaprovenance1']);
    expect(provenance[provenance.indexOf('--certificate-identity-regexp') + 1]).toBe(
      '^https://github\\.com/slsa-framework/slsa-github-generator/.*$',
    );
  });

  it('follows the config: only enabled guardrails, its Rekor URL, a glob issuer as a regexp', () => {
    const [loaded] = loadConfig(
      writeConfig(`environments:
  - name: lab
    imagePatterns: [registry.example.com/team/*]
    signer: { issuer: "https://idp.example.com", subject: "ci@example.com", rekorUrl: "https://rekor.example.com" }
    policies:
      require-sbom-attestation: { phase: audit }
`),
    );
    // The config refuses a glob issuer; an environment built another way may still hold one.
    const custom = { ...loaded, signer: { ...loaded.signer, issuer: 'https://*.example.com' } };
    const plan = planVerification(custom, 'registry.example.com/team/app:1.0');
    expect(plan).toEqual({
      steps: [
        {
          policy: 'require-sbom-attestation',
          argv: [
            'cosign',
            'verify-attestation',
            '--type',
            'spdxjson',
            '--certificate-oidc-issuer-regexp',
            '^https://.*\\.example\\.com$',
            '--certificate-identity-regexp',
            '^ci@example\\.com$',
            '--rekor-url',
            'https://rekor.example.com',
            '--new-bundle-format=false',
            'registry.example.com/team/app:1.0',
          ],
          attestation: { predicateType: 'https://spdx.dev/Document', conditions: [] },
        },
      ],
    });
  });
});

describe('refusals', () => {
  it('an image no pattern of the environment governs', () => {
    const { code, err, out } = runCli(
      'verify',
      '--config',
      THREE_ENVIRONMENTS_CONFIG,
      '--env',
      'develop',
      `docker.io/library/nginx@${DIGEST}`,
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('is not governed by environment "develop" (imagePatterns: ghcr.io/acme/*)');
  });

  it.each([
    ['enforces the registry restriction', { phase: 'enforce' }, [], /restrict-image-registries \(enforce\) denies it at admission/],
    ['audits the registry restriction', { phase: 'audit' }, [], /restrict-image-registries \(audit\) admits it and reports it/],
    [
      'allows it as a third-party image',
      { phase: 'enforce' },
      ['docker.io/library/*'],
      /admits it unverified, as the third-party image docker\.io\/library\/\*/,
    ],
    [
      'does not enable the registry restriction',
      undefined,
      [],
      /the cluster admits it unverified \(restrict-image-registries is not enabled\)/,
    ],
  ] as const)(
    'an image no pattern governs, in an environment that %s: says what the cluster does with it',
    (_name, restriction, thirdPartyImages, verdict) => {
      const policies = new Map<PolicyName, { phase: 'audit' | 'enforce' }>([['verify-image-signatures', { phase: 'enforce' }]]);
      if (restriction) policies.set('restrict-image-registries', restriction);
      const plan = planVerification(testEnvironment({ policies, thirdPartyImages }), `docker.io/library/nginx@${DIGEST}`);
      expect(plan).toEqual({ refusal: expect.stringMatching(verdict) });
      expect(plan).toEqual({ refusal: expect.not.stringMatching(/would not check it/) });
    },
  );

  it.each([
    // How a Pod may write an image of docker.io/acme/* (src/model/image-spellings.ts): both engines verify each.
    [`acme/web@${DIGEST}`, 'steps'],
    [`index.docker.io/acme/web@${DIGEST}`, 'steps'],
    [`acme.evil.io/web@${DIGEST}`, 'refusal'],
  ])('an image of docker.io/acme/* written %s: the plan has %s', (image, outcome) => {
    expect(planVerification(testEnvironment({ imagePatterns: ['docker.io/acme/*'] }), image)).toHaveProperty(outcome);
  });

  it('a look-alike registry path (the glob is anchored and literal)', () => {
    expect(planVerification(env('develop'), `ghcr.io/acme-evil/web@${DIGEST}`)).toHaveProperty('refusal');
  });

  it('a tag-only reference where a policy enforces, but not in audit', () => {
    const tagged = 'ghcr.io/acme/web:1.4.2';
    const { code, err } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'production', tagged);
    expect(code).toBe(2);
    expect(err).toContain('has no digest, and environment "production" enforces');
    expect(err).toContain('ghcr.io/acme/web@sha256:<digest>');
    expect(planVerification(env('develop'), tagged)).toHaveProperty('steps');
  });

  it('digest detection', () => {
    expect(isPinnedByDigest(IMAGE)).toBe(true);
    expect(isPinnedByDigest(`ghcr.io/acme/web:1.0@${DIGEST}`)).toBe(true);
    expect(isPinnedByDigest('ghcr.io/acme/web:1.0')).toBe(false);
    expect(isPinnedByDigest('localhost:5000/acme/web')).toBe(false);
    expect(isPinnedByDigest(`ghcr.io/acme/web@sha512:${'a'.repeat(128)}`)).toBe(true);
  });

  it.each([
    ['a sha256 digest of 40 hex digits', `ghcr.io/acme/web@sha256:${'a'.repeat(40)}`],
    ['an upper-case sha256 digest', `ghcr.io/acme/web@sha256:${'A'.repeat(64)}`],
    ['an md5 digest', `ghcr.io/acme/web@md5:${'a'.repeat(32)}`],
    ['a sha512 digest of 64 hex digits', `ghcr.io/acme/web@sha512:${'a'.repeat(64)}`],
  ])('refuses %s, and does not count it as pinned', (_name, ref) => {
    expect(isPinnedByDigest(ref)).toBe(false);
    expect(planVerification(env('production'), ref)).toEqual({ refusal: expect.stringContaining('is not a valid image reference') });
  });

  it('refuses what is not an image reference, a short digest included, before anything else', () => {
    for (const ref of ['ghcr.io/acme/app@sha256:abc', 'ghcr.io/acme/app;touch$IFS/tmp/x', 'ghcr.io/acme/App:1', 'ghcr.io/acme/app:1 --x']) {
      const plan = planVerification(env('develop'), ref);
      expect(plan, ref).toEqual({ refusal: expect.stringContaining('is not a valid image reference') });
    }
    expect(imageReferenceProblem(IMAGE)).toBeUndefined();
    expect(imageReferenceProblem('localhost:5000/acme/web:1.0')).toBeUndefined();
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
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'production', IMAGE);
    expect(code).toBe(0);
    expect(out).toContain(
      `cosign verify --certificate-oidc-issuer https://token.actions.githubusercontent.com --certificate-identity-regexp '^https://github\\.com/acme/.*$' --rekor-url https://rekor.sigstore.dev --new-bundle-format=false ${IMAGE}`,
    );
  });
});

describe('verify --run', () => {
  afterEach(() => vi.unstubAllEnvs());

  /**
   * Puts a fake `cosign` first on PATH that records its arguments, prints what `attestations` holds for its
   * `--type` (as cosign prints verified attestations: one DSSE envelope per line) and exits with the code given
   * per subcommand.
   */
  function fakeCosign(exitCodes: Record<string, number> = {}, attestations: Record<string, object | object[]> = {}): string {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    for (const [type, statements] of Object.entries(attestations)) {
      const envelopes = [statements].flat().map((statement) => {
        const payload = Buffer.from(JSON.stringify(statement)).toString('base64');
        return `${JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload, signatures: [] })}\n`;
      });
      writeFileSync(join(dir, `${type}.out`), envelopes.join(''));
    }
    const cases = Object.entries(exitCodes)
      .map(([sub, code]) => `  ${sub}) exit ${code} ;;`)
      .join('\n');
    writeFileSync(
      join(dir, 'cosign'),
      `#!/bin/sh\nprintf '%s\\0' "$@" >> '${log}'\nprintf '\\n' >> '${log}'\necho "checked $1" >&2\n` +
        `type=; prev=; for a in "$@"; do [ "$prev" = --type ] && type=$a; prev=$a; done\n` +
        `[ -f '${dir}'/"$type".out ] && cat '${dir}'/"$type".out\n` +
        `case "$1" in\n${cases}\nesac\nexit 0\n`,
    );
    chmodSync(join(dir, 'cosign'), 0o755);
    vi.stubEnv('PATH', `${dir}:${process.env.PATH}`);
    return log;
  }
  const provenance = (builderId: string, repository: string) => ({
    _type: 'https://in-toto.io/Statement/v1',
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { externalParameters: { workflow: { repository } } }, runDetails: { builder: { id: builderId } } },
  });
  const RELEASE = 'https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v1.0.0';
  const calls = (log: string) =>
    readFileSync(log, 'utf8')
      .split('\n')
      .slice(0, -1)
      .map((line) => line.split('\0').slice(0, -1));

  it('runs each planned command with exactly its arguments and reports each step', () => {
    const log = fakeCosign({}, { slsaprovenance1: provenance(RELEASE, 'https://github.com/acme/web') });
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'staging', IMAGE, '--run');
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
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'production', IMAGE, '--run');
    expect(code).toBe(1);
    expect(calls(log)).toHaveLength(3);
    expect(out).toContain('step 1/3 verify-image-signatures: verified');
    expect(out).toContain('step 2/3 require-sbom-attestation: FAILED (cosign exited 1)');
    expect(out).toContain('2 of 3 checks failed');
  });

  it('checks the predicate as the policy does: a provenance from a foreign builder or repository fails', () => {
    fakeCosign(
      {},
      {
        slsaprovenance1: provenance(
          'https://github.com/evil/x/.github/workflows/a.yml@refs/heads/main',
          'https://github.com/acme-evil/web',
        ),
      },
    );
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'staging', IMAGE, '--run');
    expect(code).toBe(1);
    expect(out).toContain('step 3/3 require-provenance-attestation: FAILED (predicate conditions)');
    expect(out).toContain('predicate: ');
    expect(out).toContain('runDetails.builder.id is "https://github.com/evil/x/.github/workflows/a.yml@refs/heads/main"');
    expect(out).toContain('buildDefinition.externalParameters.workflow.repository is "https://github.com/acme-evil/web"');
  });

  it('an attestation step whose output holds no statement of the type fails: nothing was shown to satisfy the predicate', () => {
    fakeCosign();
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'staging', IMAGE, '--run');
    expect(code).toBe(1);
    expect(out).toContain("predicate: no https://slsa.dev/provenance/v1 statement in cosign's output");
  });

  it('warns, without failing, when an image carries several statements of a checked predicate type', () => {
    const sbom = (created: string) => ({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://spdx.dev/Document',
      predicate: { creationInfo: { created } },
    });
    const current = provenance(RELEASE, 'https://github.com/acme/web');
    fakeCosign({}, { spdxjson: [sbom('2020-01-01T00:00:00Z'), sbom(new Date().toISOString())], slsaprovenance1: current });
    const { code, out } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'staging', IMAGE, '--run');
    expect(code).toBe(0);
    const warnings = out.split('\n').filter((line) => line.startsWith('  warning: '));
    expect(warnings).toEqual([
      '  warning: 2 https://spdx.dev/Document statements are attached: the ClusterPolicy engine checks every one, the ' +
        'ImageValidatingPolicy engine only one of them, so the engines may disagree (remove the stale ones)',
    ]);
    expect(out.indexOf(warnings[0])).toBeGreaterThan(out.indexOf('step 2/3 require-sbom-attestation: verified'));
    expect(out.indexOf(warnings[0])).toBeLessThan(out.indexOf('step 3/3'));
  });

  it('without cosign on PATH: says how to install it', () => {
    const empty = tempDir();
    vi.stubEnv('PATH', empty);
    const { code, out, err } = runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'production', IMAGE, '--run');
    expect(code).toBe(2);
    expect(err).toContain('cosign is not on PATH: install it');
    expect(out).not.toContain('step 1/');
  });

  it('a refused image never reaches cosign', () => {
    const log = fakeCosign();
    expect(runCli('verify', '--config', THREE_ENVIRONMENTS_CONFIG, '--env', 'production', 'ghcr.io/acme/web:latest', '--run').code).toBe(2);
    expect(existsSync(log)).toBe(false);
  });
});

describe('predicate conditions on what cosign printed', () => {
  const SPDX = 'https://spdx.dev/Document';
  const now = Date.parse('2026-11-26T12:00:00Z');
  const daysAgo = (days: number) => new Date(now - days * 86_400_000).toISOString();
  const output = (...statements: object[]) =>
    [
      'Verification for ghcr.io/acme/web --',
      ...statements.map((st) => JSON.stringify({ payload: Buffer.from(JSON.stringify(st)).toString('base64') })),
    ].join('\n');
  const sbom = (created: string, predicateType = SPDX) => ({ predicateType, predicate: { creationInfo: { created } } });
  const maxAge = {
    kind: 'notOlderThan',
    field: predicateField('creationInfo.created'),
    maxAgeSeconds: 30 * 86_400,
    description: 'SPDX SBOM is older than allowed',
  } as const;

  it.each([0, 29, 30])('an SBOM created %i days ago passes a 30-day maximum age', (days) => {
    expect(predicateViolations(output(sbom(daysAgo(days))), SPDX, [maxAge], now)).toEqual([]);
  });

  it.each([
    ['31 days old', daysAgo(31)],
    ['dated in the future', daysAgo(-1)],
    ['not a timestamp', 'yesterday'],
  ])('an SBOM %s fails', (_, created) => {
    expect(predicateViolations(output(sbom(created)), SPDX, [maxAge], now)).toEqual([
      `SPDX SBOM is older than allowed: creationInfo.created is ${JSON.stringify(created)}`,
    ]);
  });

  it('every statement of the type must pass, as in the ClusterPolicy engine; other types are not considered', () => {
    expect(predicateViolations(output(sbom(daysAgo(1)), sbom(daysAgo(90))), SPDX, [maxAge], now)).toHaveLength(1);
    expect(predicateViolations(output(sbom(daysAgo(90), 'https://cyclonedx.org/bom')), SPDX, [maxAge], now)).toEqual([
      "no https://spdx.dev/Document statement in cosign's output",
    ]);
  });
});
