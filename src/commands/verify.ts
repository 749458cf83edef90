import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { planVerification, shellCommand } from '../rollout/cosign';
import { describeCondition, predicateViolations } from '../rollout/predicate';
import { loadEnvironment } from './environment';
import type { Command } from './output';
import { DEFAULT_CONFIG } from './synth';

const INSTALL_HINT =
  'cosign is not on PATH: install it (https://docs.sigstore.dev/cosign/system_config/installation/, ' +
  'e.g. `brew install cosign` or a release binary from https://github.com/sigstore/cosign/releases) and re-run, ' +
  'or run the commands above yourself';

/**
 * `verify --env <env> <image-ref> [--run] [--config <file>]`: prints (and with `--run` executes) the cosign
 * commands that check the image exactly as the environment's guardrails will. Exit 0 printed or verified,
 * 1 a verification failed, 2 refused or unusable input.
 */
export const verify: Command = (argv, output) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      run: { type: 'boolean', default: false },
      config: { type: 'string', default: DEFAULT_CONFIG },
    },
  });
  const environment = loadEnvironment(values.config, values.env, output);
  if (!environment) return 2;
  if (positionals.length !== 1) {
    output.err('usage: verify --env <env> <image-ref> [--run]');
    return 2;
  }
  const plan = planVerification(environment, positionals[0]);
  if ('refusal' in plan) {
    output.err(`refused: ${plan.refusal}`);
    return 2;
  }
  for (const step of plan.steps) {
    output.out(`# ${step.policy}\n${shellCommand(step.argv)}`);
    // cosign checks who signed; what the predicate says is the policy's to check too (done here with --run).
    for (const condition of step.attestation?.conditions ?? []) output.out(`#   and its predicate: ${describeCondition(condition)}`);
  }
  if (!values.run) return 0;

  let failed = 0;
  for (const [index, step] of plan.steps.entries()) {
    const [command, ...args] = step.argv;
    const run = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if ((run.error as { code?: string } | undefined)?.code === 'ENOENT') {
      output.err(INSTALL_HINT);
      return 2;
    }
    if (run.error) throw run.error;
    const violations =
      run.status === 0 && step.attestation?.conditions.length ? predicateViolations(run.stdout, step.attestation.predicateType, step.attestation.conditions) : [];
    const outcome =
      run.status !== 0 ? `FAILED (cosign exited ${run.status ?? run.signal})` : violations.length > 0 ? 'FAILED (predicate conditions)' : 'verified';
    output.out(`step ${index + 1}/${plan.steps.length} ${step.policy}: ${outcome}`);
    for (const line of `${run.stderr}${run.stdout}`.split('\n').filter((l) => l.trim() !== '')) output.out(`  ${line}`);
    for (const violation of violations) output.out(`  predicate: ${violation}`);
    if (outcome !== 'verified') failed++;
  }
  output.out(failed === 0 ? `${positionals[0]} passes every guardrail of "${environment.name}"` : `${failed} of ${plan.steps.length} checks failed`);
  return failed === 0 ? 0 : 1;
};
