import { BOOTSTRAP_SOURCE, clusterNameSuffix } from '../model/cluster-naming';
import { NOT_YET_PUBLISHED, parseWorkflowIdentity, type Delivery } from '../model/delivery';
import { parseDuration } from '../model/duration';
import { POLICY_NAMES, type ConfigLocation, type EngineKind, type Environment, type FluxSettings, type Signer } from '../model/environment';
import { ALWAYS_EXCLUDED_NAMESPACES, DEFAULT_KYVERNO_NAMESPACE } from './guardrail-checks';
import type { RawEnvironment, RawSigner } from './raw-environment';

// Resolution: every default applied, so the model holds no optional setting whose meaning the renderers would have
// to agree on. It runs on a config every check accepted, and refuses nothing itself.

const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
const DEFAULT_TIMEOUT_SECONDS = 30;
/** A well-known public image no company registry pattern covers. */
const DEFAULT_FOREIGN_DRILL_IMAGE = 'docker.io/library/busybox:1.36';
const DEFAULT_ENGINE: EngineKind = 'ClusterPolicy';
/** Flux defaults: drift corrected every 10 minutes; a failed apply retried after 2; 3 minutes to become Ready. */
const FLUX_DEFAULTS = { kyvernoKustomization: 'kyverno', interval: '10m', retryInterval: '2m', timeout: '3m' };
const DEFAULT_EMITTED_SOURCE = 'guardrails';
const DEFAULT_SOURCE_BRANCH = 'main';
const DEFAULT_SOURCE_INTERVAL = '5m';
const DEFAULT_ARTIFACT_INTERVAL = '5m';

/** The environment as the model holds it; `clusterDeclaredAt` is where its cluster is named (its `name` by default). */
export function resolveEnvironment(env: RawEnvironment, clusterDeclaredAt: ConfigLocation): Environment {
  const cluster = env.cluster ?? env.name;
  const excluded = new Set([
    ...ALWAYS_EXCLUDED_NAMESPACES,
    env.kyvernoNamespace ?? DEFAULT_KYVERNO_NAMESPACE,
    ...(env.excludeNamespaces ?? []),
  ]);
  return {
    name: env.name,
    cluster,
    clusterDeclaredAt,
    engine: env.engine ?? DEFAULT_ENGINE,
    imagePatterns: env.imagePatterns,
    signer: resolveSigner(env.signer),
    namespaces: env.namespaces,
    excludeNamespaces: [...excluded].sort(),
    webhook: {
      timeoutSeconds: env.webhook?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      failurePolicy: env.webhook?.failurePolicy,
      acknowledgeFailOpen: env.webhook?.acknowledgeFailOpen,
    },
    drill: env.drill && { ...env.drill, foreignImage: env.drill.foreignImage ?? DEFAULT_FOREIGN_DRILL_IMAGE },
    thirdPartyImages: env.thirdPartyImages ?? [],
    // The schema pattern is the duration syntax, so a maxAge that got this far parses.
    sbom: { format: env.sbom?.format, maxAgeSeconds: env.sbom?.maxAge === undefined ? undefined : parseDuration(env.sbom.maxAge) },
    provenance: {
      provenanceSigner: env.provenance?.signer && resolveSigner(env.provenance.signer),
      builderIds: env.provenance?.builderIds,
      sourceRepositories: env.provenance?.sourceRepositories,
    },
    policies: new Map(POLICY_NAMES.flatMap((name) => (env.policies[name] ? [[name, env.policies[name]] as const] : []))),
    flux: resolveFlux(env.flux ?? {}, clusterNameSuffix(env.name, cluster)),
    delivery: resolveDelivery(env.delivery),
  };
}

/** Called once the checks passed: an `oci` delivery has its repository, one reference (or `published: false`) and a pinned identity. */
function resolveDelivery(delivery: RawEnvironment['delivery']): Delivery {
  if (delivery?.mode !== 'oci') return { mode: 'git' };
  const signer = delivery.signer!;
  return {
    mode: 'oci',
    repository: delivery.repository!,
    ref:
      delivery.digest !== undefined ? { digest: delivery.digest } : delivery.tag !== undefined ? { tag: delivery.tag } : NOT_YET_PUBLISHED,
    signer: { issuer: signer.issuer, subject: signer.subject },
    workflow: parseWorkflowIdentity(signer.subject)!,
    interval: delivery.interval ?? DEFAULT_ARTIFACT_INTERVAL,
    trustedRootSecret: delivery.trustedRootSecret,
    pullSecret: delivery.pullSecret,
  };
}

/** `nameSuffix` keeps the default name of an emitted GitRepository distinct on a shared cluster. */
function resolveFlux(flux: NonNullable<RawEnvironment['flux']>, nameSuffix: string): FluxSettings {
  const repo = flux.gitRepository;
  const sourceRef = flux.sourceRef ?? (repo ? `${DEFAULT_EMITTED_SOURCE}${nameSuffix}` : BOOTSTRAP_SOURCE);
  return {
    kyvernoKustomization: flux.kyvernoKustomization ?? FLUX_DEFAULTS.kyvernoKustomization,
    interval: flux.interval ?? FLUX_DEFAULTS.interval,
    retryInterval: flux.retryInterval ?? FLUX_DEFAULTS.retryInterval,
    timeout: flux.timeout ?? FLUX_DEFAULTS.timeout,
    sourceRef,
    gitRepository: repo && {
      name: sourceRef,
      url: repo.url,
      branch: repo.branch ?? DEFAULT_SOURCE_BRANCH,
      interval: repo.interval ?? DEFAULT_SOURCE_INTERVAL,
      secretRef: repo.secretRef,
    },
  };
}

function resolveSigner(signer: RawSigner): Signer {
  return { issuer: signer.issuer, subject: signer.subject, rekorUrl: signer.rekorUrl ?? DEFAULT_REKOR_URL };
}
