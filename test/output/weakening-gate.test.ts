// The regression gate in synth and the pre-commit check: what the committed output enforces may be weakened only when
// named with --allow-weakening. What counts as weakening, field by field, is tested in test/policies/weakening.test.ts.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTree } from '../../src/output/write';
import { gitIn, runCli, tempDir } from '../helpers';

/** Staging audits, production enforces. */
const BASE = `environments:
  - name: staging
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: audit }
      require-sbom-attestation: { phase: audit }

  # Block at admission.
  - name: production
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
      restrict-image-registries: { phase: enforce }
`;

/** The base config with `from` (which must occur exactly once) replaced by `to`. */
function edited(from: string, to = ''): string {
  expect(BASE.split(from).length, from).toBe(2);
  return BASE.replace(from, to);
}

const PRODUCTION_SBOM = '      require-sbom-attestation: { phase: enforce }\n';
const PRODUCTION_VERIFY = '      verify-image-signatures: { phase: enforce }\n';
const PRODUCTION_HEADER = '  # Block at admission.\n  - name: production\n    imagePatterns: [ghcr.io/acme/*]\n';

/** The base config and its output, synthesized once for the file (outside any git repository). */
const BASE_PROJECT = (() => {
  const dir = tempDir();
  writeFileSync(join(dir, 'environments.yaml'), BASE);
  const result = runCli('synth', '--config', join(dir, 'environments.yaml'), '--outdir', join(dir, 'dist'));
  if (result.code !== 0) throw new Error(`the base config does not synthesize: ${result.err}`);
  return dir;
})();

/** A project directory outside any git repository whose output directory holds the base config's output. */
function projectOnDisk(): { config: string; outdir: string } {
  const dir = tempDir();
  cpSync(BASE_PROJECT, dir, { recursive: true });
  return { config: join(dir, 'environments.yaml'), outdir: join(dir, 'dist') };
}

/** A git repository whose HEAD holds the base config and its output (made once, copied per test: git is the cost). */
let committedTemplate: string | undefined;
const TEMPLATE_PARENT = tempDir();
function committedProject(): { config: string; outdir: string } {
  if (committedTemplate === undefined) {
    const template = join(TEMPLATE_PARENT, 'template');
    mkdirSync(template);
    writeFileSync(join(template, 'environments.yaml'), BASE);
    expect(runCli('synth', '--config', join(template, 'environments.yaml'), '--outdir', join(template, 'dist')).code).toBe(0);
    gitIn(template, 'init', '-q');
    gitIn(template, 'add', '-A');
    gitIn(template, 'commit', '-q', '--no-verify', '-m', 'base');
    committedTemplate = template;
  }
  const dir = tempDir();
  cpSync(committedTemplate, dir, { recursive: true });
  return { config: join(dir, 'environments.yaml'), outdir: join(dir, 'dist') };
}

/** Synth of `text` written over the project's config, with `args`. */
function synthEdited({ config, outdir }: { config: string; outdir: string }, text: string, ...args: string[]) {
  writeFileSync(config, text);
  return runCli('synth', '--config', config, '--outdir', outdir, ...args);
}

