import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError, UserError } from '../errors';
import { planVerification, shellCommand, shellQuote, type CosignCommand, type VerificationPlan } from '../rollout/cosign';
import { describeCondition, multipleStatementsWarning, predicateViolations } from '../rollout/predicate';
import { defineCommand } from './command';
import type { Output } from './output';
import { loadEnvironment } from './environment';
import { CONFIG_OPTION, DEFAULT_CONFIG } from './synth';

const INSTALL_HINT =
  'cosign is not on PATH: install it (https://docs.sigstore.dev/cosign/system_config/installation/, ' +
  'e.g. `brew install cosign` or a release binary from https://github.com/sigstore/cosign/releases) and re-run, ' +
  'or run the commands above yourself';

/**
 * `verify --env <env> <image-ref> [--run] [--config <file>]`: prints (and with `--run` executes) the cosign
 * commands that check the image exactly as the environment's guardrails will.
 */
export const verify = defineCommand({
  name: 'verify',
  usage: '--env <env> <image-ref> [options]',
  summary: "Print (with --run: execute) the cosign commands that check one image exactly as an environment's guardrails will.",
  positionals: [{ name: 'image-ref', description: 'the image to check, e.g. ghcr.io/acme/web@sha256:<digest>' }],
  options: {
    env: { type: 'string', valueName: 'env', description: 'the environment whose rules apply (required)' },
    run: { type: 'boolean', default: false, description: 'run the commands (cosign must be on PATH) and check the predicate conditions' },
    ...CONFIG_OPTION,
  },
  exitCodes: [
    { code: 0, meaning: 'commands printed, or (with --run) every check passed' },
    { code: 1, meaning: 'with --run: a check failed' },
    { code: 2, meaning: 'usage error or refused input: config, unknown environment, not a governed image reference, cosign missing' },
  ],
  unusableInputExitCode: 2,
  run({ values, positionals }, output) {
    const environment = loadEnvironment(values.config, values.env);
    if (positionals.length !== 1) throw new UsageError(`expected one image reference, got ${positionals.length}`);
    // Run, a private TUF repository's metadata and the trusted roots go to a temporary folder removed afterwards;
    // printed, to folders of the working directory (the plan's defaults), so the printed commands never touch
    // cosign's own ~/.sigstore.
    let folder: string | undefined;
    const inFolder = (kind: string) => (name: string) => {
      folder ??= mkdtempSync(join(tmpdir(), 'guardrails-verify-'));
      return join(folder, kind, name);
    };
    try {
      const options = values.run ? { tufCache: inFolder('tuf'), trustedRootFile: inFolder('trusted-root') } : {};
      const plan = planVerification(environment, positionals[0], options);
      if ('refusal' in plan) throw new UserError(`refused: ${plan.refusal}`);
      printPlan(plan, values.config, output);
      return values.run ? runPlan(plan, positionals[0], environment.name, output) : 0;
    } finally {
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    }
  },
});

type Plan = Exclude<VerificationPlan, { readonly refusal: string }>;

/**
 * Prints every command of the plan, ready to paste (the trusted roots it reads first, written by the trusted-root
 * command of the same config), each step with the predicate conditions it also checks, then where the cluster's
 * engine decides otherwise.
 */
function printPlan(plan: Plan, config: string, output: Output): void {
  for (const { trustRoot, path } of plan.trustedRoots ?? []) {
    const write = ['npm', 'run', '--silent', 'trusted-root', '--', trustRoot, ...(config === DEFAULT_CONFIG ? [] : ['--config', config])];
    output.out(
      `# the trust root's Sigstore trusted root\nmkdir -p ${shellQuote(dirname(path))} && ${shellCommand(write)} > ${shellQuote(path)}`,
    );
  }
  for (const command of plan.setup ?? []) output.out(`# the trust root's TUF repository\n${shellCommand(command.argv, command.env)}`);
  for (const step of plan.steps) {
    output.out(`# ${step.policy}\n${shellCommand(step.argv, step.env)}`);
    // cosign checks who signed; what the predicate says is the policy's to check too (done here with --run).
    for (const condition of step.attestation?.conditions ?? []) output.out(`#   and its predicate: ${describeCondition(condition)}`);
  }
  for (const note of plan.notes ?? []) output.out(`note: ${note}`);
}

/** Prints what a cosign run wrote, indented. */
function printRun(run: ReturnType<typeof runCosign>, output: Output): void {
  for (const line of `${run.stderr}${run.stdout}`.split('\n').filter((l) => l.trim() !== '')) output.out(`  ${line}`);
}

/** Writes the trusted roots, runs the setup, then every step, printing each outcome: 0 when every check passed, 1 otherwise. */
function runPlan(plan: Plan, image: string, environment: string, output: Output): number {
  for (const { path, json } of plan.trustedRoots ?? []) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, json);
  }
  for (const command of plan.setup ?? []) {
    const setup = runCosign(command);
    if (setup.status !== 0) {
      output.out(`setup ${command.argv.slice(0, 2).join(' ')}: FAILED (cosign exited ${setup.status ?? setup.signal})`);
      printRun(setup, output);
      return 1;
    }
  }
  let failed = 0;
  for (const [index, step] of plan.steps.entries()) {
    const run = runCosign(step);
    const violations =
      run.status === 0 && step.attestation?.conditions.length
        ? predicateViolations(run.stdout, step.attestation.predicateType, step.attestation.conditions)
        : [];
    const outcome =
      run.status !== 0
        ? `FAILED (cosign exited ${run.status ?? run.signal})`
        : violations.length > 0
          ? 'FAILED (predicate conditions)'
          : 'verified';
    output.out(`step ${index + 1}/${plan.steps.length} ${step.policy}: ${outcome}`);
    printRun(run, output);
    for (const violation of violations) output.out(`  predicate: ${violation}`);
    // A warning only: the exit code stays cosign's and the conditions' verdict (see docs/rollout.md).
    const warning =
      run.status === 0 && step.attestation ? multipleStatementsWarning(run.stdout, step.attestation.predicateType) : undefined;
    if (warning !== undefined) output.out(`  warning: ${warning}`);
    if (outcome !== 'verified') failed++;
  }
  output.out(failed === 0 ? `${image} passes every guardrail of "${environment}"` : `${failed} of ${plan.steps.length} checks failed`);
  return failed === 0 ? 0 : 1;
}

/** Runs one cosign command without a shell, its variables added to this process's environment. */
function runCosign(command: CosignCommand) {
  const [program, ...args] = command.argv;
  const run = spawnSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...command.env } });
  if ((run.error as { code?: string } | undefined)?.code === 'ENOENT') throw new UserError(INSTALL_HINT);
  if (run.error) throw run.error;
  return run;
}
