import { BOOTSTRAP_SOURCE, FLUX_NAMESPACE, clusterNameSuffix } from '../model/cluster-naming';
import { NOT_YET_PUBLISHED, parseWorkflowIdentity, type Delivery } from '../model/delivery';
import { parseDuration } from '../model/duration';
import {
  POLICY_NAMES,
  type ConfigLocation,
  type EngineKind,
  type Environment,
  type FluxSettings,
  type NamespaceControllers,
  type Signer,
} from '../model/environment';
import { FLUX_CONTROLLER_IMAGES, FLUX_VERSION } from '../model/flux-release';
import { systemNamespacesOf } from './guardrail-checks';
import { PUBLIC_TRUST_ROOT, publicTrustRoot, type PrivateTrustRoot, type TrustRoot } from '../model/trust-root';
import type { RawEnvironment, RawSigner } from './raw-environment';

// Resolution: every default applied, so the model holds no optional setting whose meaning the renderers would have
// to agree on. It runs on a config every check accepted, and refuses nothing itself.

const DEFAULT_TIMEOUT_SECONDS = 30;
/** A well-known public image no company registry pattern covers. */
export const DEFAULT_FOREIGN_DRILL_IMAGE = 'docker.io/library/busybox:1.36';
/** The engine an environment gets when it names none. */
export const DEFAULT_ENGINE: EngineKind = 'ClusterPolicy';
/** Flux defaults: drift corrected every 10 minutes; a failed apply retried after 2; 3 minutes to become Ready. */
const FLUX_DEFAULTS = { kyvernoKustomization: 'kyverno', interval: '10m', retryInterval: '2m', timeout: '3m' };
const DEFAULT_EMITTED_SOURCE = 'guardrails';
const DEFAULT_SOURCE_BRANCH = 'main';
const DEFAULT_SOURCE_INTERVAL = '5m';
const DEFAULT_ARTIFACT_INTERVAL = '5m';

/**
 * The environment as the model holds it; `clusterDeclaredAt` is where its cluster is named (its `name` by default),
 * `trustRoots` the private Sigstore instances of the config, read and checked.
 */
export function resolveEnvironment(
  env: RawEnvironment,
  clusterDeclaredAt: ConfigLocation,
  trustRoots: ReadonlyMap<string, PrivateTrustRoot> = new Map(),
): Environment {
  const resolveSigner = (signer: RawSigner): Signer => ({
    issuer: signer.issuer,
    subject: signer.subject,
    trustRoot: trustRootOf(signer.trustRoot ?? env.trustRoot, trustRoots, signer.rekorUrl),
  });
  const cluster = env.cluster ?? env.name;
  const excluded = new Set([...systemNamespacesOf(env), ...(env.excludeNamespaces ?? [])]);
  return {
    name: env.name,
    cluster,
    clusterDeclaredAt,
    engine: env.engine ?? DEFAULT_ENGINE,
    imagePatterns: env.imagePatterns,
    signer: resolveSigner(env.signer),
    namespaces: env.namespaces,
    excludeNamespaces: [...excluded].sort(),
    controllers: resolveControllers(env.controllers ?? {}),
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
    delivery: resolveDelivery(env.delivery, trustRootOf(env.delivery?.signer?.trustRoot ?? env.trustRoot, trustRoots)),
  };
}

/** The declared controllers by namespace, and Flux's own in flux-system unless the config declares that namespace's. */
function resolveControllers(declared: NonNullable<RawEnvironment['controllers']>): NamespaceControllers[] {
  const flux: NamespaceControllers[] =
    declared[FLUX_NAMESPACE] === undefined
      ? [{ namespace: FLUX_NAMESPACE, images: FLUX_CONTROLLER_IMAGES, declaredBy: `the controllers of Flux ${FLUX_VERSION}` }]
      : [];
  const own = Object.entries(declared).map(([namespace, images]) => ({
    namespace,
    images,
    declaredBy: `the controllers listed in controllers.${namespace}`,
  }));
  return [...flux, ...own];
}

/**
 * The trust root a name stands for: the public instance (its Rekor log at `rekorUrl`, a proxy of it, when a signer
 * names one), or a private instance of the config. The checks have made sure the name exists.
 */
function trustRootOf(name: string | undefined, trustRoots: ReadonlyMap<string, PrivateTrustRoot>, rekorUrl?: string): TrustRoot {
  if (name === undefined || name === PUBLIC_TRUST_ROOT) return publicTrustRoot(rekorUrl);
  const trustRoot = trustRoots.get(name);
  if (trustRoot === undefined) throw new Error(`trust root ${name} was not checked`);
  return trustRoot;
}

/**
 * Called once the checks passed: an `oci` delivery has its repository, one reference (or
 * `published: false`) and a pinned identity. A
 * publisher signing with a private instance gets the Secret Flux reads its trusted root from (default
 * `<trust root>-trusted-root`).
 */
function resolveDelivery(delivery: RawEnvironment['delivery'], publisherTrustRoot: TrustRoot): Delivery {
  if (delivery?.mode !== 'oci') return { mode: 'git' };
  const signer = delivery.signer!;
  const trustedRootSecret =
    publisherTrustRoot.kind === 'private' ? (delivery.trustedRootSecret ?? `${publisherTrustRoot.name}-trusted-root`) : undefined;
  return {
    mode: 'oci',
    repository: delivery.repository!,
    ref:
      delivery.digest !== undefined ? { digest: delivery.digest } : delivery.tag !== undefined ? { tag: delivery.tag } : NOT_YET_PUBLISHED,
    signer: { issuer: signer.issuer, subject: signer.subject, trustRoot: publisherTrustRoot },
    workflow: parseWorkflowIdentity(signer.subject)!,
    interval: delivery.interval ?? DEFAULT_ARTIFACT_INTERVAL,
    trustedRootSecret,
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
