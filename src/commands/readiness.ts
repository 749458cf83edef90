import { UsageError, UserError } from '../errors';
import { isPublished } from '../model/delivery';
import type { Environment, PolicyName } from '../model/environment';
import { assessReadiness, formatReadiness } from '../rollout/readiness';
import { MAX_REPORTS_BYTES, parseReports, readReportsInput } from '../rollout/reports';
import { defineCommand } from './command';
import { loadEnvironment } from './environment';
import { CONFIG_OPTION } from './synth';

/**
 * `readiness --env <env> --reports <file|-> [--policy <name>]… [--json] [--config <file>]`: whether the
 * environment's audit-phase guardrails (or the named ones) can be switched to enforce, judged from exported
 * policy reports.
 */
export const readiness = defineCommand({
  name: 'readiness',
  usage: '--env <env> --reports <file|-> [options]',
  summary: "Judge from exported policy reports whether an environment's audit-phase policies can be switched to enforce.",
  details: [
    'Export the reports with `kubectl get policyreports,clusterpolicyreports -A -o json > reports.json` ' +
      `(JSON or YAML, at most ${MAX_REPORTS_BYTES / 1024 / 1024} MiB). A policy is ready when it was observed and has no fail, warn or error result.`,
  ],
  options: {
    env: { type: 'string', valueName: 'env', description: 'the environment to judge (required)' },
    reports: { type: 'string', valueName: 'file|-', description: 'the exported policy reports; - reads stdin (required)' },
    policy: {
      type: 'string',
      multiple: true,
      valueName: 'name',
      description: 'judge only this policy of the environment: the verdict and exit code are its alone',
    },
    json: { type: 'boolean', default: false, description: 'print the verdict as JSON' },
    ...CONFIG_OPTION,
  },
  exitCodes: {
    ready: { code: 0, meaning: 'ready: every audit policy judged can be enforced (or none is in audit)' },
    notReady: { code: 1, meaning: 'not ready: a policy judged has blocking results or was never observed' },
    unusableInput: {
      code: 2,
      meaning:
        'usage error or unusable input: config, unknown environment or policy, an environment not yet published, unreadable, malformed or oversized reports',
    },
  },
  unusableInputExitCode: 'unusableInput',
  run({ values }, output) {
    const environment = loadEnvironment(values.config, values.env);
    if (environment.delivery.mode === 'oci' && !isPublished(environment.delivery)) {
      throw new UserError(
        `environment "${environment.name}" is not yet published (delivery published: false): its cluster applies none of its policies, ` +
          'so no report can vouch for them; promote an artifact to it first (docs/delivery.md)',
      );
    }
    const only = values.policy === undefined ? undefined : enabledPolicies(environment, values.policy);
    if (values.reports === undefined) {
      throw new UsageError('--reports <file|-> is required: e.g. kubectl get policyreports,clusterpolicyreports -A -o json > reports.json');
    }
    const input = readReportsInput(values.reports);
    const verdict = assessReadiness(environment, parseReports(input.text, input.name), only);
    if (values.json) output.out(JSON.stringify(verdict, null, 2));
    else formatReadiness(verdict).forEach((line) => output.out(line));
    return verdict.ready ? 'ready' : 'notReady';
  },
});

/** The `--policy` names, each refused unless it is a policy the environment enables. */
function enabledPolicies(environment: Environment, names: readonly string[]): PolicyName[] {
  const enabled = [...environment.policies.keys()];
  const unknown = names.filter((name) => !enabled.includes(name as PolicyName));
  if (unknown.length > 0) {
    throw new UserError(
      `--policy ${unknown.join(', ')}: not enabled in environment "${environment.name}" (enabled: ${enabled.join(', ')})`,
    );
  }
  return names as PolicyName[];
}
