import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assessReadiness, formatReadiness } from '../rollout/readiness';
import { ReportInputError, parseReports } from '../rollout/reports';
import { loadEnvironment } from './environment';
import type { Command } from './output';
import { DEFAULT_CONFIG } from './synth';

/** Exit codes: every audit policy ready / some not ready / input or config unusable. */
export const READY = 0;
const NOT_READY = 1;
const UNUSABLE_INPUT = 2;

/**
 * `readiness --env <env> --reports <file|-> [--json] [--config <file>]`: whether the environment's audit-phase
 * guardrails can be switched to enforce, judged from exported policy reports.
 */
export const readiness: Command = (argv, output) => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      reports: { type: 'string' },
      json: { type: 'boolean', default: false },
      config: { type: 'string', default: DEFAULT_CONFIG },
    },
  });
  const environment = loadEnvironment(values.config, values.env, output);
  if (!environment) return UNUSABLE_INPUT;
  if (values.reports === undefined) {
    output.err('--reports <file|-> is required: e.g. kubectl get policyreports,clusterpolicyreports -A -o json > reports.json');
    return UNUSABLE_INPUT;
  }
  let results;
  try {
    // `-` is stdin (fd 0), so `kubectl get … -o json | npm run readiness -- --reports -` works.
    const text = readFileSync(values.reports === '-' ? 0 : values.reports, 'utf8');
    results = parseReports(text);
  } catch (error) {
    if (!(error instanceof ReportInputError) && !(error as { code?: string }).code) throw error;
    output.err(`cannot read policy reports from ${values.reports === '-' ? 'stdin' : values.reports}: ${(error as Error).message}`);
    return UNUSABLE_INPUT;
  }
  const verdict = assessReadiness(environment, results);
  if (values.json) output.out(JSON.stringify(verdict, null, 2));
  else formatReadiness(verdict).forEach((line) => output.out(line));
  return verdict.ready ? READY : NOT_READY;
};
