import type { FieldPath } from './field-path';

/**
 * Which config fields set each field synth writes into the output directory: one table for every engine and for
 * the Flux objects and the drill, so a message can tell someone who edited a generated file which setting of
 * `environments.yaml` to change instead. Config fields are named as written inside an environment;
 * `policies.<policy>` stands for the guardrail the object renders. test/model/config-sources.test.ts changes each
 * config field and checks that every output field that changes is listed here under it.
 */
export interface ConfigSource {
  /** Output fields as {@link outputFieldKey} spells them; a trailing `.**` covers everything below. */
  readonly fields: readonly string[];
  /** The kinds whose objects hold these fields; every kind when absent. */
  readonly kinds?: readonly string[];
  /** The environment's config fields that set them. */
  readonly config: readonly string[];
}

/** The guardrail kinds of both engines. */
const POLICY_KINDS = ['ClusterPolicy', 'ImageValidatingPolicy', 'ValidatingPolicy'];
/** A signer's field, as the image signer and the provenance signer set it. */
const signerField = (field: string) => [`signer.${field}`, `provenance.signer.${field}`];
/** A keyless attestor's field in a ClusterPolicy, for signatures and for attestations. */
const keyless = (field: string) => [
  `spec.rules[].verifyImages[].attestors[].entries[].keyless.${field}`,
  `spec.rules[].verifyImages[].attestations[].attestors[].entries[].keyless.${field}`,
];

