import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/model/environment';
import { imageVerificationsOf } from '../../src/policies';
import { synthesizeTree } from '../../src/synthesize';
import { tempDir } from '../helpers';
import { predicateFor } from './support/admission';
import { writeObjects, writeTree } from './support/kyverno';
import { admissionEnvironments, imageCases, startPrivateSigstore } from './support/matrix';
import type { LocalRegistry } from './support/registry';
import { runProgram, runTool, toolPath } from './support/run';
import { FOR_BOTH_ENGINES, type Identity, type PrivateSigstore, type SignatureFormat } from './support/sigstore';

/**
 * `npm run verify -- --run` proves what admission decides: for each engine's enforced environment of the admission
 * config (the private Sigstore by its files for ClusterPolicy, through its TUF repository for the
 * ImageValidatingPolicy engine), and for images signed and attested in each format, the product's cosign commands,
 * run by cosign v3 (the workflow installs a v3), pass exactly when Kyverno admits the image. Where the engine decides
 * otherwise than cosign can, the command says so.
 */

/** The images verified: who signs them, and in which formats. */
const IMAGES: readonly { readonly name: string; readonly signer: 'trusted' | 'other'; readonly formats: readonly SignatureFormat[] }[] = [
  { name: 'both-formats', signer: 'trusted', formats: FOR_BOTH_ENGINES },
  { name: 'legacy', signer: 'trusted', formats: ['legacy'] },
  { name: 'bundle', signer: 'trusted', formats: ['bundle'] },
  { name: 'other-identity', signer: 'other', formats: FOR_BOTH_ENGINES },
];

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
let config: string;
let environments: Environment[];
/** The pushed image of each entry of IMAGES, by name. */
const images = new Map<string, string>();
/** Whether Kyverno admits each image in each environment: `<env> <image name>` → every verification passed. */
const admitted = new Map<string, boolean>();
let bin: string;

const enforced = (env: Environment) => [...env.policies.values()].every(({ phase }) => phase === 'enforce');

beforeAll(async () => {
  ({ registry, sigstore } = await startPrivateSigstore());
  const dir = tempDir();
  ({ file: config, environments } = admissionEnvironments(dir, registry, sigstore));
  environments = environments.filter(enforced);
  const { trusted } = imageCases(environments, registry.host);
  const other: Identity = { ...trusted, subject: trusted.subject.replace('/acme/', '/acme-fork/') };
  const attestations = new Map(
    environments.flatMap((env) =>
      imageVerificationsOf(env).flatMap(({ attestation }) => (attestation ? [[attestation.predicateType, attestation] as const] : [])),
    ),
  );
  for (const { name, signer, formats } of IMAGES) {
    const image = await registry.pushRandomImage(`${registry.host}/acme/verify-${name}`);
    const identity = signer === 'trusted' ? trusted : other;
    await sigstore.sign(image, identity, formats);
    for (const [type, check] of attestations) await sigstore.attest(image, identity, formats, type, predicateFor(check));
    images.set(name, image);
  }
  // Kyverno's verdict: every image verification policy of the environment, applied to a Pod of each image.
  writeTree(synthesizeTree(environments), dir);
  const pods = writeObjects(
    join(dir, 'pods.yaml'),
    IMAGES.map(({ name }) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'app', image: images.get(name) }] },
    })),
  );
  for (const env of environments)
    for (const { name: policy } of imageVerificationsOf(env)) {
      const args = ['apply', join(dir, env.name, `${policy}.yaml`), '--resource', pods, '--registry', '-p', '--output-format', 'json'];
      const ran = await runTool('kyverno', args, { env: registry.env });
      const results: any[] = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{'))).results ?? [];
      for (const { name } of IMAGES) {
        const own = results.filter((r) => r.resources[0].name === name);
        const key = `${env.name} ${name}`;
        admitted.set(key, (admitted.get(key) ?? true) && own.length > 0 && own.every((r) => r.result === 'pass'));
      }
    }
  // `cosign` on PATH is cosign v3.
  bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(toolPath('cosign-v3'), join(bin, 'cosign'));
}, 900_000);

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

describe('verify --run passes exactly when Kyverno admits (cosign v3.1.3, Kyverno CLI v1.19.0)', () => {
  it('each engine admits one of the images and refuses another, so the comparison decides something', () => {
    for (const env of environments) {
      const verdicts = IMAGES.map(({ name }) => admitted.get(`${env.name} ${name}`));
      expect(verdicts, env.name).toContain(true);
      expect(verdicts, env.name).toContain(false);
    }
  });

  for (const engine of ['ClusterPolicy', 'ImageValidatingPolicy'] as const)
    for (const { name } of IMAGES)
      it(`${engine}: image signed ${name}`, async () => {
        const env = environments.find((e) => e.engine === engine)!;
        const ran = await runProgram(
          process.execPath,
          ['scripts/run.mjs', 'verify', '--config', config, '--env', env.name, images.get(name)!, '--run'],
          {
            env: { ...registry.env, PATH: `${bin}:${process.env.PATH}` },
          },
        );
        const kyverno = admitted.get(`${env.name} ${name}`);
        expect(kyverno, 'Kyverno judged the image').toBeDefined();
        expect([0, 1], ran.output).toContain(ran.code);
        const passed = ran.code === 0;
        if (passed && !kyverno) {
          // cosign accepts what the engine refuses: the command must have said why.
          expect(ran.stdout, `verify passed, Kyverno refused:\n${ran.output}`).toMatch(/^note: .*\(kyverno\/kyverno#17109\)$/m);
        } else {
          expect(passed, `verify ${passed ? 'passed' : 'failed'}, Kyverno ${kyverno ? 'admitted' : 'refused'}:\n${ran.output}`).toBe(
            kyverno,
          );
        }
      });
});
