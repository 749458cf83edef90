import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../src/config/load';
import { identityRegExp, parseWorkflowIdentity, workflowIdentity, workflowPath } from '../src/model/delivery';
import { synthesize } from '../src/synthesize';
import { validateObject } from '../src/validate';
import { PRIVATE_SIGSTORE_CONFIG, objectsIn, runCli, tempDir, testDigest, writeConfig } from './helpers';

/** The digest test/fixtures/oci-delivery.yaml pins production to. */
const FIXTURE_DIGEST = testDigest('oci-delivery production');

/** sandbox on Git; develop following tag main; production pinned by digest. */
const OCI_CONFIG = 'test/fixtures/oci-delivery.yaml';
const OCI_TEXT = readFileSync(OCI_CONFIG, 'utf8');
const SUBJECT = 'https://github.com/acme/guardrails/.github/workflows/guardrails-publish.yaml@refs/heads/main';

function synthesized(text = OCI_TEXT) {
  return synthesize(loadConfig(writeConfig(text)));
}

/** The config with one string replaced (it must occur, and every occurrence is replaced). */
function edited(from: string, to: string, text = OCI_TEXT): string {
  expect(text.includes(from), from).toBe(true);
  return text.replaceAll(from, to);
}

/** The one-line refusal synth prints for a config, and proof nothing was written. */
function refusal(text: string): string {
  const dir = tempDir();
  const config = join(dir, 'environments.yaml');
  writeFileSync(config, text);
  const { code, err } = runCli('synth', '--config', config, '--outdir', join(dir, 'dist'));
  expect(code).toBe(1);
  expect(existsSync(join(dir, 'dist'))).toBe(false);
  return err;
}

