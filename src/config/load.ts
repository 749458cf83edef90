import type { ErrorObject } from 'ajv';
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { UserError } from '../errors';
import { INPUT_FIELD, formatFieldPath, fromJsonPointer, type FieldPath } from '../model/field-path';
import { parseDuration, parseGoDuration } from '../model/duration';
import {
  POLICY_NAMES,
  type EngineKind,
  type Environment,
  type FailurePolicy,
  type DrillImages,
  type FluxSettings,
  type PolicyName,
  type PolicySettings,
  type SbomFormat,
  type Signer,
  type ConfigLocation,
} from '../model/environment';
import { matchesGlob } from '../model/glob';
import { BOOTSTRAP_SOURCE, clusterNameSuffix } from '../model/cluster-naming';
import { RESERVED_ENVIRONMENT_NAMES } from '../model/output-tree';
import { parseWorkflowIdentity, type Delivery } from '../model/delivery';
import { deliveryProblems, publishingConsistencyProblems } from './delivery-checks';
import { ALWAYS_EXCLUDED_NAMESPACES, DEFAULT_KYVERNO_NAMESPACE, guardrailProblems } from './guardrail-checks';
import {
  MAX_ALIAS_COUNT,
  controlCharacterProblems,
  firstAliasOffset,
  hasControlCharacter,
  readConfigFile,
  type DecodeResult,
} from './read';
import { validateConfigSchema } from './schema-validator';

/** One problem in the config, located as precisely as the YAML allows. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The environment the problem belongs to, when it belongs to one. */
  readonly environment?: string;
  /** Dotted path of the field inside its environment (or inside the file). */
  readonly field: string;
  readonly message: string;
}

/** The config cannot be used: every problem found, one line each. Exit code 1. */
export class ConfigError extends UserError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `file:line:column: environment "name": field: message`; a problem of the whole file has no position (line 0). */
function formatProblem(p: ConfigProblem): string {
  const position = p.line > 0 ? `:${p.line}:${p.column}` : '';
  const where = p.environment === undefined ? '' : `environment "${p.environment}": `;
  return `${p.file}${position}: ${where}${p.field}: ${p.message}`;
}

const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
const DEFAULT_TIMEOUT_SECONDS = 30;
/** A year: a longer Flux interval or timeout is a typo, and Go's duration type overflows not far beyond. */
const MAX_FLUX_DURATION_SECONDS = 8_760 * 3_600;
/** A well-known public image no company registry pattern covers. */
const DEFAULT_FOREIGN_DRILL_IMAGE = 'docker.io/library/busybox:1.36';
const DEFAULT_ENGINE: EngineKind = 'ClusterPolicy';
/** Flux defaults: drift corrected every 10 minutes; a failed apply retried after 2; 3 minutes to become Ready. */
const FLUX_DEFAULTS = { kyvernoKustomization: 'kyverno', interval: '10m', retryInterval: '2m', timeout: '3m' };
const DEFAULT_EMITTED_SOURCE = 'guardrails';
const DEFAULT_SOURCE_BRANCH = 'main';
const DEFAULT_SOURCE_INTERVAL = '5m';
const DEFAULT_ARTIFACT_INTERVAL = '5m';

/** A signer as written in the config. */
export type RawSigner = { issuer: string; subject: string; rekorUrl?: string };

/** An environment as written in the config, once it passed the schema. */
export interface RawEnvironment {
  name: string;
  cluster?: string;
  engine?: EngineKind;
  imagePatterns: string[];
  signer: RawSigner;
  namespaces?: string[];
  excludeNamespaces?: string[];
  kyvernoNamespace?: string;
  webhook?: { timeoutSeconds?: number; failurePolicy?: FailurePolicy; acknowledgeFailOpen?: string };
  drill?: Omit<DrillImages, 'foreignImage'> & { foreignImage?: string };
  thirdPartyImages?: string[];
  sbom?: { format?: SbomFormat; maxAge?: string };
  provenance?: { signer?: RawSigner; builderIds?: string[]; sourceRepositories?: string[] };
  policies: Partial<Record<PolicyName, PolicySettings>>;
  flux?: {
    kyvernoKustomization?: string;
    interval?: string;
    retryInterval?: string;
    timeout?: string;
    sourceRef?: string;
    gitRepository?: { url: string; branch?: string; interval?: string; secretRef?: string };
  };
  delivery?: {
    mode: 'git' | 'oci';
    repository?: string;
    tag?: string;
    digest?: string;
    signer?: { issuer: string; subject: string };
    interval?: string;
    trustedRootSecret?: string;
    pullSecret?: string;
  };
}

