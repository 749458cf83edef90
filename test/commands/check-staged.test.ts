import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load';
import { synthesize } from '../../src/synthesize';
import { runCli, tempDir, writeConfig } from '../helpers';

/** A config synth accepts, with two environments on one cluster. */
const FIXTURE_CONFIG = 'test/fixtures/side-by-side.yaml';

/** Spawned git: no CI flag, no user or system git config (no foreign hooksPath), a fixed identity. */
const ENV: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
delete ENV.CI;

function git(cwd: string, ...args: string[]) {
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: ENV, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** An environment appended to the fixture config: new files in dist/ and a new entry point. */
const EXTRA_ENVIRONMENT = [
  '  - name: extra',
  '    imagePatterns: [ghcr.io/acme/extra/*]',
  '    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/extra/* }',
  '    policies: { verify-image-signatures: { phase: audit } }',
  '',
].join('\n');

/** An environment that enforces a signature check against a private instance described by its root file. */
const PRIVATE_TRUST_ROOT_CONFIG = [
  'trustRoots:',
  '  lab-ca:',
  '    fulcio: { roots: sigstore/fulcio-root.pem }',
  '    insecureIgnoreTlog: the lab signs without a Rekor instance',
  '    insecureIgnoreSCT: the lab CA runs no CT log',
  'environments:',
  '  - name: lab',
  '    trustRoot: lab-ca',
  '    imagePatterns: [registry.lab.test/apps/*]',
  '    signer: { issuer: https://issuer.lab.test, subject: https://git.lab.test/apps/* }',
  '    policies: { verify-image-signatures: { phase: enforce } }',
  '',
].join('\n');

const STAGE_ADVICE =
  'Stage them (`git add environments.yaml dist clusters`) or set them aside (`git stash --keep-index`), and commit again.';
const SYNTH_ADVICE = 'Run `npm run synth`, then `git add environments.yaml dist clusters`, and commit again.';

/**
 * A git repository holding the fixture as its config, and the dist/ and clusters/ synth writes for it, all
 * committed. The check runs in this process, so the repository needs nothing else.
 */
function fixtureRepository(): string {
  fixtureTemplate ??= committedFixture(join(TEMPLATE_PARENT, 'template'));
  const repo = tempDir();
  cpSync(fixtureTemplate, repo, { recursive: true });
  return repo;
}

/**
 * The fixture repository with the project's `scripts/` linked in, for a test that runs the installed hook: the hook
 * starts `node scripts/run.mjs`, which Node runs from the link's target, so the app comes from this checkout (and its
 * already built bundle) while git and the check work in the fixture repository.
 */
function hookRepository(): string {
  const repo = fixtureRepository();
  symlinkSync(resolve(import.meta.dirname, '..', '..', 'scripts'), join(repo, 'scripts'), 'dir');
  return repo;
}

/** The repository every test starts from a copy of (made once: synth and git are the cost). */
let fixtureTemplate: string | undefined;
const TEMPLATE_PARENT = tempDir(); // outside any test: removed after the file's tests

function committedFixture(repo: string, config = FIXTURE_CONFIG): string {
  mkdirSync(repo, { recursive: true });
  cpSync(config, join(repo, 'environments.yaml'));
  // The project's: what synth keeps beside dist/ is not committed.
  cpSync('.gitignore', join(repo, '.gitignore'));
  rmSync(join(repo, 'dist'), { recursive: true, force: true });
  rmSync(join(repo, 'clusters'), { recursive: true, force: true });
  synth(repo);
  expect(git(repo, 'init', '-q').code).toBe(0);
  expect(git(repo, 'add', '-A').code).toBe(0);
  expect(git(repo, 'commit', '-q', '--no-verify', '-m', 'fixture').code).toBe(0);
  return repo;
}

/** A repository committing PRIVATE_TRUST_ROOT_CONFIG with its root file and output (made once, copied per test). */
function trustRootRepository(): string {
  if (trustRootTemplate === undefined) {
    trustRootTemplate = join(TEMPLATE_PARENT, 'trust-root');
    mkdirSync(join(trustRootTemplate, 'sigstore'), { recursive: true });
    cpSync('test/fixtures/sigstore/fulcio-root.pem', join(trustRootTemplate, 'sigstore', 'fulcio-root.pem'));
    const config = join(TEMPLATE_PARENT, 'trust-root.yaml');
    writeFileSync(config, PRIVATE_TRUST_ROOT_CONFIG);
    committedFixture(trustRootTemplate, config);
  }
  const repo = tempDir();
  cpSync(trustRootTemplate, repo, { recursive: true });
  return repo;
}
let trustRootTemplate: string | undefined;

function synth(repo: string) {
  expect(runCli('synth', '--config', join(repo, 'environments.yaml'), '--outdir', join(repo, 'dist')).code).toBe(0);
}

function checkStaged(repo: string) {
  return runCli(
    'check',
    '--staged',
    '--config',
    join(repo, 'environments.yaml'),
    '--outdir',
    join(repo, 'dist'),
    '--lock-dir',
    lockDirOf(repo),
  );
}

const lockDirOf = (repo: string) => join(repo, 'test', 'policy-lock');

function acceptLock(repo: string) {
  expect(runCli('lock', '--accept', '--config', join(repo, 'environments.yaml'), '--lock-dir', lockDirOf(repo)).code).toBe(0);
}

function addEnvironment(repo: string) {
  appendFileSync(join(repo, 'environments.yaml'), EXTRA_ENVIRONMENT);
}

/** The files synth writes for the extra environment, as the check lists them (`dist/…`, `clusters/…`). */
function extraEnvironmentFiles(): string[] {
  const { tree, entryPoints } = synthesize(loadConfig(writeConfig(`environments:\n${EXTRA_ENVIRONMENT}`)));
  return [...[...tree.keys()].map((path) => `dist/${path}`), ...entryPoints.keys()];
}

describe('check --staged', () => {
  test('passes a commit of a config with its synthesized output', () => {
    const repo = fixtureRepository();
    addEnvironment(repo);
    synth(repo);
    expect(git(repo, 'add', '-A').code).toBe(0);
    // Files of a cluster's directory that synth does not own are not the check's business, staged or not.
    mkdirSync(join(repo, 'clusters/shop/flux-system'));
    writeFileSync(join(repo, 'clusters/shop/flux-system/gotk-sync.yaml'), 'kind: Kustomization\n');
    writeFileSync(join(repo, 'clusters/shop/apps.yaml'), 'kind: Kustomization\n');
    const { code, out, err } = checkStaged(repo);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('the staged dist/ and clusters/ are what the staged environments.yaml synthesizes');
  });

  test('passes a commit that weakens an enforced policy, warning of what it lets through', () => {
    const repo = fixtureRepository();
    const config = join(repo, 'environments.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('verify-image-signatures: { phase: enforce }', 'verify-image-signatures: { phase: audit }'),
    );
    const allowed = runCli(
      'synth',
      '--config',
      config,
      '--outdir',
      join(repo, 'dist'),
      '--allow-weakening',
      'shop/verify-image-signatures',
    );
    expect(allowed.code).toBe(0);
    expect(git(repo, 'add', '-A').code).toBe(0);
    const { code, out, err } = checkStaged(repo);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      'warning: this commit weakens a policy enforced at git HEAD: shop/verify-image-signatures: demoted from enforce to audit: violations are reported, ' +
        'no longer denied; fails open (failurePolicy Fail → Ignore): Pods are admitted unchecked whenever Kyverno does not answer',
      'the staged dist/ and clusters/ are what the staged environments.yaml synthesizes',
    ]);
  });

  test('refuses staged output without the config it came from', () => {
    const repo = fixtureRepository();
    addEnvironment(repo);
    synth(repo);
    expect(git(repo, 'add', 'dist', 'clusters').code).toBe(0);
    const { code, err } = checkStaged(repo);
    expect(code).toBe(1);
    // The staged config is the committed one: every file of the new environment is one synth would remove.
    const removed = extraEnvironmentFiles()
      .sort()
      .map((path) => `removed: ${path}`);
    const distRemoved = removed.filter((line) => line.startsWith('removed: dist/'));
    const clustersRemoved = removed.filter((line) => line.startsWith('removed: clusters/'));
    expect(err.split('\n')).toEqual([
      'the staged output is not what the staged environments.yaml synthesizes:',
      ...distRemoved,
      ...clustersRemoved,
      SYNTH_ADVICE,
      'changes not staged for commit, so the commit would not hold what was checked:',
      'unstaged:  environments.yaml',
      STAGE_ADVICE,
    ]);
  });

  test('refuses a staged config without its output', () => {
    const repo = fixtureRepository();
    addEnvironment(repo);
    expect(git(repo, 'add', 'environments.yaml').code).toBe(0);
    const { code, err } = checkStaged(repo);
    expect(code).toBe(1);
    const added = extraEnvironmentFiles().map((path) => `added:   ${path}`);
    expect(err.split('\n')).toEqual([
      'the staged output is not what the staged environments.yaml synthesizes:',
      ...added.filter((line) => line.startsWith('added:   dist/')).sort(),
      ...added.filter((line) => line.startsWith('added:   clusters/')).sort(),
      SYNTH_ADVICE,
    ]);
  });

  test('refuses an invalid staged config with its errors, lines of the staged version', () => {
    const repo = fixtureRepository();
    const invalid = EXTRA_ENVIRONMENT.replace('    policies:', '    cluster: Not_A_Label\n    policies:');
    appendFileSync(join(repo, 'environments.yaml'), invalid);
    expect(git(repo, 'add', 'environments.yaml').code).toBe(0);
    // The working tree no longer has the error: only the staged version is judged.
    writeFileSync(
      join(repo, 'environments.yaml'),
      readFileSync(join(repo, 'environments.yaml'), 'utf8').replace('    cluster: Not_A_Label\n', ''),
    );
    const staged = git(repo, 'show', ':environments.yaml').out;
    const line = staged.split('\n').findIndex((l) => l.includes('Not_A_Label')) + 1;

    const { code, err } = checkStaged(repo);
    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      'the staged environments.yaml is invalid (lines of the staged version):',
      `environments.yaml:${line}:14: environment "extra": cluster: must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
      'Fix environments.yaml, `git add environments.yaml`, and commit again.',
      'changes not staged for commit, so the commit would not hold what was checked:',
      'unstaged:  environments.yaml',
      STAGE_ADVICE,
    ]);
  });

  test('with a policy lock in the index: refuses a staged config whose lock was not accepted, naming each entry; passes once it is', () => {
    const repo = fixtureRepository();
    acceptLock(repo);
    expect(git(repo, 'add', '-A').code).toBe(0);
    expect(git(repo, 'commit', '-q', '--no-verify', '-m', 'lock').code).toBe(0);
    addEnvironment(repo);
    synth(repo);
    expect(git(repo, 'add', '-A').code).toBe(0);

    const stale = checkStaged(repo);
    expect(stale.code).toBe(1);
    expect(stale.err.split('\n')).toEqual([
      'the staged policy lock is not what the staged environments.yaml renders:',
      'new:      environment extra, Flux objects flux/policies (test/policy-lock/extra/flux/policies.yaml)',
      'new:      environment extra, policy verify-image-signatures (test/policy-lock/extra/verify-image-signatures.yaml)',
      'Review the changes, run `npm run lock -- --accept`, then `git add test/policy-lock`, and commit again.',
    ]);

    acceptLock(repo);
    const unstaged = checkStaged(repo);
    expect(unstaged.code).toBe(1);
    expect(unstaged.err).toContain('untracked: test/policy-lock/extra/verify-image-signatures.yaml');
    expect(unstaged.err).toContain('Stage them (`git add environments.yaml dist clusters test/policy-lock`)');

    expect(git(repo, 'add', '-A').code).toBe(0);
    expect(checkStaged(repo)).toMatchObject({
      code: 0,
      err: '',
      out: 'the staged dist/, clusters/ and test/policy-lock/ are what the staged environments.yaml synthesizes',
    });
  });

  test('a staged hand edit of a policy is named with the config field that sets the edited value', () => {
    const repo = fixtureRepository();
    const policy = 'dist/shop/verify-image-signatures.yaml';
    const text = readFileSync(join(repo, policy), 'utf8');
    writeFileSync(join(repo, policy), text.replace('timeoutSeconds: 30', 'timeoutSeconds: 12'));
    expect(git(repo, 'add', policy).code).toBe(0);
    expect(checkStaged(repo).err.split('\n')).toEqual([
      'the staged output is not what the staged environments.yaml synthesizes:',
      `changed: ${policy}`,
      `edited by hand: ${policy} (no change of the config since the last commit explains it); synth would replace the edit:`,
      '  spec.webhookConfiguration.timeoutSeconds: 12 here, synth writes 30: set webhook.timeoutSeconds of environment "shop" in the config instead',
      SYNTH_ADVICE,
    ]);
  });

  test('a hand-edited publishing workflow is stale output, staged or not', () => {
    const repo = committedFixture(join(tempDir(), 'repo'), 'test/fixtures/oci-delivery.yaml');
    const workflow = '.github/workflows/guardrails-publish.yaml';
    appendFileSync(join(repo, workflow), '# edited by hand\n');
    const unstaged = checkStaged(repo);
    expect(unstaged.code).toBe(1);
    expect(unstaged.err.split('\n')).toContain(`unstaged:  ${workflow}`);

    expect(git(repo, 'add', workflow).code).toBe(0);
    const staged = checkStaged(repo);
    expect(staged.code).toBe(1);
    expect(staged.err.split('\n')).toEqual([
      'the staged output is not what the staged environments.yaml synthesizes:',
      `changed: ${workflow}`,
      'Run `npm run synth`, then `git add environments.yaml dist clusters .github/workflows`, and commit again.',
    ]);
  });

  test('replacing a config that published with one that does not: doing what the message says unblocks the commit', () => {
    const repo = committedFixture(join(tempDir(), 'repo'), 'test/fixtures/oci-delivery.yaml');
    const workflow = '.github/workflows/guardrails-publish.yaml';
    cpSync(FIXTURE_CONFIG, join(repo, 'environments.yaml'));
    const removals = ['production/verify-image-signatures', 'production/require-sbom-attestation'].flatMap((id) => [
      '--allow-weakening',
      id,
    ]);
    expect(runCli('synth', '--config', join(repo, 'environments.yaml'), '--outdir', join(repo, 'dist'), ...removals).code).toBe(0);
    expect(existsSync(join(repo, workflow))).toBe(false); // no environment publishes any more: synth removed it

    // Staged as a commit of config and output usually is; the removed workflow is left out.
    expect(git(repo, 'add', 'environments.yaml', 'dist', 'clusters').code).toBe(0);
    const blocked = checkStaged(repo);
    expect(blocked.code).toBe(1);
    expect(blocked.err.split('\n')).toContain(`unstaged:  ${workflow}`);
    const remedy = /`(git add [^`]+)`/.exec(blocked.err)?.[1];
    expect(remedy).toBe('git add environments.yaml dist clusters .github/workflows');
    expect(git(repo, ...remedy!.split(' ').slice(1)).code).toBe(0);
    // It passes, warning of what the commit weakens (the removals synth was allowed) and of the new environment at enforce.
    const passed = checkStaged(repo);
    expect(passed.code).toBe(0);
    expect(passed.err).toBe('');
    expect(passed.out).toContain(
      'warning: this commit weakens a policy enforced at git HEAD: production/verify-image-signatures: disabled or removed',
    );
    expect(git(repo, 'commit', '-q', '--no-verify', '-m', 'replaced').code).toBe(0);
    expect(git(repo, 'status', '--porcelain').out).toBe('');
  });

  test('reads the files the config names as staged: an unstaged trust root is reported, and HEAD is the baseline of the gate', () => {
    const repo = trustRootRepository();
    const root = join(repo, 'sigstore', 'fulcio-root.pem');

    // The instance's root changes (here: one more certificate trusted). What HEAD enforces is judged with HEAD's root.
    appendFileSync(root, readFileSync('test/fixtures/sigstore/fulcio-intermediate.pem'));
    const synthArgs = ['synth', '--config', join(repo, 'environments.yaml'), '--outdir', join(repo, 'dist')];
    const refused = runCli(...synthArgs);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('lab/verify-image-signatures: trusts another Sigstore instance (private lab-ca → private lab-ca)');
    expect(runCli(...synthArgs, '--allow-weakening', 'lab/verify-image-signatures').code).toBe(0);

    // The output is staged, the root is not: the commit would hold the old root beside policies that trust the new one.
    expect(git(repo, 'add', 'environments.yaml', 'dist', 'clusters').code).toBe(0);
    const blocked = checkStaged(repo);
    expect(blocked.code).toBe(1);
    const lines = blocked.err.split('\n');
    expect(lines).toContain('changed: dist/lab/verify-image-signatures.yaml');
    expect(lines).toContain('unstaged:  sigstore/fulcio-root.pem');
    expect(lines).toContain(
      'Stage them (`git add environments.yaml sigstore/fulcio-root.pem dist clusters`) or set them aside (`git stash --keep-index`), and commit again.',
    );

    expect(git(repo, 'add', 'sigstore/fulcio-root.pem').code).toBe(0);
    const passed = checkStaged(repo);
    expect(passed.err).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.out).toContain(
      'warning: this commit weakens a policy enforced at git HEAD: lab/verify-image-signatures: trusts another Sigstore instance',
    );
  });

  test('a file the staged config names but the index lacks is refused at its field and listed as untracked', () => {
    const repo = trustRootRepository();
    // The same root under a new name: the policies do not change (the manifest records the name the config gives),
    // but the commit would not hold the file.
    cpSync('test/fixtures/sigstore/fulcio-root.pem', join(repo, 'sigstore', 'lab-root.pem'));
    const configFile = join(repo, 'environments.yaml');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('sigstore/fulcio-root.pem', 'sigstore/lab-root.pem'));
    synth(repo);
    expect(git(repo, 'status', '--porcelain', 'dist').out).toBe(' M dist/.guardrails-manifest\n');
    expect(git(repo, 'add', 'environments.yaml', 'dist').code).toBe(0);

    const blocked = checkStaged(repo);
    expect(blocked.code).toBe(1);
    expect(blocked.err.split('\n')).toEqual([
      'the staged environments.yaml is invalid (lines of the staged version):',
      'environments.yaml:3:22: environment "lab": trustRoots.lab-ca.fulcio.roots: "sigstore/lab-root.pem" is not in the git index: `git add` it',
      'Fix environments.yaml, `git add environments.yaml`, and commit again.',
      'changes not staged for commit, so the commit would not hold what was checked:',
      'untracked: sigstore/lab-root.pem',
      'Stage them (`git add environments.yaml sigstore/lab-root.pem dist clusters`) or set them aside (`git stash --keep-index`), and commit again.',
    ]);
    expect(git(repo, 'add', 'sigstore/lab-root.pem').code).toBe(0);
    expect(checkStaged(repo)).toMatchObject({ code: 0, err: '' });
  });

  test('the hook blocks a partially staged change with an exact message, and lets it through once staged', { timeout: 30_000 }, () => {
    const repo = hookRepository();
    expect(spawnSync('node', [join(repo, 'scripts/install-hooks.mjs')], { cwd: repo, env: ENV }).status).toBe(0);
    addEnvironment(repo);
    synth(repo);
    expect(git(repo, 'add', '-A').code).toBe(0);
    // A second change after staging, synthesized but not staged: the commit would hold the first one only.
    const config = join(repo, 'environments.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'policies: { verify-image-signatures: { phase: audit } }\n',
        'policies: { verify-image-signatures: { phase: enforce } }\n',
      ),
    );
    synth(repo);

    const commit = git(repo, 'commit', '-q', '-m', 'extra environment');
    expect(commit.code).not.toBe(0);
    expect(commit.err.split('\n')).toEqual([
      'changes not staged for commit, so the commit would not hold what was checked:',
      'unstaged:  dist/.guardrails-manifest',
      'unstaged:  dist/extra/verify-image-signatures.yaml',
      'unstaged:  environments.yaml',
      STAGE_ADVICE,
      'pre-commit: commit blocked.',
      '',
    ]);
    expect(git(repo, 'log', '--format=%s').out).toBe('fixture\n');

    expect(git(repo, 'add', '-A').code).toBe(0);
    expect(git(repo, 'commit', '-q', '-m', 'extra environment').code).toBe(0);
    expect(git(repo, 'status', '--porcelain').out).toBe('');
  });
});
