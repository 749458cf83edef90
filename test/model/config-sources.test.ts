import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { configFieldsSetting, outputFieldKey } from '../../src/model/config-sources';
import type { Environment } from '../../src/model/environment';
import { differingFields } from '../../src/output/hand-edits';
import { synthesizeTree } from '../../src/synthesize';
import { publicTrustRoot } from '../../src/model/trust-root';
import { MIXED_ENGINES_CONFIG, PRIVATE_SIGSTORE_CONFIG, THREE_ENVIRONMENTS_CONFIG } from '../helpers';

/** A private Sigstore instance of the fixture, as the environments that use it resolve it. */
const CORP_TRUST_ROOT = loadConfig(PRIVATE_SIGSTORE_CONFIG).find((env) => env.name === 'corp')!.signer.trustRoot;

type Edit = (env: Environment) => Environment;
const OCI_CONFIG = 'test/fixtures/oci-delivery.yaml';
const DIGEST = `sha256:${'5'.repeat(64)}`;

/** One config field and an edit of it, applied to every environment of the configs named (engine as configured, or switched). */
const EDITS: ReadonlyArray<[string, Edit, readonly string[]]> = [
  // An official image by digest: its familiar spelling is an ImageValidatingPolicy `expression` (src/model/image-spellings.ts).
  ['imagePatterns', (e) => ({ ...e, imagePatterns: ['docker.io/library/nginx@*'] }), [THREE_ENVIRONMENTS_CONFIG]],
  ['thirdPartyImages', (e) => ({ ...e, thirdPartyImages: ['docker.io/library/busybox:*'] }), [THREE_ENVIRONMENTS_CONFIG]],
  ['signer.issuer', (e) => ({ ...e, signer: { ...e.signer, issuer: 'https://gitlab.example.com' } }), [THREE_ENVIRONMENTS_CONFIG]],
  ['signer.subject', (e) => ({ ...e, signer: { ...e.signer, subject: 'https://github.com/other/*' } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'signer.rekorUrl',
    (e) => ({ ...e, signer: { ...e.signer, trustRoot: publicTrustRoot('https://rekor.example.com') } }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  ['signer.trustRoot', (e) => ({ ...e, signer: { ...e.signer, trustRoot: CORP_TRUST_ROOT } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'delivery.signer.trustRoot',
    (e) =>
      e.delivery.mode === 'oci'
        ? {
            ...e,
            delivery: {
              ...e.delivery,
              trustedRootSecret: 'corp-trusted-root',
              signer: { ...e.delivery.signer, trustRoot: CORP_TRUST_ROOT },
            },
          }
        : e,
    [OCI_CONFIG],
  ],
  ['namespaces', (e) => ({ ...e, namespaces: ['other'] }), [THREE_ENVIRONMENTS_CONFIG]],
  ['excludeNamespaces', (e) => ({ ...e, excludeNamespaces: [...e.excludeNamespaces, 'zz-extra'] }), [THREE_ENVIRONMENTS_CONFIG]],
  ['webhook.timeoutSeconds', (e) => ({ ...e, webhook: { ...e.webhook, timeoutSeconds: 20 } }), [THREE_ENVIRONMENTS_CONFIG]],
  ['webhook.failurePolicy', (e) => ({ ...e, webhook: { ...e.webhook, failurePolicy: 'Fail' } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'policies.<policy>.phase',
    (e) => ({
      ...e,
      policies: new Map([...e.policies].map(([name, { phase }]) => [name, { phase: phase === 'audit' ? 'enforce' : 'audit' }])),
    }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  ['sbom.format', (e) => ({ ...e, sbom: { ...e.sbom, format: 'cyclonedx' } }), [THREE_ENVIRONMENTS_CONFIG]],
  ['sbom.maxAge', (e) => ({ ...e, sbom: { ...e.sbom, maxAgeSeconds: 86_400 } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'provenance.builderIds',
    (e) => ({ ...e, provenance: { ...e.provenance, builderIds: ['https://github.com/other/*'] } }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  [
    'provenance.sourceRepositories',
    (e) => ({ ...e, provenance: { ...e.provenance, sourceRepositories: ['https://github.com/other/*'] } }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  [
    'provenance.signer.subject',
    (e) => ({ ...e, provenance: { ...e.provenance, provenanceSigner: { ...e.signer, subject: 'https://github.com/slsa/*' } } }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  ['flux.interval', (e) => ({ ...e, flux: { ...e.flux, interval: '7m' } }), [THREE_ENVIRONMENTS_CONFIG]],
  ['flux.retryInterval', (e) => ({ ...e, flux: { ...e.flux, retryInterval: '7m' } }), [THREE_ENVIRONMENTS_CONFIG]],
  ['flux.timeout', (e) => ({ ...e, flux: { ...e.flux, timeout: '7m' } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'flux.kyvernoKustomization',
    (e) => ({ ...e, flux: { ...e.flux, kyvernoKustomization: 'kyverno-system' } }),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  ['flux.sourceRef', (e) => ({ ...e, flux: { ...e.flux, sourceRef: 'platform' } }), [THREE_ENVIRONMENTS_CONFIG]],
  [
    'flux.gitRepository.url',
    (e) =>
      e.flux.gitRepository
        ? { ...e, flux: { ...e.flux, gitRepository: { ...e.flux.gitRepository, url: 'https://git.example.com/x' } } }
        : e,
    [MIXED_ENGINES_CONFIG],
  ],
  [
    'flux.gitRepository.secretRef',
    (e) => (e.flux.gitRepository ? { ...e, flux: { ...e.flux, gitRepository: { ...e.flux.gitRepository, secretRef: 'other-auth' } } } : e),
    [MIXED_ENGINES_CONFIG],
  ],
  [
    'drill.signedImage',
    (e) => (e.drill ? { ...e, drill: { ...e.drill, signedImage: `ghcr.io/acme/other@${DIGEST}` } } : e),
    [THREE_ENVIRONMENTS_CONFIG],
  ],
  [
    'delivery.repository',
    (e) => (e.delivery.mode === 'oci' ? { ...e, delivery: { ...e.delivery, repository: 'ghcr.io/acme/other' } } : e),
    [OCI_CONFIG],
  ],
  [
    'delivery.digest',
    (e) => (e.delivery.mode === 'oci' && 'digest' in e.delivery.ref ? { ...e, delivery: { ...e.delivery, ref: { digest: DIGEST } } } : e),
    [OCI_CONFIG],
  ],
  ['delivery.interval', (e) => (e.delivery.mode === 'oci' ? { ...e, delivery: { ...e.delivery, interval: '7m' } } : e), [OCI_CONFIG]],
];

/** Every field that differs between two renderings of the configs, with the object it belongs to. */
function changedFields(environments: readonly Environment[], edit: Edit) {
  const before = synthesizeTree(environments);
  const after = synthesizeTree(environments.map(edit));
  return [...before].flatMap(([file, text]) => {
    const edited = after.get(file);
    if (edited === undefined || edited === text) return [];
    const [docs, editedDocs] = [text, edited].map((t) => parseAllDocuments(t).map((doc) => doc.toJS()));
    return docs.flatMap((doc, i) => differingFields(doc, editedDocs[i]).map((path) => ({ file, object: doc, path })));
  });
}

describe('the table of config fields behind each output field', () => {
  const engines = ['ClusterPolicy', 'ImageValidatingPolicy'] as const;
  describe.each(EDITS)('changing %s', (field, edit, configs) => {
    const cases = configs.flatMap((config) => engines.map((engine) => loadConfig(config).map((env) => ({ ...env, engine }))));
    const changes = cases.flatMap((environments) => changedFields(environments, edit));

    it('changes the output', () => {
      expect(changes.length).toBeGreaterThan(0);
    });

    it('changes only fields the table names it for', () => {
      const unlisted = changes
        .filter(
          ({ object, path }) =>
            !configFieldsSetting(object.kind, path, object.metadata?.name).includes(field.replace('<policy>', object.metadata?.name)),
        )
        .map(({ file, object, path }) => `${file}: ${object.kind} ${outputFieldKey(path)}`);
      expect([...new Set(unlisted)]).toEqual([]);
    });
  });

  it('names nothing for a field no config field sets', () => {
    expect(configFieldsSetting('ClusterPolicy', ['spec', 'background'])).toEqual([]);
    expect(configFieldsSetting('ClusterPolicy', ['spec', 'webhookConfiguration', 'timeoutSeconds'])).toEqual(['webhook.timeoutSeconds']);
    // The same field name set by different config fields in different kinds.
    expect(configFieldsSetting('OCIRepository', ['spec', 'url'])).toEqual(['delivery.repository']);
    expect(configFieldsSetting('GitRepository', ['spec', 'url'])).toEqual(['flux.gitRepository.url']);
  });
});
