import type { ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { POLICY_NAMES, type Environment, type FailurePolicy, type PolicyName, type PolicySettings } from '../model/environment';
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

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.environment === undefined ? '' : `environment "${p.environment}": `;
  return `${p.file}:${p.line}:${p.column}: ${where}${p.field}: ${p.message}`;
}

/** Names that would collide with the other folders synth writes under `dist/`. */
export const RESERVED_ENVIRONMENT_NAMES = ['flux', 'drill'];
const ALWAYS_EXCLUDED_NAMESPACES = ['kube-system'];
const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
const DEFAULT_KYVERNO_NAMESPACE = 'kyverno';
const DEFAULT_TIMEOUT_SECONDS = 30;

interface RawEnvironment {
  name: string;
  imagePatterns: string[];
  signer: { issuer: string; subject: string; rekorUrl?: string };
  namespaces?: string[];
  excludeNamespaces?: string[];
  kyvernoNamespace?: string;
  webhook?: { timeoutSeconds?: number; failurePolicy?: FailurePolicy };
  policies: Partial<Record<PolicyName, PolicySettings>>;
}

type Path = readonly (string | number)[];

/** Reads, validates and resolves the environments config; throws ConfigError listing every problem. */
export function loadConfig(file: string): Environment[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, line: 0, column: 0, field: '(file)', message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseConfig(text, file);
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

  const data = doc.toJS() as { environments?: RawEnvironment[] } | null;
  const problemAt = (path: Path, message: string, atKey = false): ConfigProblem => {
    const { line, col } = locate(offsetOf(doc, path, atKey));
    const envIndex = path[0] === 'environments' && typeof path[1] === 'number' ? path[1] : undefined;
    const envName = envIndex === undefined ? undefined : data?.environments?.[envIndex]?.name;
    const inEnv = envIndex !== undefined && path.length > 2;
    const environment = envIndex === undefined ? undefined : typeof envName === 'string' ? envName : `#${envIndex + 1}`;
    return { file, line, column: col, environment, field: formatPath(inEnv ? path.slice(2) : path), message };
  };

  if (!validateConfigSchema(data)) {
    throw new ConfigError(dedupe((validateConfigSchema.errors ?? []).map((e) => schemaProblem(e, problemAt))));
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
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return raw.environments.map(resolveEnvironment);
}

function resolveEnvironment(env: RawEnvironment): Environment {
  const excluded = new Set([...ALWAYS_EXCLUDED_NAMESPACES, env.kyvernoNamespace ?? DEFAULT_KYVERNO_NAMESPACE, ...(env.excludeNamespaces ?? [])]);
  return {
    name: env.name,
    imagePatterns: env.imagePatterns,
    signer: { issuer: env.signer.issuer, subject: env.signer.subject, rekorUrl: env.signer.rekorUrl ?? DEFAULT_REKOR_URL },
    namespaces: env.namespaces,
    excludeNamespaces: [...excluded].sort(),
    webhook: { timeoutSeconds: env.webhook?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS, failurePolicy: env.webhook?.failurePolicy },
    policies: new Map(POLICY_NAMES.flatMap((name) => (env.policies[name] ? [[name, env.policies[name]] as const] : []))),
  };
}

function schemaProblem(e: ErrorObject, problemAt: (path: Path, message: string, atKey?: boolean) => ConfigProblem): ConfigProblem {
  const path: Path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
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
      return problemAt(path, `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(e.data)})`);
    case 'type':
      return problemAt(path, `must be ${e.params.type === 'array' ? 'a list' : `of type ${e.params.type}`} (got ${JSON.stringify(e.data)})`);
    default:
      return problemAt(path, hint ?? e.message ?? 'is invalid');
  }
}

/** Offset of the node at `path` (or of its key), falling back to the nearest existing ancestor. */
function offsetOf(doc: Document, path: Path, atKey: boolean): number {
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

function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
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
