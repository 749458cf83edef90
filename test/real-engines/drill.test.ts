import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Environment } from '../../src/model/environment';
import { drillDirectory, KYVERNO_TEST_FILE } from '../../src/model/layout';
import { synthesizeTree } from '../../src/synthesize';
import { tempDir } from '../helpers';
import { checkOf, decidableOffline, predicateFor, trustPrivateSigstore } from './support/admission';
import { writeObjects, writeTree } from './support/kyverno';
import { admissionEnvironments, imageCases } from './support/matrix';
import { LocalRegistry } from './support/registry';
import { runTool } from './support/run';
import { PrivateSigstore } from './support/sigstore';

/**
 * The synthesized admission drill, run as users run it: `kyverno test --registry` on dist/drill/<env>/, whose
 * kyverno-test.yaml states what each guardrail must decide for the signed, unsigned and foreign images. Here the
 * images are real: the signed one is signed and carries every attestation the config requires, fresh.
 */

const PLANNED = admissionEnvironments(tempDir(), 'localhost:5000').environments;

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
let environments: Environment[];
let dist: string;

beforeAll(async () => {
  registry = await LocalRegistry.start();
  sigstore = await PrivateSigstore.create(registry.env);
  const { environments: planned } = admissionEnvironments(tempDir(), registry.host);
  const { trusted } = imageCases(planned, registry.host);
  const signed = await registry.pushRandomImage(`${registry.host}/acme/drill-signed`);
  await sigstore.sign(signed, trusted, 'legacy');
  const attestations = new Map(
    planned.flatMap((env) =>
      [...env.policies.keys()].flatMap((policy) => {
        const resolved = checkOf(env, policy);
        return resolved.check === 'imageVerification' && resolved.definition.attestation
          ? [[resolved.definition.attestation.predicateType, resolved.definition.attestation] as const]
          : [];
      }),
    ),
  );
  for (const [predicateType, check] of attestations) await sigstore.attest(signed, trusted, 'legacy', predicateType, predicateFor(check));
  const unsigned = await registry.pushRandomImage(`${registry.host}/acme/drill-unsigned`);
  const foreign = (await registry.pushRandomImage(`${registry.host}/elsewhere/drill-foreign`)).replace(registry.host, registry.otherHost);
  environments = admissionEnvironments(tempDir(), registry.host, { signed, unsigned, foreign }).environments;
  dist = join(tempDir(), 'dist');
  const tree = synthesizeTree(environments);
  writeTree(tree, dist);
  // TEMPORARY trust fields (see trustPrivateSigstore), written over the policies the drill's test file names.
  for (const env of environments)
    for (const policy of env.policies.keys()) {
      const file = join(dist, env.name, `${policy}.yaml`);
      const objects = parseAllDocuments(tree.get(`${env.name}/${policy}.yaml`)!).map((doc) => doc.toJS());
      writeObjects(
        file,
        objects.map((object) => trustPrivateSigstore(object, sigstore.rootPem)),
      );
    }
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

describe('the admission drill passes kyverno test --registry (Kyverno CLI v1.19.0)', () => {
  for (const planned of PLANNED) {
    const offline = [...planned.policies.keys()].every((policy) => decidableOffline(planned, policy));
    (offline ? it : it.skip)(`${planned.name} (${planned.engine})`, async () => {
      const env = environments.find((e) => e.name === planned.name)!;
      const dir = join(dist, drillDirectory(env.name));
      const ran = await runTool('kyverno', ['test', dir, '--registry', '--remove-color', '--require-tests', '--detailed-results'], {
        env: registry.env,
      });
      expect(ran.output, `${KYVERNO_TEST_FILE} of ${env.name}`).toMatch(/Test Summary: \d+ tests passed and 0 tests failed/);
      expect(ran.code, ran.output).toBe(0);
    });
  }
});