export const CONFIG_SOURCES: readonly ConfigSource[] = [
  { kinds: POLICY_KINDS, fields: ['metadata.labels["guardrails/environment"]'], config: ['name'] },
  {
    kinds: POLICY_KINDS,
    fields: [
      'spec.rules[].verifyImages[].imageReferences[]',
      // One entry per spelling of the images the patterns name: a glob, or an expression (src/model/image-spellings.ts).
      'spec.matchImageReferences[]',
      'spec.matchImageReferences[].glob',
      'spec.matchImageReferences[].expression',
    ],
    config: ['imagePatterns'],
  },
  {
    kinds: POLICY_KINDS,
    fields: [
      ...keyless('issuer'),
      'spec.attestors[].cosign.keyless.identities[].issuer',
      'spec.attestors[].cosign.keyless.identities[].issuerRegExp',
    ],
    config: signerField('issuer'),
  },
  {
    kinds: POLICY_KINDS,
    fields: [...keyless('subject'), 'spec.attestors[].cosign.keyless.identities[].subjectRegExp'],
    config: signerField('subject'),
  },
  { kinds: POLICY_KINDS, fields: [...keyless('rekor.url'), 'spec.attestors[].cosign.ctlog.url'], config: signerField('rekorUrl') },
  // A signer's trust root: its instance's roots, logs and switches (trustRoots.<name> holds the instance itself).
  {
    kinds: POLICY_KINDS,
    fields: [
      ...keyless('roots'),
      ...keyless('rekor.**'),
      ...keyless('ctlog.**'),
      'spec.attestors[].cosign.keyless.roots',
      'spec.attestors[].cosign.ctlog.**',
      'spec.attestors[].cosign.trustedRoot.**',
      'spec.attestors[].cosign.tuf.**',
    ],
    config: ['trustRoot', ...signerField('trustRoot')],
  },
  // The registry restriction's CEL and messages name the allowed images; an image verification's name the signer and the attestation's conditions.
  {
    kinds: ['ClusterPolicy', 'ValidatingPolicy'],
    fields: [
      'spec.rules[].validate.cel.expressions[].expression',
      'spec.rules[].validate.cel.expressions[].message',
      'spec.validations[].expression',
      'spec.validations[].message',
    ],
    config: ['imagePatterns', 'thirdPartyImages'],
  },
  {
    kinds: ['ImageValidatingPolicy'],
    fields: ['spec.validations.**'],
    config: [
      ...signerField('subject'),
      ...signerField('issuer'),
      'sbom.format',
      'sbom.maxAge',
      'provenance.builderIds',
      'provenance.sourceRepositories',
    ],
  },
  {
    kinds: POLICY_KINDS,
    fields: [
      'spec.rules[].verifyImages[].attestations[].type',
      'spec.attestations[].intoto.type',
      'metadata.annotations["policies.kyverno.io/title"]',
      'metadata.annotations["policies.kyverno.io/description"]',
    ],
    config: ['sbom.format', 'sbom.maxAge'],
  },
  // A provenance condition's default builder and source repository derive from the signer's subject.
  {
    kinds: POLICY_KINDS,
    fields: ['spec.rules[].verifyImages[].attestations[].conditions.**'],
    config: ['sbom.maxAge', 'provenance.builderIds', 'provenance.sourceRepositories', ...signerField('subject')],
  },
  {
    kinds: POLICY_KINDS,
    fields: [
      'metadata.labels["guardrails/phase"]',
      'spec.rules[].verifyImages[].failureAction',
      'spec.rules[].verifyImages[].mutateDigest',
      'spec.rules[].verifyImages[].verifyDigest',
      'spec.rules[].validate.failureAction',
      'spec.validationActions[]',
      'spec.validationConfigurations.mutateDigest',
      'spec.validationConfigurations.verifyDigest',
    ],
    config: ['policies.<policy>.phase'],
  },
  {
    kinds: POLICY_KINDS,
    fields: ['spec.webhookConfiguration.failurePolicy', 'spec.failurePolicy'],
    config: ['webhook.failurePolicy', 'policies.<policy>.phase'],
  },
  { kinds: POLICY_KINDS, fields: ['spec.webhookConfiguration.timeoutSeconds'], config: ['webhook.timeoutSeconds'] },
  { kinds: POLICY_KINDS, fields: ['spec.rules[].match.any[].resources.namespaces.**'], config: ['namespaces'] },
  {
    kinds: POLICY_KINDS,
    fields: ['spec.rules[].exclude.any[].resources.namespaces.**'],
    config: ['excludeNamespaces', 'systemNamespaces', 'kyvernoNamespace'],
  },
  {
    kinds: POLICY_KINDS,
    fields: ['spec.matchConstraints.namespaceSelector.**'],
    config: ['namespaces', 'excludeNamespaces', 'systemNamespaces', 'kyvernoNamespace'],
  },
  // The Flux objects.
  { kinds: ['Kustomization'], fields: ['spec.interval'], config: ['flux.interval'] },
  { kinds: ['Kustomization'], fields: ['spec.retryInterval'], config: ['flux.retryInterval'] },
  { kinds: ['Kustomization'], fields: ['spec.timeout'], config: ['flux.timeout'] },
  { kinds: ['Kustomization'], fields: ['spec.dependsOn[].name'], config: ['flux.kyvernoKustomization'] },
  { kinds: ['Kustomization'], fields: ['spec.sourceRef.**'], config: ['flux.sourceRef', 'flux.gitRepository.name', 'delivery.mode'] },
  { kinds: ['GitRepository'], fields: ['spec.url'], config: ['flux.gitRepository.url'] },
  { kinds: ['GitRepository'], fields: ['spec.ref.branch'], config: ['flux.gitRepository.branch'] },
  { kinds: ['GitRepository'], fields: ['spec.interval'], config: ['flux.gitRepository.interval'] },
  { kinds: ['GitRepository'], fields: ['spec.secretRef.name'], config: ['flux.gitRepository.secretRef'] },
  { kinds: ['OCIRepository'], fields: ['spec.url'], config: ['delivery.repository'] },
  { kinds: ['OCIRepository'], fields: ['spec.ref.**'], config: ['delivery.tag', 'delivery.digest'] },
  { kinds: ['OCIRepository'], fields: ['spec.interval'], config: ['delivery.interval'] },
  { kinds: ['OCIRepository'], fields: ['spec.verify.matchOIDCIdentity.**'], config: ['delivery.signer.issuer', 'delivery.signer.subject'] },
  {
    kinds: ['OCIRepository'],
    fields: ['spec.verify.trustedRootSecretRef.**'],
    config: ['delivery.trustedRootSecret', 'delivery.signer.trustRoot', 'trustRoot'],
  },
  // The admission drill.
  {
    kinds: ['Deployment'],
    fields: ['spec.template.spec.containers[].image'],
    config: ['drill.signedImage', 'drill.unsignedImage', 'drill.foreignImage'],
  },
  { kinds: ['Deployment'], fields: ['metadata.namespace'], config: ['namespaces'] },
];

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** A field path as the table spells it: `[]` for any array index, keys that are not plain names in `["…"]`. */
export function outputFieldKey(path: FieldPath): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return '[]';
      if (!PLAIN_KEY.test(segment)) return `[${JSON.stringify(segment)}]`;
      return i === 0 ? segment : `.${segment}`;
    })
    .join('');
}

/** Whether a table entry names the field `key`: the same key, or a `.**` entry above it. */
function covers(entry: string, key: string): boolean {
  if (!entry.endsWith('.**')) return entry === key;
  const prefix = entry.slice(0, -'.**'.length);
  return key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`);
}

/** The config fields that set the field at `path` of an object of `kind`, with `<policy>` filled in; empty when none is known. */
export function configFieldsSetting(kind: string, path: FieldPath, policy?: string): string[] {
  const key = outputFieldKey(path);
  const fields = CONFIG_SOURCES.filter(
    (source) => (source.kinds?.includes(kind) ?? true) && source.fields.some((entry) => covers(entry, key)),
  ).flatMap((source) => source.config);
  return [...new Set(fields.map((field) => (policy === undefined ? field : field.replace('<policy>', policy))))];
}
