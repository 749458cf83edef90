import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { synthesize } from '../../src/synthesize';
import { validateObject } from '../../src/validate';
import { PRIVATE_SIGSTORE_CONFIG, objectsIn, runCli } from '../helpers';

const environments = loadConfig(PRIVATE_SIGSTORE_CONFIG);
const synthesis = synthesize(environments);

describe('an OCI environment whose publisher signs with a private instance', () => {
  const [source] = objectsIn(synthesis.tree, 'flux/corp/source.yaml');

  it("has its OCIRepository verify against the instance's trusted root, from a Secret synth never writes", () => {
    expect(source.spec.verify.trustedRootSecretRef).toEqual({ name: 'corp-sigstore-trusted-root' });
    expect(validateObject(source)).toEqual([]);
    const secrets = [...synthesis.tree.values(), ...synthesis.workflows.values()].filter((text) => /^kind: Secret$/m.test(text));
    expect(secrets).toEqual([]);
  });

  it('has its workflow sign against the same instance: its Fulcio, Rekor and TSA, the SCT checked with its CT log key', async () => {
    const [[path, content]] = synthesis.workflows;
    const parsed = parseWorkflow({ name: path, content }, new NoOperationTraceWriter());
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect([...parsed.context.errors.getErrors(), ...(template.errors ?? [])]).toEqual([]);
    const publish = parse(content).jobs.publish.steps.at(-1);
    expect(publish.env).toEqual({
      ARTIFACT: 'ghcr.io/acme/guardrails-policies',
      FULCIO_URL: 'https://fulcio.sigstore.test',
      REKOR_URL: 'https://rekor.sigstore.test',
      TSA_URL: 'https://tsa.sigstore.test/api/v1/timestamp',
      // As the config names it: the workflow runs where the config is, at the repository's root.
      SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: 'sigstore/ctfe.pub',
    });
    expect(publish.run).toContain(
      'cosign sign --yes --fulcio-url "${FULCIO_URL}" --rekor-url "${REKOR_URL}" --timestamp-server-url "${TSA_URL}" "${ARTIFACT}@${digest}"',
    );
  });
});

describe('trusted-root', () => {
  it('prints the trusted root the policies embed, for the Secret', () => {
    const { code, out } = runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'corp-sigstore');
    expect(code).toBe(0);
    const [policy] = objectsIn(synthesis.tree, 'corp-next/verify-image-signatures.yaml');
    expect(`${out}\n`).toBe(policy.spec.attestors[0].cosign.trustedRoot.value);
  });

  it('refuses a name no environment uses, and the public instance', () => {
    expect(runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'nowhere')).toMatchObject({
      code: 1,
      err: expect.stringContaining(
        'no environment of test/fixtures/private-sigstore.yaml uses a trust root "nowhere" (used: lab-ca, corp-sigstore, corp-trusted-root, public)',
      ),
    });
    expect(runCli('trusted-root', '--config', PRIVATE_SIGSTORE_CONFIG, 'public').code).toBe(1);
  });
});