/** Reads, validates and resolves the environments config; throws ConfigError listing every problem. */
export function loadConfig(file: string): Environment[] {
  let read: DecodeResult;
  try {
    read = readConfigFile(file);
  } catch (error) {
    throw new ConfigError([{ file, line: 0, column: 0, field: '(file)', message: `cannot read: ${(error as Error).message}` }]);
  }
  if ('problem' in read) throw new ConfigError([{ file, line: read.line, column: read.column, field: '(file)', message: read.problem }]);
  return parseConfig(read.text, file);
}

/** Same as loadConfig, from text already read; `file` is only used in messages. */
export function parseConfig(text: string, file: string): Environment[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate = (offset: number) => lineCounter.linePos(offset);

  const syntaxProblems = [...doc.errors, ...doc.warnings].map((e): ConfigProblem => {
    const { line, col } = locate(e.pos[0]);
    return { file, line, column: col, field: '(yaml)', message: e.message.split('\n')[0] };
  });
  if (syntaxProblems.length > 0) throw new ConfigError(syntaxProblems);

  let data: { environments?: RawEnvironment[] } | null;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as typeof data;
  } catch {
    // yaml throws only on resolving too many aliases here: an alias bomb, or anchors overused.
    const { line, col } = locate(firstAliasOffset(doc));
    throw new ConfigError([
      { file, line, column: col, field: '(yaml)', message: `resolves more than ${MAX_ALIAS_COUNT} aliases (*name): write the values out` },
    ]);
  }
  const problemAt = (path: FieldPath, message: string, atKey = false): ConfigProblem => {
    const { line, col } = locate(offsetOf(doc, path, atKey));
    const envIndex = path[0] === 'environments' && typeof path[1] === 'number' ? path[1] : undefined;
    const envName = envIndex === undefined ? undefined : data?.environments?.[envIndex]?.name;
    const inEnv = envIndex !== undefined && path.length > 2;
    const printable = typeof envName === 'string' && !hasControlCharacter(envName);
    const environment = envIndex === undefined ? undefined : printable ? envName : `#${envIndex + 1}`;
    return { file, line, column: col, environment, field: formatFieldPath(inEnv ? path.slice(2) : path, INPUT_FIELD), message };
  };

  const controlProblems = controlCharacterProblems(doc).map(({ path, offset, message }) => {
    const { line, col } = locate(offset);
    return { ...problemAt(path, message), line, column: col };
  });
  if (controlProblems.length > 0) throw new ConfigError(controlProblems);

  if (!validateConfigSchema(data)) {
    const problems = dedupe((validateConfigSchema.errors ?? []).map((e) => schemaProblem(e, problemAt)));
    throw new ConfigError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  const raw = data as { environments: RawEnvironment[] };

  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  raw.environments.forEach((env, i) => {
    const first = seen.get(env.name);
    if (first !== undefined) {
      problems.push(problemAt(['environments', i, 'name'], `duplicate environment: already declared as environments[${first}]`));
    }
    seen.set(env.name, i);
    if (RESERVED_ENVIRONMENT_NAMES.includes(env.name)) {
      problems.push(problemAt(['environments', i, 'name'], `"${env.name}" is reserved: synth writes dist/${env.name}/ for its own output`));
    }
    if (env.flux?.gitRepository && env.flux.sourceRef === BOOTSTRAP_SOURCE) {
      problems.push(
        problemAt(
          ['environments', i, 'flux', 'sourceRef'],
          `must not be "${BOOTSTRAP_SOURCE}" when gitRepository is set: the emitted GitRepository would replace the one flux bootstrap manages`,
        ),
      );
    }
    problems.push(
      ...[...guardrailProblems(env), ...deliveryProblems(env)].map(({ field, message }) =>
        problemAt(['environments', i, ...field], message),
      ),
    );
    // A drill image no pattern governs is skipped by every policy, so the drill would prove nothing.
    for (const field of ['signedImage', 'unsignedImage'] as const) {
      const image = env.drill?.[field];
      if (image !== undefined && !env.imagePatterns.some((pattern) => matchesGlob(pattern, image))) {
        problems.push(
          problemAt(
            ['environments', i, 'drill', field],
            `"${image}" matches none of imagePatterns (${env.imagePatterns.join(', ')}): the policies would skip it`,
          ),
        );
      }
    }
    // Flux rejects (or overflows on) a zero or absurd duration only when it reconciles: say so now.
    const durations: [FieldPath, string | undefined][] = [
      ...(['interval', 'retryInterval', 'timeout'] as const).map((field): [FieldPath, string | undefined] => [
        ['flux', field],
        env.flux?.[field],
      ]),
      [['flux', 'gitRepository', 'interval'], env.flux?.gitRepository?.interval],
      [['delivery', 'interval'], env.delivery?.interval],
    ];
    for (const [field, value] of durations) {
      if (value === undefined) continue;
      const seconds = parseGoDuration(value);
      if (seconds < 1 || seconds > MAX_FLUX_DURATION_SECONDS) {
        problems.push(
          problemAt(['environments', i, ...field], `must be between 1s and ${MAX_FLUX_DURATION_SECONDS / 3_600}h (got ${value})`),
        );
      }
    }
    // A "foreign" image the environment allows would be admitted, and the registry drill would prove nothing.
    const foreign = env.drill?.foreignImage;
    const allowed = [...env.imagePatterns, ...(env.thirdPartyImages ?? [])];
    if (foreign !== undefined && allowed.some((pattern) => matchesGlob(pattern, foreign))) {
      problems.push(
        problemAt(
          ['environments', i, 'drill', 'foreignImage'],
          `"${foreign}" is allowed by imagePatterns or thirdPartyImages: pick an image from a registry this environment does not allow`,
        ),
      );
    }
  });
  for (const { index, field, message } of publishingConsistencyProblems(raw.environments)) {
    problems.push(problemAt(['environments', index, ...field], message));
  }
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
  return raw.environments.map((env, i) => {
    const { line, column, field } = problemAt(['environments', i, env.cluster === undefined ? 'name' : 'cluster'], '');
    return resolveEnvironment(env, { file, line, column, field });
  });
}

