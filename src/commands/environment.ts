import { loadConfig } from '../config/load';
import { UsageError, UserError } from '../errors';
import type { Environment } from '../model/environment';

/**
 * Loads the config and picks one environment by name, so a command applies exactly the rules synth renders.
 * Throws ConfigError for an invalid config, a UsageError without a name, a UserError for an unknown one.
 */
export function loadEnvironment(configFile: string, name: string | undefined): Environment {
  const environments = loadConfig(configFile);
  const names = environments.map((env) => env.name).join(', ');
  if (name === undefined) throw new UsageError(`--env is required (environments in ${configFile}: ${names})`);
  const environment = environments.find((env) => env.name === name);
  if (!environment) throw new UserError(`no environment "${name}" in ${configFile} (environments: ${names})`);
  return environment;
}
