import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import type { Environment, PolicyName } from '../../../src/model/environment';
import type { AttestationCheck } from '../../../src/policies/definition';
import type { PrivateTrustRoot } from '../../../src/model/trust-root';
import { checkOf, expectedVerdict, predicateFor, type Evidence, type Verdict } from './admission';
import { tempDir } from '../../helpers';
import { LocalRegistry, servedFileUrl } from './registry';
import { PrivateSigstore, TUF_REPOSITORY, type Identity } from './sigstore';

/** The admission matrix's config; `REGISTRY` stands for the test registry's `localhost:PORT`. */
export const ADMISSION_CONFIG = 'test/real-engines/fixtures/admission.yaml';

/** The admission drill's images of a run, by digest. */
export interface DrillImages {
  readonly signed: string;
  readonly unsigned: string;
  readonly foreign: string;
}

/**
 * Writes the admission config for a registry host, the private Sigstore's trust files and the drill's images
 * (placeholders of the right shape when the run has none yet), and loads it.
 */
export function admissionEnvironments(
  dir: string,
  registry: RegistryHosts,
  sigstore: PrivateSigstore,
  drill?: DrillImages,
): { file: string; environments: Environment[] } {
  const registryHost = registry.host;
  // A digest of the right shape that no image has (an all-zero one is refused as a placeholder).
  const placeholder = (repository: string) =>
    `${registryHost}/${repository}@sha256:${createHash('sha256').update(repository).digest('hex')}`;
  const images = drill ?? {
    signed: placeholder('acme/signed'),
    unsigned: placeholder('acme/unsigned'),
    foreign: placeholder('foreign/image'),
  };
  sigstore.writeTrustFiles(dir);
  const file = join(dir, 'environments.yaml');
  const text = readFileSync(ADMISSION_CONFIG, 'utf8')
    .replaceAll('UNSIGNED_IMAGE', images.unsigned)
    .replaceAll('SIGNED_IMAGE', images.signed)
    .replaceAll('FOREIGN_IMAGE', images.foreign)
    .replaceAll('TUF_MIRROR', servedFileUrl(registryHost, TUF_REPOSITORY))
    .replaceAll('REGISTRY_WITHOUT_REFERRERS', registry.hostWithoutReferrers)
    .replaceAll('REGISTRY', registryHost);
  writeFileSync(file, text);
  return { file, environments: loadConfig(file) };
}

/**
 * The admission config's environments as the tests are collected, before any registry runs: the same config, with
 * a private Sigstore made for the purpose (its trust files must exist to be loaded) and the registry's name for a
 * port no run uses. The names of the tests come from these; what they check comes from the run's own config.
 */
export function plannedAdmissionEnvironments(): Environment[] {
  const sigstore = PrivateSigstore.create();
  try {
    return admissionEnvironments(tempDir(), PLANNED_REGISTRY, sigstore).environments;
  } finally {
    sigstore.dispose();
  }
}

/** The registry names a config is written for: those of a LocalRegistry. */
export type RegistryHosts = Pick<LocalRegistry, 'host' | 'hostWithoutReferrers'>;

/** The registry hosts the planned config names. */
export const PLANNED_REGISTRY: RegistryHosts = { host: 'localhost:5000', hostWithoutReferrers: 'localhost:5001' };

/**
 * The registry and private Sigstore of one test file, with the Sigstore's services running: its timestamp
 * authority, and its TUF repository, which publishes the instance the admission config describes by its files for
 * the environments that name it through TUF.
 */
export async function startPrivateSigstore(): Promise<{ registry: LocalRegistry; sigstore: PrivateSigstore }> {
  const registry = await LocalRegistry.start();
  const sigstore = PrivateSigstore.create(registry.env);
  const { environments } = admissionEnvironments(tempDir(), registry, sigstore);
  await sigstore.publish(registry, privateTrustRootByFiles(environments).material!);
  return { registry, sigstore };
}

/** The trust root of the admission config that describes the private Sigstore by its files. */
export function privateTrustRootByFiles(environments: readonly Environment[]): PrivateTrustRoot {
  const described = environments
    .map((env) => env.signer.trustRoot)
    .find((trustRoot) => trustRoot.kind === 'private' && trustRoot.source.form === 'files');
  if (described?.kind !== 'private') throw new Error(`${ADMISSION_CONFIG} describes no private trust root by its files`);
  return described;
}

/** How a case's image is made: where it is pushed, who signs it, which attestations it carries. */
export interface ImageCase {
  readonly name: string;
  /** Repository under the registry host, e.g. `acme/trusted`. */
  readonly repository: string;
  /** Pull the image under the registry's other name (another registry to the policies). */
  readonly otherRegistry?: boolean;
  /** Signed under another CA than the private Sigstore's: certificates no trust root of the config holds. */
  readonly foreignCa?: boolean;
  readonly signer?: Identity;
  readonly attestations: readonly {
    readonly check: AttestationCheck;
    readonly predicate: Record<string, unknown>;
    readonly signer: Identity;
  }[];
}