function resolveEnvironment(env: RawEnvironment, clusterDeclaredAt: ConfigLocation): Environment {
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

/** Called once the checks passed: an `oci` delivery has its repository, one reference and a pinned identity. */
function resolveDelivery(delivery: RawEnvironment['delivery']): Delivery {
  if (delivery?.mode !== 'oci') return { mode: 'git' };
  const signer = delivery.signer!;
  return {
    mode: 'oci',
    repository: delivery.repository!,
    ref: delivery.digest !== undefined ? { digest: delivery.digest } : { tag: delivery.tag! },
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

function schemaProblem(e: ErrorObject, problemAt: (path: FieldPath, message: string, atKey?: boolean) => ConfigProblem): ConfigProblem {
  const path = fromJsonPointer(e.instancePath);
  const hint = (e.parentSchema as { 'x-hint'?: string } | undefined)?.['x-hint'];
  switch (e.keyword) {
    case 'required':
      return problemAt([...path, e.params.missingProperty], `missing required field "${e.params.missingProperty}"`);
    case 'additionalProperties': {
      const key = e.params.additionalProperty as string;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).join(', ');
      const message = hint === undefined ? `unknown field "${key}" (known fields: ${known})` : `"${key}" ${hint} (known: ${known})`;
      return problemAt([...path, key], message, true);
    }
    case 'enum':
      return problemAt(
        path,
        `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(e.data)})`,
      );
    case 'maxLength':
      return problemAt(path, `is ${String(e.data).length} characters long, more than the ${e.params.limit} allowed`);
    case 'type':
      return problemAt(
        path,
        `must be ${e.params.type === 'array' ? 'a list' : `of type ${e.params.type}`} (got ${JSON.stringify(e.data)})`,
      );
    default:
      return problemAt(path, hint ?? e.message ?? 'is invalid');
  }
}

/** Offset of the node at `path` (or of its key), falling back to the nearest existing ancestor. */
function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (atKey && depth === path.length && depth > 0) {
      const parent = doc.getIn(prefix.slice(0, -1), true) as Node | undefined;
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[depth - 1]) : undefined;
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return keyNode.range[0];
      continue;
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
    if (node?.range) return node.range[0];
  }
  return 0;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