describe('removing an enforced policy', () => {
  test('is refused, naming <env>/<policy> and the flag that allows it; an allowance of another policy changes nothing', () => {
    const project = projectOnDisk();
    const before = readTree(project.outdir);
    const { code, err } = synthEdited(project, edited(PRODUCTION_SBOM));
    expect(code).toBe(1);
    expect(err).toContain('production/require-sbom-attestation: disabled or removed: Flux would delete it from the cluster');
    expect(err).toContain('run synth again with --allow-weakening production/require-sbom-attestation');
    expect(err).toMatch(/dist\/ was not changed\.$/);
    expect(readTree(project.outdir)).toEqual(before);
    expect(synthEdited(project, edited(PRODUCTION_SBOM), '--allow-weakening', 'production/verify-image-signatures').code).toBe(1);
    expect(readTree(project.outdir)).toEqual(before);
  });

  test('is allowed with --allow-weakening <env>/<policy>, which synth reports', () => {
    const project = projectOnDisk();
    const { code, out } = synthEdited(project, edited(PRODUCTION_SBOM), '--allow-weakening', 'production/require-sbom-attestation');
    expect(code).toBe(0);
    expect(out).toContain('weakened, as allowed: production/require-sbom-attestation: disabled or removed');
    expect(existsSync(join(project.outdir, 'production/require-sbom-attestation.yaml'))).toBe(false);
    expect(existsSync(join(project.outdir, 'production/verify-image-signatures.yaml'))).toBe(true);
  });

  test('deleting a whole enforcing environment is refused for each of its enforced policies, in one command to run', () => {
    const project = projectOnDisk();
    const { code, err } = synthEdited(project, BASE.slice(0, BASE.indexOf('  # Block at admission')));
    expect(code).toBe(1);
    expect(err).toContain(
      'run synth again with --allow-weakening production/require-sbom-attestation --allow-weakening production/restrict-image-registries --allow-weakening production/verify-image-signatures\n',
    );
  });

  test('a policy in audit may be dropped without an allowance', () => {
    const project = projectOnDisk();
    const { code, err } = synthEdited(project, edited('      require-sbom-attestation: { phase: audit }\n'));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('weakening an enforced policy, compared with the config committed at git HEAD', () => {
  test('demoting it to audit is refused like a removal', () => {
    const { code, err } = synthEdited(committedProject(), edited(PRODUCTION_VERIFY, '      verify-image-signatures: { phase: audit }\n'));
    expect(code).toBe(1);
    expect(err).toContain('compared with the committed ');
    expect(err).toContain('(git HEAD), the new output weakens policies it enforces:');
    expect(err).toContain('production/verify-image-signatures: demoted from enforce to audit: violations are reported, no longer denied');
    expect(err).toContain('--allow-weakening production/verify-image-signatures');
  });

  test('widening what it admits is refused, each enforced policy with what it lets through; narrowing is not', () => {
    const project = committedProject();
    const widened = synthEdited(project, edited(PRODUCTION_HEADER, `${PRODUCTION_HEADER}    thirdPartyImages: [mirror.acme.example/*]\n`));
    expect(widened.code).toBe(1);
    expect(widened.err).toContain('production/restrict-image-registries: admits images matching mirror.acme.example/*');
    expect(widened.err).not.toContain('production/verify-image-signatures:');
    const narrowed = synthEdited(
      project,
      edited(PRODUCTION_HEADER, '  - name: production\n    imagePatterns: [ghcr.io/acme/app/*, ghcr.io/acme/*]\n'),
    );
    // Another pattern verifies more images, and the restriction admits nothing it did not already admit.
    expect(narrowed.err).toBe('');
    expect(narrowed.code).toBe(0);
  });

  test('wiping the output directory (as `cdk8s synth` does) does not bypass the gate: HEAD is the baseline', () => {
    const project = committedProject();
    rmSync(project.outdir, { recursive: true });
    mkdirSync(project.outdir);
    const { code, err } = synthEdited(project, edited(PRODUCTION_SBOM));
    expect(code).toBe(1);
    expect(err).toContain('production/require-sbom-attestation: disabled or removed');
  });

  test('a committed config that no longer loads leaves nothing to compare with: each changed enforced policy must be named', () => {
    const project = committedProject();
    const repo = join(project.config, '..');
    writeFileSync(
      project.config,
      BASE.replace(
        'ghcr.io/acme/*]\n    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }\n    policies:\n      verify-image-signatures: { phase: audit }',
        '*]\n    policies:\n      verify-image-signatures: { phase: audit }',
      ),
    );
    gitIn(repo, 'commit', '-q', '--no-verify', '-am', 'a config this version refuses');
    const { code, err } = synthEdited(
      project,
      edited(PRODUCTION_HEADER, '  - name: production\n    imagePatterns: [ghcr.io/acme/app/*]\n'),
    );
    expect(code).toBe(1);
    expect(err).toContain('production/verify-image-signatures: the committed');
    expect(err).toMatch(
      /no longer loads \(.*environments\.yaml \(git HEAD\):\d+:\d+: .*\), so synth cannot tell whether the change lets more through/,
    );
  });

  test('without git, a changed enforced policy cannot be compared and must be named; an unchanged one needs nothing', () => {
    const project = projectOnDisk();
    const text = edited(PRODUCTION_HEADER, `${PRODUCTION_HEADER}    thirdPartyImages: [mirror.acme.example/*]\n`);
    const refused = synthEdited(project, text);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'production/restrict-image-registries: there is no committed config to compare with (no git repository, or no commit yet), so synth cannot tell',
    );
    expect(synthEdited(project, text, '--allow-weakening', 'production/restrict-image-registries').code).toBe(0);
    expect(synthEdited(project, text).code).toBe(0);
  });
});

describe('--allow-weakening values', () => {
  /** One project for the usage errors: none of them writes anything. */
  const usageProject = projectOnDisk();

  test.each([
    ['production', /--allow-weakening "production": write <env>\/<policy>, e\.g\. --allow-weakening production\/verify-image-signatures/],
    ['production/', /write <env>\/<policy>/],
    ['production/verify/extra', /write <env>\/<policy>/],
    [
      'production/verify-image-signature',
      /no policy "verify-image-signature" \(did you mean verify-image-signatures\?\); the policies are verify-image-signatures, /,
    ],
    [
      'prodution/verify-image-signatures',
      /no environment "prodution" in .*environments\.yaml or the committed output \(did you mean production\?\); the environments are production, staging/,
    ],
    [
      'qa/verify-image-signatures',
      /no environment "qa" in .*or the committed output; the environments are production, staging \(see synth --help\)$/,
    ],
  ])('%s is a usage error that writes nothing', (value, message) => {
    const project = usageProject;
    const before = readTree(project.outdir);
    const { code, err } = synthEdited(project, edited(PRODUCTION_SBOM), '--allow-weakening', value);
    expect(code).toBe(2);
    expect(err).toMatch(/^usage error: /);
    expect(err).toMatch(message);
    expect(readTree(project.outdir)).toEqual(before);
  });

  test('an environment only the committed output has (one being removed) is known', () => {
    const project = projectOnDisk();
    const { code } = synthEdited(
      project,
      BASE.slice(0, BASE.indexOf('  # Block at admission')),
      ...['verify-image-signatures', 'require-sbom-attestation', 'restrict-image-registries'].flatMap((p) => [
        '--allow-weakening',
        `production/${p}`,
      ]),
    );
    expect(code).toBe(0);
  });

  test('one that allows nothing is a warning to drop it', () => {
    const { code, out } = synthEdited(projectOnDisk(), BASE, '--allow-weakening', 'staging/verify-image-signatures');
    expect(code).toBe(0);
    expect(out.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
      'warning: --allow-weakening staging/verify-image-signatures allows nothing: this output does not weaken staging/verify-image-signatures; drop it',
    ]);
  });

  test('the old --allow-removal says what replaces it', () => {
    const { code, err } = synthEdited(projectOnDisk(), edited(PRODUCTION_SBOM), '--allow-removal', 'production/require-sbom-attestation');
    expect(code).toBe(2);
    expect(err).toBe(
      'usage error: --allow-removal is replaced by --allow-weakening, which covers removing an enforced policy and every other weakening of one: pass it the same <env>/<policy> values (see synth --help)',
    );
  });
});

test('a new environment that enforces from its first commit is warned about; one that starts in audit is not', () => {
  const project = committedProject();
  const production = BASE.slice(BASE.indexOf('  - name: production'));
  const text = `${BASE}${production.replace('name: production', 'name: qa')}${production.replace('name: production', 'name: dev').replaceAll('enforce', 'audit')}`;
  const { code, out } = synthEdited(project, text);
  expect(code).toBe(0);
  expect(out.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
    'warning: environment "qa" is new and enforces verify-image-signatures, require-sbom-attestation, restrict-image-registries from its first reconcile, ' +
      'before any audit showed what would be denied: start each policy at phase: audit, and enforce it once ' +
      '`npm run readiness -- --env qa --reports <reports>` says ready (docs/rollout.md)',
  ]);
  expect(readFileSync(join(project.outdir, 'qa/verify-image-signatures.yaml'), 'utf8')).toContain('failureAction: Enforce');
});
