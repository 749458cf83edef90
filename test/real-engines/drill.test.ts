import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/model/environment';
import { drillDirectory, KYVERNO_TEST_FILE } from '../../src/model/layout';
import { synthesizeTree } from '../../src/synthesize';
import { tempDir } from '../helpers';
import { checkOf, predicateFor } from './support/admission';
import { writeTree } from './support/kyverno';
import { admissionEnvironments, imageCases, plannedAdmissionEnvironments, startPrivateSigstore } from './support/matrix';
import type { LocalRegistry } from './support/registry';
import { runTool } from './support/run';
import { FOR_BOTH_ENGINES, type PrivateSigstore } from './support/sigstore';

/**
 * The synthesized admission drill, run as users run it: `kyverno test --registry` on dist/drill/<env>/, whose
 * kyverno-test.yaml states what each guardrail must decide for the signed, unsigned and foreign images. Here the
 * images are real: the signed one is signed and carries every attestation the config requires, fresh.
 */

const PLANNED = plannedAdmissionEnvironments();

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
let environments: Environment[];
let dist: string;

beforeAll(async () => {
  ({ registry, sigstore } = await startPrivateSigstore());
  const { environments: planned } = admissionEnvironments(tempDir(), registry, sigstore);
  const { trusted } = imageCases(planned, registry.host);
  const signed = await registry.pushRandomImage(`${registry.host}/acme/drill-signed`);
  await sigstore.sign(signed, trusted, FOR_BOTH_ENGINES);
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
  for (const [predicateType, check] of attestations)
    await sigstore.attest(signed, trusted, FOR_BOTH_ENGINES, predicateType, predicateFor(check));
  const unsigned = await registry.pushRandomImage(`${registry.host}/acme/drill-unsigned`);
  const foreign = (await registry.pushRandomImage(`${registry.host}/elsewhere/drill-foreign`)).replace(registry.host, registry.otherHost);
  environments = admissionEnvironments(tempDir(), registry, sigstore, { signed, unsigned, foreign }).environments;
  dist = join(tempDir(), 'dist');
  writeTree(synthesizeTree(environments), dist);
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

describe('the admission drill passes kyverno test --registry (Kyverno CLI v1.19.0)', () => {
  for (const planned of PLANNED) {
    it(`${planned.name} (${planned.engine})`, async () => {
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