/** The glob with every `*` filled in: a value the glob matches. */
const instance = (glob: string, filler: string) => glob.replaceAll('*', filler);

/**
 * Every attestation check the environments require, one per predicate type. Environments asking for the same
 * predicate type must ask the same of it (one image carries one attestation of each type).
 */
function attestationChecks(environments: readonly Environment[]): AttestationCheck[] {
  const byType = new Map<string, AttestationCheck>();
  for (const env of environments)
    for (const policy of env.policies.keys()) {
      const resolved = checkOf(env, policy);
      if (resolved.check !== 'imageVerification' || !resolved.definition.attestation) continue;
      const check = resolved.definition.attestation;
      const known = byType.get(check.predicateType);
      if (known && JSON.stringify(known.conditions) !== JSON.stringify(check.conditions))
        throw new Error(`${ADMISSION_CONFIG}: environments ask different things of ${check.predicateType}`);
      byType.set(check.predicateType, check);
    }
  return [...byType.values()];
}

/**
 * The matrix's images, derived from the environments: a trusted image with every attestation fresh; unsigned;
 * signed by another identity; signed by the trusted identity under another CA; each attestation missing; each predicate condition broken (a stale SBOM, a builder
 * or source repository not allowed); the trusted image from another registry; an allowed and a not-allowed
 * third-party image. The identities come from the signer globs (one environment's signer, shared by all).
 */
export function imageCases(environments: readonly Environment[], registryHost: string): { trusted: Identity; cases: ImageCase[] } {
  const [first] = environments;
  // One identity for every environment (each engine trusts the private Sigstore through its own trust root).
  const identity = (env: Environment) => `${env.signer.issuer} ${env.signer.subject}`;
  if (environments.some((env) => identity(env) !== identity(first)))
    throw new Error(`${ADMISSION_CONFIG}: the matrix expects one signer identity for every environment`);
  const trusted: Identity = {
    issuer: first.signer.issuer,
    subject: instance(first.signer.subject, 'app/.github/workflows/release.yml@refs/heads/main'),
  };
  const other: Identity = {
    issuer: first.signer.issuer,
    subject: 'https://github.com/not-allowed/app/.github/workflows/release.yml@refs/heads/main',
  };
  const checks = attestationChecks(environments);
  const governed = (slug: string) => `${instance(first.imagePatterns[0], slug)}`.slice(registryHost.length + 1);
  const all = (signer: Identity, skip?: AttestationCheck, violated?: { check: AttestationCheck; index: number }) =>
    checks
      .filter((check) => check !== skip)
      .map((check) => ({ check, signer, predicate: predicateFor(check, violated?.check === check ? violated.index : undefined) }));
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  const cases: ImageCase[] = [
    { name: 'trusted, signed, fresh attestations', repository: governed('trusted'), signer: trusted, attestations: all(trusted) },
    { name: 'unsigned', repository: governed('unsigned'), attestations: [] },
    { name: 'signed by another identity', repository: governed('other-identity'), signer: other, attestations: all(other) },
    {
      name: 'signed by the trusted identity under another CA',
      repository: governed('other-ca'),
      foreignCa: true,
      signer: trusted,
      attestations: all(trusted),
    },
    ...checks.map((check) => ({
      name: `no ${check.predicateType} attestation`,
      repository: governed(slug(`missing ${check.name} ${check.predicateType.split('/').at(-2)}`)),
      signer: trusted,
      attestations: all(trusted, check),
    })),
    ...checks.flatMap((check) =>
      check.conditions.map((condition, index) => ({
        name: `${check.predicateType}: ${condition.description}`,
        repository: governed(slug(`${check.name} ${check.predicateType.split('/').at(-2)} ${index}`)),
        signer: trusted,
        attestations: all(trusted, undefined, { check, index }),
      })),
    ),
    {
      name: 'trusted image from another registry',
      repository: governed('trusted'),
      otherRegistry: true,
      signer: trusted,
      attestations: all(trusted),
    },
    {
      name: 'allowed third-party image',
      repository: instance(first.thirdPartyImages[0], 'tool').slice(registryHost.length + 1),
      attestations: [],
    },
    { name: 'third-party image not allowed', repository: 'not-allowed/tool', attestations: [] },
  ];
  return { trusted, cases };
}

/** What the image of a case carries that the config's trust roots can verify, as the verdicts read it. */
export function evidenceOf(imageCase: ImageCase): Evidence {
  if (imageCase.foreignCa) return { signatures: [], attestations: [] };
  return {
    signatures: imageCase.signer ? [imageCase.signer] : [],
    attestations: imageCase.attestations.map(({ check, predicate, signer }) => ({ predicateType: check.predicateType, predicate, signer })),
  };
}

/** The verdict of every guardrail of an environment for one image. */
export function verdicts(env: Environment, image: string, evidence: Evidence): Map<PolicyName, Verdict> {
  return new Map([...env.policies.keys()].map((policy) => [policy, expectedVerdict(checkOf(env, policy), image, evidence)]));
}