describe('an oci environment synthesizes a verified OCIRepository and the Kustomization that reads it', () => {
  const { tree, workflows } = synthesized();
  const [kustomization] = objectsIn(tree, 'flux/production/policies.yaml');
  const [source] = objectsIn(tree, 'flux/production/source.yaml');

  test('both pass the pinned CRDs strictly and every lint rule', () => {
    for (const path of [
      'flux/develop/policies.yaml',
      'flux/develop/source.yaml',
      'flux/production/policies.yaml',
      'flux/production/source.yaml',
    ]) {
      for (const object of objectsIn(tree, path)) expect(validateObject(object), path).toEqual([]);
    }
  });

  test("the OCIRepository verifies the publishing workflow's identity, anchored and escaped, on Flux's content layer", () => {
    expect(source.kind).toBe('OCIRepository');
    expect(source.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(source.spec.url).toBe('oci://ghcr.io/acme/guardrails-policies');
    expect(source.spec.ref).toEqual({ digest: FIXTURE_DIGEST });
    expect(source.spec.layerSelector).toEqual({ mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', operation: 'extract' });
    expect(source.spec.verify.provider).toBe('cosign');
    // The publisher signs with the public instance: source-controller verifies against the public trusted root.
    expect(source.spec.verify.trustedRootSecretRef).toBeUndefined();
    const [identity] = source.spec.verify.matchOIDCIdentity;
    expect(identity.subject).toBe('^https://github\\.com/acme/guardrails/\\.github/workflows/guardrails-publish\\.yaml@refs/heads/main$');
    expect(new RegExp(identity.subject).test(SUBJECT)).toBe(true);
    // Anchored and escaped: neither a longer identity nor one differing in an escaped dot passes.
    expect(new RegExp(identity.subject).test(`${SUBJECT}-evil`)).toBe(false);
    expect(new RegExp(identity.subject).test(SUBJECT.replace('guardrails-publish.yaml', 'guardrails-publishXyaml'))).toBe(false);
    expect(new RegExp(identity.issuer).test('https://token.actions.githubusercontent.com')).toBe(true);
    expect(new RegExp(identity.issuer).test('https://token.actions.githubusercontent.com.evil.example')).toBe(false);
  });

  test("a following environment pins its tag; the Kustomization reads <env>/ of the artifact, with the Git wiring's settings", () => {
    expect(objectsIn(tree, 'flux/develop/source.yaml')[0].spec.ref).toEqual({ tag: 'main' });
    expect(kustomization.metadata.name).toBe('guardrails-policies');
    expect(kustomization.spec.sourceRef).toEqual({ kind: 'OCIRepository', name: source.metadata.name });
    expect(kustomization.spec.path).toBe('./production');
    expect(kustomization.spec).toMatchObject({ prune: true, wait: true, dependsOn: [{ name: 'kyverno' }], deletionPolicy: 'Orphan' });
    expect(kustomization.spec.healthCheckExprs.length).toBeGreaterThan(0);
    // The artifact holds dist/<env>/ at its root: the same files the Git wiring applies.
    expect([...tree.keys()].filter((path) => path.startsWith('production/')).length).toBeGreaterThan(0);
  });

  test("a git environment keeps today's wiring, and no workflow is written without an oci environment", () => {
    const [gitKustomization] = objectsIn(tree, 'flux/sandbox/policies.yaml');
    expect(gitKustomization.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
    expect(gitKustomization.spec.path).toBe('./dist/sandbox');
    expect(tree.has('flux/sandbox/source.yaml')).toBe(false);
    expect(synthesized(OCI_TEXT.split('  - name: develop')[0]).workflows.size).toBe(0);
    expect([...workflows.keys()]).toEqual(['.github/workflows/guardrails-publish.yaml']);
  });
});

describe('the identity lint refuses a verifier that accepts more than the publishing workflow', () => {
  const [source] = objectsIn(synthesized().tree, 'flux/production/source.yaml');
  const withIdentity = (identity: object) => ({
    ...source,
    spec: { ...source.spec, verify: { ...source.spec.verify, matchOIDCIdentity: [identity] } },
  });
  const lint = (object: object) =>
    validateObject(object as Record<string, unknown>).filter((v) => v.rule === 'lint/oci-publisher-identity');
  const issuer = '^https://token\\.actions\\.githubusercontent\\.com$';

  test.each([
    ['every workflow of the owner', '^https://github\\.com/acme/.*$', 'not one anchored, escaped value'],
    [
      'an exact identity that is not a workflow run',
      '^https://github\\.com/acme/guardrails$',
      'does not pin one repository, workflow and branch',
    ],
    ['an over-broad owner, as for image signers', '^https://github\\.com/acme.*$', 'matches more than one owner on github.com'],
    [
      'an unanchored subject',
      'https://github\\.com/acme/guardrails/\\.github/workflows/guardrails-publish\\.yaml@refs/heads/main',
      'matches more than one owner',
    ],
    [
      'any branch',
      '^https://github\\.com/acme/guardrails/\\.github/workflows/guardrails-publish\\.yaml@refs/heads/.*$',
      'not one anchored, escaped value',
    ],
  ])('%s', (_, subject, message) => {
    const violations = lint(withIdentity({ issuer, subject }));
    expect(violations.map((v) => v.message).join('\n')).toContain(message);
  });

  test('no verification, another provider or another layer', () => {
    const unverified = { ...source, spec: { ...source.spec, verify: undefined, layerSelector: undefined } };
    expect(lint(unverified).map((v) => v.message)).toEqual([
      'must be cosign: the artifact is signed keyless by the publishing workflow',
      'is empty: a keyless signature of any identity would be accepted',
      'must be application/vnd.cncf.flux.content.v1.tar+gzip: the layer flux push artifact writes',
    ]);
    expect(lint(source)).toEqual([]);
  });
});

describe('the config refuses a publishing identity that does not pin one repository and one workflow', () => {
  test.each([
    ['an over-broad owner, refused as an image signer is', 'https://github.com/acme*/*', 'matches more than one owner on github.com'],
    ['every workflow of the owner', 'https://github.com/acme/*', 'does not pin one repository, one workflow and one branch'],
    [
      'any workflow file',
      'https://github.com/acme/guardrails/.github/workflows/*@refs/heads/main',
      'does not pin one repository, one workflow and one branch',
    ],
    [
      'a tag instead of a branch',
      'https://github.com/acme/guardrails/.github/workflows/guardrails-publish.yaml@refs/tags/v1',
      'does not pin one repository',
    ],
  ])('%s', (_, subject, message) => {
    const err = refusal(edited(SUBJECT, subject));
    const lines = err.split('\n').filter((line) => line.includes('delivery.signer.subject'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/environments\.yaml:\d+:\d+: environment "develop": delivery\.signer\.subject: /);
    expect(lines[0]).toContain(message);
  });

  test.each([
    [
      'a tag and a digest',
      '      tag: main\n',
      `      tag: main\n      digest: ${testDigest('another')}\n`,
      'delivery: must name exactly one of tag',
    ],
    ['a malformed digest', FIXTURE_DIGEST, 'sha256:1111', 'delivery.digest: "sha256:1111" is malformed'],
    [
      'another registry',
      'repository: ghcr.io/acme/guardrails-policies',
      'repository: docker.io/acme/guardrails-policies',
      'must be on ghcr.io/acme/',
    ],
    [
      "another owner's package",
      'repository: ghcr.io/acme/guardrails-policies',
      'repository: ghcr.io/other/guardrails-policies',
      'must be on ghcr.io/acme/',
    ],
    [
      'another issuer',
      '      signer:\n        issuer: https://token.actions.githubusercontent.com',
      '      signer:\n        issuer: https://gitlab.com',
      'must be https://token.actions.githubusercontent.com',
    ],
    [
      'an oci field under git',
      '    delivery:\n      mode: oci\n      repository: ghcr.io/acme/guardrails-policies\n      tag: main',
      '    delivery:\n      mode: git\n      tag: main',
      'delivery.tag: applies to mode oci only',
    ],
  ])('%s', (_, from, to, message) => {
    expect(refusal(edited(from, to))).toContain(message);
  });

  test('every identity names this one repository, and one workflow file runs on one branch', () => {
    const production = OCI_TEXT.indexOf('  - name: production');
    const otherRepository =
      OCI_TEXT.slice(0, production) + edited(SUBJECT, SUBJECT.replace('acme/guardrails/', 'acme/elsewhere/'), OCI_TEXT.slice(production));
    expect(refusal(otherRepository)).toMatch(
      /environment "production": delivery\.signer\.subject: names repository acme\/elsewhere, environment "develop" names acme\/guardrails/,
    );
    const otherBranch =
      OCI_TEXT.slice(0, production) + edited(SUBJECT, SUBJECT.replace('refs/heads/main', 'refs/heads/release'), OCI_TEXT.slice(production));
    expect(refusal(otherBranch)).toContain(
      'runs .github/workflows/guardrails-publish.yaml on branch release, environment "develop" on main',
    );
  });
});

describe('the config refuses a publishing branch Git could never have', () => {
  /** The config's refusal, in process, or '' when it loads. */
  function problems(text: string): string {
    try {
      loadConfig(writeConfig(text));
      return '';
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
  }

  test.each([
    ['../main', /it holds "\.\."/],
    ['main.lock', /ends with "\.lock"/],
    ['.hidden', /begins with "\."/],
  ])('%s, whose workflow no push ever runs', (branch, message) => {
    const message_ = problems(edited(SUBJECT, SUBJECT.replace('refs/heads/main', `refs/heads/${branch}`)));
    expect(message_).toMatch(
      /environment "develop": delivery\.signer\.subject: ".*" names the branch ".*", which is not a branch name Git accepts/,
    );
    expect(message_).toMatch(message);
  });

  test('a branch with a slash is one', () => {
    expect(problems(edited(SUBJECT, SUBJECT.replace('refs/heads/main', 'refs/heads/release/v1')))).toBe('');
  });
});

/** The workflow parsed and checked by GitHub's own parser: its errors, and the parsed document. */
async function checkedWorkflow(path: string, content: string) {
  const parsed = parseWorkflow({ name: path, content }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
  return {
    errors: [...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)],
    workflow: parse(content),
  };
}

/** The identity a run of this workflow signs with, read from the workflow itself: its path, its branch and the repository its publish job is limited to. */
function identityOfWorkflow(path: string, workflow: any): string {
  const guard = /^github\.repository == '([^']+)' && github\.ref == 'refs\/heads\/([^']+)'$/.exec(workflow.jobs.publish.if);
  expect(guard).not.toBeNull();
  const [, repository, branch] = guard!;
  expect(workflow.on.push.branches).toEqual([branch]);
  return workflowIdentity({ repository, file: path.replace('.github/workflows/', ''), branch });
}

describe('the publishing workflow', () => {
  const [[path, content]] = synthesized().workflows;

  test("passes GitHub's workflow parser (@actions/workflow-parser), which does refuse a broken one", async () => {
    expect((await checkedWorkflow(path, content)).errors).toEqual([]);
    const broken = content.replace('      id-token: write', '      id-token: write\n      signing: write');
    expect((await checkedWorkflow(path, broken)).errors.join('\n')).toContain("Unexpected value 'signing'");
  });

  test('least privilege: nothing by default, id-token only in the job that signs, actions pinned by commit SHA, the Flux CLI by release', async () => {
    const { workflow } = await checkedWorkflow(path, content);
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.check.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.publish.permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    const uses = Object.values<any>(workflow.jobs).flatMap((job) => job.steps.flatMap((step: any) => (step.uses ? [step.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) {
      expect(action).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(action).not.toMatch(/@0{40}$/);
    }
    // The Flux installer is told which CLI release to install; without one it would resolve "latest" at run time.
    const fluxSetup = workflow.jobs.publish.steps.find((step: any) => step.uses?.startsWith('fluxcd/flux2/action@'));
    expect(fluxSetup.with.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(content).toMatch(/^# Generated by npm run synth/);
  });

  test('the drift gate runs before publishing; the artifact is pushed reproducibly, signed by digest, then tagged', async () => {
    const { workflow } = await checkedWorkflow(path, content);
    expect(workflow.jobs.check.steps.map((step: any) => step.run).filter(Boolean)).toEqual(['npm ci', 'npm run check -- --full']);
    expect(workflow.jobs.publish.needs).toBe('check');
    const script: string = workflow.jobs.publish.steps.at(-1).run;
    expect(workflow.jobs.publish.steps.at(-1).env).toEqual({ ARTIFACT: 'ghcr.io/acme/guardrails-policies' });
    expect(script).toContain("--path=./dist --ignore-paths='/*,!/develop/,!/production/'");
    expect(script).toContain('--reproducible');
    const sign = script.indexOf('cosign sign --yes "${ARTIFACT}@${digest}"');
    const tag = script.indexOf('flux tag artifact "oci://${ARTIFACT}:${GITHUB_SHA}" --tag=main');
    expect(sign).toBeGreaterThan(script.indexOf('flux push artifact'));
    expect(tag).toBeGreaterThan(sign);
    expect(script).toContain('>> "${GITHUB_STEP_SUMMARY}"');
  });

  test('its identity is exactly what the OCIRepository accepts, and both follow a change of the config', async () => {
    const verifierOf = (tree: Map<string, string>) =>
      objectsIn(tree, 'flux/production/source.yaml')[0].spec.verify.matchOIDCIdentity[0].subject as string;
    const { workflow } = await checkedWorkflow(path, content);
    const identity = identityOfWorkflow(path, workflow);
    expect(identity).toBe(SUBJECT);
    expect(verifierOf(synthesized().tree)).toBe(identityRegExp(identity));

    const moved = 'https://github.com/acme/guardrails/.github/workflows/publish-policies.yml@refs/heads/release/v2';
    const next = synthesized(edited(SUBJECT, moved));
    const [[nextPath, nextContent]] = next.workflows;
    expect(nextPath).toBe(workflowPath(parseWorkflowIdentity(moved)!));
    const nextIdentity = identityOfWorkflow(nextPath, (await checkedWorkflow(nextPath, nextContent)).workflow);
    expect(nextIdentity).toBe(moved);
    const verifier = new RegExp(verifierOf(next.tree));
    expect(verifier.test(nextIdentity)).toBe(true);
    expect(verifier.test(identity)).toBe(false);
  });
});

describe('drift gate and guards', () => {
  function project(text = OCI_TEXT) {
    const dir = tempDir();
    const config = join(dir, 'environments.yaml');
    writeFileSync(config, text);
    const outdir = join(dir, 'dist');
    expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
    return { dir, config, outdir, workflow: join(dir, '.github/workflows/guardrails-publish.yaml') };
  }

  test('check reports an edited or missing workflow; synth restores it and removes one no environment needs', () => {
    const { config, outdir, workflow } = project();
    expect(runCli('check', '--config', config, '--outdir', outdir).code).toBe(0);
    writeFileSync(workflow, readFileSync(workflow, 'utf8').replace('id-token: write', 'id-token: none'));
    const { code, out, err } = runCli('check', '--config', config, '--outdir', outdir);
    expect(code).toBe(1);
    expect(`${out}\n${err}`).toContain('.github/workflows/guardrails-publish.yaml');
    expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
    expect(readFileSync(workflow, 'utf8')).toContain('id-token: write');
    writeFileSync(config, OCI_TEXT.split('  - name: develop')[0]);
    const allowed = ['verify-image-signatures', 'require-sbom-attestation'].flatMap((policy) => [
      '--allow-weakening',
      `production/${policy}`,
    ]);
    expect(runCli('synth', '--config', config, '--outdir', outdir, ...allowed).code).toBe(0);
    expect(existsSync(workflow)).toBe(false);
  });

  test('a workflow synth did not write is never overwritten', () => {
    const { config, outdir, workflow } = project();
    writeFileSync(workflow, 'name: hand-written\n');
    const { code, err } = runCli('synth', '--config', config, '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain('.github/workflows/guardrails-publish.yaml exists and was not generated by synth');
    expect(readFileSync(workflow, 'utf8')).toBe('name: hand-written\n');
  });

  test('switching an enforcing environment from git to oci keeps its policies and its Kustomization (no --allow-weakening)', () => {
    const production = OCI_TEXT.indexOf('  - name: production');
    const onGit = OCI_TEXT.slice(0, production) + OCI_TEXT.slice(production).replace(/ {4}delivery:\n(?: {6}.*\n| {8}.*\n)+/, '');
    const { config, outdir } = project(onGit);
    const before = readFileSync(join(outdir, 'production/verify-image-signatures.yaml'), 'utf8');
    const gitName = parse(readFileSync(join(outdir, 'flux/production/policies.yaml'), 'utf8')).metadata.name;
    writeFileSync(config, OCI_TEXT);
    expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
    expect(readFileSync(join(outdir, 'production/verify-image-signatures.yaml'), 'utf8')).toBe(before);
    expect(parse(readFileSync(join(outdir, 'flux/production/policies.yaml'), 'utf8')).metadata.name).toBe(gitName);
  });
});

describe('promote', () => {
  const DIGEST = testDigest('what develop runs');
  const reports = (name: string) => join('test', 'fixtures', 'reports', name);
  function promotion(...args: string[]) {
    const dir = tempDir();
    const config = join(dir, 'environments.yaml');
    writeFileSync(config, OCI_TEXT);
    // No synth first: a refusal writes nothing, and a promotion runs synth itself.
    const outdir = join(dir, 'dist');
    const result = runCli('promote', '--config', config, '--outdir', outdir, ...args);
    return { ...result, text: readFileSync(config, 'utf8'), outdir };
  }

  const DEVELOP_TO_PRODUCTION = ['--from', 'develop', '--to', 'production', '--digest', DIGEST];

  test('moves the digest the source runs: one line of the config, then the synthesized output', () => {
    const { code, text, outdir } = promotion(...DEVELOP_TO_PRODUCTION, '--reports', reports('clean.json'));
    expect(code).toBe(0);
    const before = OCI_TEXT.split('\n');
    const after = text.split('\n');
    expect(after.length).toBe(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    expect(changed).toEqual([
      [`      digest: ${FIXTURE_DIGEST} # promoted from develop`, `      digest: ${DIGEST} # promoted from develop`],
    ]);
    expect(parse(readFileSync(join(outdir, 'flux/production/source.yaml'), 'utf8')).spec.ref).toEqual({ digest: DIGEST });
  });

  test('refuses when the source is not ready, leaving the config as it was', () => {
    const { code, err, text, outdir } = promotion(...DEVELOP_TO_PRODUCTION, '--reports', reports('failing.yaml'));
    expect(code).toBe(1);
    expect(err).toContain('not promoted: "develop" is not ready');
    expect(text).toBe(OCI_TEXT);
    expect(existsSync(outdir)).toBe(false);
  });

  test.each([
    ['a malformed digest', ['--from', 'develop', '--to', 'production', '--digest', 'sha256:ABC'], 1, '--digest "sha256:ABC" is malformed'],
    ['a source following a tag without --digest', ['--from', 'develop', '--to', 'production'], 2, 'pass the digest it runs with --digest'],
    ['a target following a tag', ['--from', 'production', '--to', 'develop'], 1, '"develop" follows tag main'],
    [
      'a digest the pinned source does not run',
      ['--from', 'production', '--to', 'develop', '--digest', DIGEST],
      1,
      'is not what "production" runs',
    ],
    [
      'a Git environment',
      ['--from', 'sandbox', '--to', 'production', '--digest', DIGEST],
      1,
      'environment "sandbox" is delivered from Git',
    ],
  ])('refuses %s', (_, args, exitCode, message) => {
    const { code, err, text } = promotion(...args, '--reports', reports('clean.json'));
    expect(code).toBe(exitCode);
    expect(err).toContain(message);
    expect(text).toBe(OCI_TEXT);
  });
});

describe('an environment not yet published', () => {
  const PINNED_LINE = `      digest: ${FIXTURE_DIGEST} # promoted from develop`;
  const UNPUBLISHED_LINE = '      published: false # the first promotion pins a digest here';
  const UNPUBLISHED = edited(PINNED_LINE, UNPUBLISHED_LINE);

  test.each([
    ['all zeros', `sha256:${'0'.repeat(64)}`, /all "0"/],
    ['one digit repeated', `sha256:${'7'.repeat(64)}`, /all "7"/],
    ['a pattern repeated', `sha256:${'deadbeef'.repeat(8)}`, /"deadbeef" repeated/],
  ])('a placeholder digest (%s) is refused, naming published: false', (_name, digest, why) => {
    const err = refusal(edited(FIXTURE_DIGEST, digest));
    expect(err).toMatch(/environments\.yaml:\d+:\d+: environment "production": delivery\.digest: /);
    expect(err).toMatch(why);
    expect(err).toContain('write published: false instead of a digest');
  });

  test.each([
    ['a digest', `${UNPUBLISHED_LINE}\n${PINNED_LINE}`],
    ['a tag', `${UNPUBLISHED_LINE}\n      tag: main`],
  ])('published: false beside %s is refused: exactly one reference', (_name, lines) => {
    expect(refusal(edited(PINNED_LINE, lines))).toMatch(
      /environment "production": delivery: must name exactly one of tag .*, digest .* and published: false/,
    );
  });

  test('is written with its Kustomization suspended and no source: no placeholder reaches the output', () => {
    const { tree, workflows } = synthesized(UNPUBLISHED);
    expect(tree.has('flux/production/source.yaml')).toBe(false);
    const [kustomization] = objectsIn(tree, 'flux/production/policies.yaml');
    expect(kustomization.spec.suspend).toBe(true);
    expect(kustomization.spec.sourceRef).toEqual({ kind: 'OCIRepository', name: 'guardrails-policies' });
    expect(objectsIn(tree, 'flux/production/kustomization.yaml')[0].resources).toEqual(['policies.yaml']);
    for (const object of objectsIn(tree, 'flux/production/policies.yaml')) expect(validateObject(object)).toEqual([]);
    // Its policies are still published with the artifact, for the first promotion to carry them.
    expect(tree.has('production/verify-image-signatures.yaml')).toBe(true);
    const workflow = [...workflows.values()][0];
    expect(workflow).toContain('production (not yet published: promote to publish)');
    expect(workflow).toContain('npm run promote -- --from develop --to production');
    const published = objectsIn(synthesized().tree, 'flux/production/policies.yaml')[0];
    expect(published.spec.suspend).toBeUndefined();
  });

  test('the first promotion sets the digest and removes the marker: one line, then a verified, running source', () => {
    const dir = tempDir();
    const config = join(dir, 'environments.yaml');
    writeFileSync(config, UNPUBLISHED);
    const digest = testDigest('the first artifact');
    const reports = join('test', 'fixtures', 'reports', 'clean.json');
    const args = ['--from', 'develop', '--to', 'production', '--digest', digest, '--reports', reports];
    const { code, out } = runCli('promote', '--config', config, '--outdir', join(dir, 'dist'), ...args);
    expect(code).toBe(0);
    expect(out).toContain('(its first artifact: published: false removed)');
    const before = UNPUBLISHED.split('\n');
    const after = readFileSync(config, 'utf8').split('\n');
    expect(after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]))).toEqual([
      [UNPUBLISHED_LINE, `      digest: ${digest} # the first promotion pins a digest here`],
    ]);
    expect(parse(readFileSync(join(dir, 'dist/flux/production/source.yaml'), 'utf8')).spec.ref).toEqual({ digest });
    expect(parse(readFileSync(join(dir, 'dist/flux/production/policies.yaml'), 'utf8')).spec.suspend).toBeUndefined();
  });

  test('is no source of a promotion, and has no readiness to judge', () => {
    const dir = tempDir();
    const config = join(dir, 'environments.yaml');
    writeFileSync(config, edited('      tag: main\n', '      digest: ' + testDigest('develop runs') + '\n', UNPUBLISHED));
    const reports = join('test', 'fixtures', 'reports', 'clean.json');
    const promoted = runCli('promote', '--config', config, '--from', 'production', '--to', 'develop', '--reports', reports);
    expect(promoted.code).toBe(1);
    expect(promoted.err).toContain('"production" is not yet published (published: false): it runs no artifact to promote');
    const judged = runCli('readiness', '--config', config, '--env', 'production', '--reports', reports);
    expect(judged.code).toBe(2);
    expect(judged.err).toContain('environment "production" is not yet published');
  });

  test('a placeholder --digest is refused before anything changes', () => {
    const { code, err, text } = (() => {
      const dir = tempDir();
      const config = join(dir, 'environments.yaml');
      writeFileSync(config, UNPUBLISHED);
      const args = ['--from', 'develop', '--to', 'production', '--reports', join('test', 'fixtures', 'reports', 'clean.json')];
      return {
        ...runCli('promote', '--config', config, ...args, '--digest', `sha256:${'0'.repeat(64)}`),
        text: readFileSync(config, 'utf8'),
      };
    })();
    expect(code).toBe(1);
    expect(err).toMatch(/--digest "sha256:0+" has a placeholder digest/);
    expect(text).toBe(UNPUBLISHED);
  });
});

describe('an OCI environment whose publisher signs with a private Sigstore instance (test/fixtures/private-sigstore.yaml)', () => {
  const synthesis = synthesize(loadConfig(PRIVATE_SIGSTORE_CONFIG));
  const [source] = objectsIn(synthesis.tree, 'flux/corp/source.yaml');

  test("its OCIRepository verifies against the instance's trusted root, from a Secret synth never writes", () => {
    expect(source.spec.verify.trustedRootSecretRef).toEqual({ name: 'corp-sigstore-trusted-root' });
    expect(validateObject(source)).toEqual([]);
    const secrets = [...synthesis.tree.values(), ...synthesis.workflows.values()].filter((text) => /^kind: Secret$/m.test(text));
    expect(secrets).toEqual([]);
  });

  test('its workflow signs against the same instance: its Fulcio, Rekor and TSA, the SCT checked with its CT log key', async () => {
    const [[path, content]] = synthesis.workflows;
    const { errors, workflow } = await checkedWorkflow(path, content);
    expect(errors).toEqual([]);
    const publish = workflow.jobs.publish.steps.at(-1);
    expect(publish.env).toEqual({
      ARTIFACT: 'ghcr.io/acme/guardrails-policies',
      FULCIO_URL: 'https://fulcio.sigstore.test',
      REKOR_URL: 'https://rekor.sigstore.test',
      TSA_URL: 'https://tsa.sigstore.test/api/v1/timestamp',
      // As the config names it: the workflow runs where the config is, at the repository's root.
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: 'sigstore/ctfe.pub',
    });
    expect(publish.run).toContain(
      'cosign sign --yes --use-signing-config=false --fulcio-url "${FULCIO_URL}" --rekor-url "${REKOR_URL}" --timestamp-server-url "${TSA_URL}" "${ARTIFACT}@${digest}"',
    );
  });

  test('trusted-root prints the trusted root the policies embed, for the Secret', () => {
    const { code, out } = runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'corp-sigstore');
    expect(code).toBe(0);
    const [policy] = objectsIn(synthesis.tree, 'corp-next/verify-image-signatures.yaml');
    expect(`${out}\n`).toBe(policy.spec.attestors[0].cosign.trustedRoot.value);
  });

  test('trusted-root refuses a name no environment uses, and the public instance', () => {
    expect(runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'nowhere')).toMatchObject({
      code: 1,
      err: expect.stringContaining(
        'environment of test/fixtures/private-sigstore.yaml uses a trust root "nowhere" (used: lab-ca, corp-sigstore, corp-trusted-root, public)',
      ),
    });
    expect(runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'public').code).toBe(1);
  });
});
