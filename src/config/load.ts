import type { ConfigLocation, Environment } from '../model/environment';
import { workingTreeFiles, type ConfigFiles } from './config-files';
import { crossFieldProblems } from './cross-field-checks';
import { ConfigError, inFileOrder, problemLocator, type ProblemAt } from './problems';
import type { RawConfig } from './raw-environment';
import { controlCharacterProblems, readConfigFile, type DecodeResult } from './read';
import { resolveEnvironment } from './resolve-environment';
import { schemaProblems } from './schema-problems';
import { loadTrustRoots, trustRootUsers } from './trust-roots';
import { validateConfigSchema } from './schema-validator';
import { parseConfigDocument } from './yaml-document';

export { ConfigError, type ConfigProblem } from './problems';
export type { ConfigFiles } from './config-files';

// Loading the config, stage by stage: its bytes (read.ts), its YAML with positions (yaml-document.ts), the
// schema, the cross-field checks, then resolution into the model. A stage refuses the config with every problem
// it found, so each later stage only ever reads what the earlier ones accepted.

/** Reads, validates and resolves the environments config; throws ConfigError listing every problem. */
export function loadConfig(file: string): Environment[] {
  return parseConfig(readConfigText(file), file);
}

/** The config file's text; throws ConfigError when it cannot be read as a UTF-8 config of a sane size. */
export function readConfigText(file: string): string {
  let read: DecodeResult;
  try {
    read = readConfigFile(file);
  } catch (error) {
    throw new ConfigError([{ file, line: 0, column: 0, field: '(file)', message: `cannot read: ${(error as Error).message}` }]);
  }
  if ('problem' in read) throw new ConfigError([{ file, line: read.line, column: read.column, field: '(file)', message: read.problem }]);
  return read.text;
}

/**
 * Same as loadConfig, from text already read; `file` names it in messages, and the files it names are read from `files`
 * (by default beside `file` in the working tree).
 */
export function parseConfig(text: string, file: string, files: ConfigFiles = workingTreeFiles(file)): Environment[] {
  return checkConfig(text, file, files).environments;
}

/**
 * What can be kept of a config every stage accepted, to resolve it again without parsing its YAML: its data (as
 * YAML gave it) and where each environment's cluster is named. Its trust roots are not kept: they are read from
 * their files (and their validity checked against the clock) on every resolution.
 */
export interface CheckedConfig {
  readonly config: RawConfig;
  readonly clusterDeclaredAt: readonly ConfigLocation[];
}

/** parseConfig, with what can be kept of the config; throws ConfigError listing every problem. */
export function checkConfig(text: string, file: string, files: ConfigFiles): { environments: Environment[]; checked: CheckedConfig } {
  const document = parseConfigDocument(text);
  if ('problems' in document) {
    throw new ConfigError(document.problems.map(({ line, column, message }) => ({ file, line, column, field: '(yaml)', message })));
  }
  // A problem inside a trust root names the environments that use it, whatever stage finds it.
  const locate = problemLocator(file, document);
  const users = trustRootUsers(document.data);
  const problemAt: ProblemAt = (path, message, atKey) => {
    const problem = locate(path, message, atKey);
    const using = path[0] === 'trustRoots' && typeof path[1] === 'string' ? users.get(path[1]) : undefined;
    return using === undefined ? problem : { ...problem, environment: using.join('", "') };
  };

  // A control character is reported at the scalar holding it, a key possibly, rather than at its field's value.
  const controlProblems = controlCharacterProblems(document.yaml).map(({ path, offset, message }) => ({
    ...problemAt(path, message),
    ...document.positionAt(offset),
  }));
  if (controlProblems.length > 0) throw new ConfigError(controlProblems);

  if (!validateConfigSchema(document.data)) throw new ConfigError(schemaProblems(validateConfigSchema.errors ?? [], problemAt));
  const config = document.data as RawConfig;
  const { environments } = config;

  // Trust roots are read from their files here; a problem of one is placed at its field with the environments using it.
  const { trustRoots, problems: trustRootProblems } = loadTrustRoots(config, file, files);
  const problems = [
    ...crossFieldProblems(environments).map(({ index, field, message }) => problemAt(['environments', index, ...field], message)),
    ...trustRootProblems.map(({ path, message }) => problemAt(path, message)),
  ];
  if (problems.length > 0) throw new ConfigError(inFileOrder(problems));
  const clusterDeclaredAt = environments.map((env, i) => {
    const { line, column, field } = problemAt(['environments', i, env.cluster === undefined ? 'name' : 'cluster'], '');
    return { file, line, column, field };
  });
  const resolved = environments.map((env, i) => resolveEnvironment(env, clusterDeclaredAt[i], trustRoots));
  return { environments: resolved, checked: { config, clusterDeclaredAt } };
}

/**
 * The environments of a config checked before, its trust roots read again from `files`; undefined when they no longer
 * pass (a file changed, a root expired): parse the config again to report where.
 */
export function resolveChecked({ config, clusterDeclaredAt }: CheckedConfig, file: string, files: ConfigFiles): Environment[] | undefined {
  const { trustRoots, problems } = loadTrustRoots(config, file, files);
  if (problems.length > 0) return undefined;
  return config.environments.map((env, i) => resolveEnvironment(env, clusterDeclaredAt[i], trustRoots));
}
