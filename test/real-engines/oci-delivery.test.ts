import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isGenerated, WORKFLOWS_DIR } from '../../src/model/layout';
import { tempDir } from '../helpers';
import { admissionEnvironments, privateTrustRootByFiles, startPrivateSigstore } from './support/matrix';
import type { LocalRegistry } from './support/registry';
import { mustSucceed, runProgram, runTool, toolPath } from './support/run';
import type { Identity, PrivateSigstore } from './support/sigstore';

/**
 * The OCI delivery path of the shipped sample, end to end on the test registry: the publishing workflow's own
 * script (read from the committed workflow) pushes dist/ with the Flux CLI and signs it with cosign v3, as the
 * workflow's installer does (cosign v3.0.6 there, v3.1.3 here): a Sigstore bundle stored as an OCI referrer, signed
 * with the private Sigstore's certificate for the workflow's identity. The artifact is then verified as
 * source-controller verifies one whose publisher's instance is private: against a Sigstore trusted_root.json (the
 * one the product builds for that instance) with exactly the identity the committed OCIRepository requires; an
 * artifact signed by another identity is refused. What needs a cluster is not proven here: source-controller's own
 * verification (which, unlike this private Sigstore, requires a transparency log entry and an SCT) and pull.
 */

const PUBLISH_STEP = /flux push artifact/;

