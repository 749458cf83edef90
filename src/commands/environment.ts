import { ConfigError, loadConfig } from '../config/load';
import type { Environment } from '../model/environment';
import type { Output } from './output';

/**
 * Loads the config and picks one environment by name, so a command applies exactly the rules synth renders.
 * Prints why and returns undefined when the config is invalid or has no such environment.
 */
export function loadEnvironment(configFile: string, name: string | undefined, output: Output): Environment | undefined {
  let environments: Environment[];
  try {
    environments = loadConfig(configFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.err(error.message);
    return undefined;
  }
  const names = environments.map((env) => env.name).join(', ');
  if (name === undefined) {
    output.err(`--env is required (environments in ${configFile}: ${names})`);
    return undefined;
  }
  const environment = environments.find((env) => env.name === name);
  if (!environment) output.err(`no environment "${name}" in ${configFile} (environments: ${names})`);
  return environment;
}