/** The committed publishing workflow's publish step: its script and the artifact it names. */
function publishStep(): { script: string; artifact: string } {
  const files = readdirSync(WORKFLOWS_DIR).filter((file) => isGenerated(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')));
  const steps = files.flatMap((file) =>
    Object.values<any>(parse(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')).jobs).flatMap((job) => job.steps),
  );
  const [step, ...others] = steps.filter((s) => PUBLISH_STEP.test(s.run ?? ''));
  if (!step || others.length > 0) throw new Error(`expected one publish step in ${WORKFLOWS_DIR}, found ${others.length + (step ? 1 : 0)}`);
  return { script: step.run, artifact: step.env.ARTIFACT };
}

/** The identity every OCIRepository of the sample requires (`spec.verify.matchOIDCIdentity`), as regexps. */
function requiredIdentities(): { issuer: string; subject: string }[] {
  const sources = readdirSync('dist/flux', { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .flatMap((entry) => parseAllDocuments(readFileSync(join(entry.parentPath, entry.name), 'utf8')).map((doc) => doc.toJS()))
    .filter((object) => object?.kind === 'OCIRepository');
  const identities = sources.flatMap((source) => source.spec.verify.matchOIDCIdentity);
  return [...new Map(identities.map((identity) => [JSON.stringify(identity), identity])).values()];
}

/** An identity that matches the regexps: the publishing workflow itself (the regexps are anchored literals). */
function identityMatching(required: { issuer: string; subject: string }): Identity {
  const literal = (regexp: string) => regexp.replace(/^\^/, '').replace(/\$$/, '').replace(/\\(.)/g, '$1');
  return { issuer: literal(required.issuer), subject: literal(required.subject) };
}

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
/** The private Sigstore's trusted_root.json, as the product builds it (`npm run trusted-root`): what Flux is given. */
let trustedRoot: string;

beforeAll(async () => {
  // The script reads `flux push artifact`'s JSON with jq, as flux's own example does (flux2 cmd/flux/push_artifact.go).
  const jq = await runProgram('jq', ['--version']).catch(() => undefined);
  if (jq?.code !== 0)
    throw new Error("jq is not on PATH: the publishing workflow's script needs it (Debian package jq; .ci/run installs it)");
  ({ registry, sigstore } = await startPrivateSigstore());
  const dir = tempDir();
  const instance = privateTrustRootByFiles(admissionEnvironments(dir, registry, sigstore).environments);
  trustedRoot = join(dir, 'trusted_root.json');
  writeFileSync(trustedRoot, instance.trustedRoot!);
});

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

/**
 * Runs the workflow's publish script with the built Flux CLI and a cosign v3 that signs as `identity` with the
 * private Sigstore: its `cosign sign` gets the workflow's own arguments, and instead of a certificate from Fulcio
 * the key and certificate of the private CA, no transparency log and no signing config (which cosign v3 would
 * otherwise read from the public TUF repository). The artifact goes to the registry at `host`. Returns the pushed
 * artifact by digest.
 */
async function publish(identity: Identity, host = registry.host): Promise<string> {
  const { script, artifact } = publishStep();
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  symlinkSync(toolPath('flux'), join(bin, 'flux'));
  const signer = await sigstore.signer(identity);
  const cosign = toolPath('cosign-v3');
  writeFileSync(
    join(bin, 'cosign'),
    [
      '#!/bin/sh',
      `[ "$1" = sign ] || exec ${cosign} "$@"`,
      'shift',
      `exec ${cosign} sign --key ${signer.key} --certificate ${signer.certificate} --tlog-upload=false --use-signing-config=false "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'cosign'), 0o755);
  const repository = `${host}/${artifact.split('/').slice(1).join('/')}`;
  const ran = mustSucceed(
    await runProgram('bash', ['-c', script], {
      cwd: resolve('.'),
      env: {
        ...registry.env,
        COSIGN_PASSWORD: '',
        PATH: `${bin}:${process.env.PATH}`,
        ARTIFACT: repository,
        GITHUB_SHA: [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join(''),
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/guardrails',
        GITHUB_REF_NAME: 'main',
        GITHUB_STEP_SUMMARY: join(tempDir(), 'summary.md'),
      },
    }),
    'the publishing workflow script',
  );
  const published = /published and signed (\S+@sha256:[0-9a-f]{64})/.exec(ran.stdout)?.[1];
  if (!published) throw new Error(`the publish script did not print what it published:\n${ran.output}`);
  return published;
}

/**
 * `cosign verify` (v3) with the regexps of an OCIRepository's matchOIDCIdentity, against the private Sigstore's
 * trusted root; its transparency log and SCT checks are skipped, as that Sigstore has neither log.
 */
function verifyAs(required: { issuer: string; subject: string }, artifact: string) {
  return runTool(
    'cosign-v3',
    [
      'verify',
      ...['--certificate-identity-regexp', required.subject, '--certificate-oidc-issuer-regexp', required.issuer],
      ...['--trusted-root', trustedRoot, '--insecure-ignore-tlog', '--insecure-ignore-sct', artifact],
    ],
    { env: registry.env },
  );
}

describe('OCI delivery: the publishing workflow pushes and signs, the OCIRepository identity verifies', () => {
  it('pushes dist/ with flux push artifact, tags it, and the signature verifies with the identity every OCIRepository requires', async () => {
    const [required, ...more] = requiredIdentities();
    expect(more, 'one publishing identity in the sample').toEqual([]);
    const artifact = await publish(identityMatching(required));
    const verified = await verifyAs(required, artifact);
    expect(verified.code, verified.output).toBe(0);
    // Signed as cosign v3 signs by default: a Sigstore bundle (an OCI referrer), not a legacy `.sig` tag.
    const tags = mustSucceed(await runTool('crane', ['ls', artifact.split('@')[0]], { env: registry.env }), 'crane ls').stdout;
    expect(tags).not.toMatch(/\.sig$/m);
    // The tag the staging OCIRepository follows points at the signed digest.
    const tagged = await runTool('crane', ['digest', `${artifact.split('@')[0]}:main`], { env: registry.env });
    expect(tagged.stdout.trim()).toBe(artifact.split('@')[1]);
    // The artifact holds what Flux applies: dist/ as the Kustomizations' paths read it.
    const pulled = tempDir();
    mustSucceed(
      await runTool('flux', ['pull', 'artifact', `oci://${artifact}`, '--output', pulled], { env: registry.env }),
      'flux pull artifact',
    );
    for (const env of ['staging', 'production'])
      expect(readdirSync(join(pulled, env)).sort()).toEqual(readdirSync(join('dist', env)).sort());
  });

  it('on a registry without the OCI referrers API, the bundle is kept in the referrers tag and verifies the same', async () => {
    const [required] = requiredIdentities();
    const artifact = await publish(identityMatching(required), registry.hostWithoutReferrers);
    const tags = mustSucceed(await runTool('crane', ['ls', artifact.split('@')[0]], { env: registry.env }), 'crane ls').stdout;
    expect(tags.split('\n')).toContain(artifact.split('@')[1].replace(':', '-'));
    const verified = await verifyAs(required, artifact);
    expect(verified.code, verified.output).toBe(0);
  });

  it('refuses an artifact signed by another identity', async () => {
    const [required] = requiredIdentities();
    const fork = identityMatching(required);
    const artifact = await publish({ ...fork, subject: fork.subject.replace('/acme/', '/acme-fork/') });
    const verified = await verifyAs(required, artifact);
    expect(verified.code).not.toBe(0);
    expect(verified.output).toMatch(/no matching CertificateIdentity found/);
  });
});
