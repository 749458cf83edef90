import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load';
import type { Readiness } from '../../src/rollout/readiness';
import { assessReadiness } from '../../src/rollout/readiness';
import type { ReportedResult } from '../../src/rollout/reports';
import { autogenRuleName, reportedRuleNames } from '../../src/engines/cluster-policy/rule-names';
import { runCli } from '../helpers';

const fixture = (name: string) => join('test', 'fixtures', 'reports', name);
const REPORTS_CONFIG = fixture('environments.yaml');

/** Runs `readiness --json` on a fixture and returns the exit code and the parsed verdict. */
function readiness(name: string, env = 'develop'): { code: number; verdict: Readiness } {
  const { code, out, err } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', env, '--reports', fixture(name), '--json');
  expect(err).toBe('');
  return { code, verdict: JSON.parse(out) };
}

const policy = (verdict: Readiness, name: string) => verdict.policies.find((p) => p.policy === name)!;
const failingResources = (verdict: Readiness, name: string) =>
  policy(verdict, name).failing.map((f) => `${f.status} ${f.namespace}/${f.kind}/${f.name} ${f.image ?? '-'} ${f.rule}`);

describe('readiness verdicts on recorded reports (develop: both policies in audit)', () => {
  it('clean List (JSON), with Pod and autogen Deployment results: ready, exit 0, foreign results ignored', () => {
    const { code, verdict } = readiness('clean.json');
    expect(code).toBe(0);
    expect(verdict.ready).toBe(true);
    expect(verdict.ignoredResults).toBe(1);
    for (const name of ['verify-image-signatures', 'require-sbom-attestation']) {
      expect(policy(verdict, name)).toMatchObject({ observed: true, ready: true, failing: [], counts: { pass: 2, fail: 0, error: 0 } });
    }
  });

  it('failing List (YAML): not ready, exit 1, lists the failing Pod with its image', () => {
    const { code, verdict } = readiness('failing.yaml');
    expect(code).toBe(1);
    expect(verdict.ready).toBe(false);
    expect(policy(verdict, 'verify-image-signatures').counts).toMatchObject({ pass: 1, fail: 1 });
    expect(failingResources(verdict, 'verify-image-signatures')).toEqual([
      'fail develop/Pod/api-5b7c9d8f6-q7m2n ghcr.io/acme/api:2.3.1 verify-image-signatures',
    ]);
    expect(failingResources(verdict, 'require-sbom-attestation')).toEqual([
      'fail develop/Pod/api-5b7c9d8f6-q7m2n ghcr.io/acme/api:2.3.1 verify-sbom-attestation',
    ]);
  });

  it('error-only single PolicyReport (YAML): errors block readiness like failures', () => {
    const { code, verdict } = readiness('error-only.yaml');
    expect(code).toBe(1);
    for (const name of ['verify-image-signatures', 'require-sbom-attestation']) {
      expect(policy(verdict, name)).toMatchObject({ observed: true, ready: false, counts: { error: 1, fail: 0, pass: 0 } });
    }
    expect(failingResources(verdict, 'verify-image-signatures')).toEqual([
      'error develop/Pod/worker-7f9d6c5b4-h3j8k ghcr.io/acme/worker:0.9.0 verify-image-signatures',
    ]);
  });

  it('empty List: nothing observed is not evidence, exit 1', () => {
    const { code, verdict } = readiness('unobserved.json');
    expect(code).toBe(1);
    expect(verdict.policies.map((p) => [p.policy, p.observed, p.ready])).toEqual([
      ['verify-image-signatures', false, false],
      ['require-sbom-attestation', false, false],
    ]);
  });

  it('only foreign policies (and a foreign rule under our policy name): all ignored, unobserved, exit 1', () => {
    const { code, verdict } = readiness('foreign-policy-only.yaml');
    expect(code).toBe(1);
    expect(verdict.ignoredResults).toBe(3);
    expect(verdict.policies.every((p) => !p.observed && Object.values(p.counts).every((n) => n === 0))).toBe(true);
  });

  it('autogen- and autogen-cronjob- rule names count as the guardrail, and their failures are listed', () => {
    const { code, verdict } = readiness('autogen.yaml');
    expect(code).toBe(1);
    expect(verdict.ignoredResults).toBe(0);
    expect(policy(verdict, 'verify-image-signatures')).toMatchObject({ ready: true, counts: { pass: 2 } });
    expect(failingResources(verdict, 'require-sbom-attestation')).toEqual([
      'fail develop/Deployment/api ghcr.io/acme/api:2.3.1 autogen-verify-sbom-attestation',
    ]);
  });

  it('single ClusterPolicyReport (JSON) with results[].resources: ready; skips are counted but prove nothing', () => {
    const { code, verdict } = readiness('cluster-policy-report.json');
    expect(code).toBe(0);
    expect(policy(verdict, 'require-sbom-attestation').counts).toMatchObject({ pass: 1, skip: 1 });
  });

  it('openreports.io Report from ImageValidatingPolicies: results match by policy name, image taken from properties', () => {
    const { code, verdict } = readiness('openreports.yaml', 'develop-ivp');
    expect(code).toBe(1);
    expect(policy(verdict, 'verify-image-signatures').ready).toBe(true);
    expect(failingResources(verdict, 'require-sbom-attestation')).toEqual([
      'fail develop/Pod/batch-6c4d2f8b9-p5r7t ghcr.io/acme/batch@sha256:5d41402abc4b2a76b9719d911017c592ae1f5b2c3d4e5f60718293a4b5c6d7e8 require-sbom-attestation',
    ]);
  });

  it('an environment with no audit policy has nothing to promote: exit 0 even on failing reports', () => {
    const { code, out } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'production', '--reports', fixture('failing.yaml'));
    expect(code).toBe(0);
    expect(out).toContain('verify-image-signatures (enforce): already enforced');
    expect(out).toContain('No policy is in audit');
  });

  it('prints each failing resource and the verdict for people', () => {
    const { out } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'develop', '--reports', fixture('failing.yaml'));
    expect(out).toContain('verify-image-signatures (audit): NOT READY');
    expect(out).toContain(
      'fail develop/Pod/api-5b7c9d8f6-q7m2n image ghcr.io/acme/api:2.3.1 (rule verify-image-signatures): failed to verify image',
    );
    expect(out.split('\n').at(-1)).toBe('Not ready: verify-image-signatures, require-sbom-attestation must stay in audit.');
  });
});

describe('readiness covers every guardrail (platform: all four in audit)', () => {
  it('a foreign-registry Pod keeps the registry restriction in audit; the others are ready', () => {
    const { code, verdict } = readiness('all-guardrails.yaml', 'platform');
    expect(code).toBe(1);
    expect(verdict.policies.filter((p) => !p.ready).map((p) => p.policy)).toEqual(['restrict-image-registries']);
    expect(failingResources(verdict, 'restrict-image-registries')).toEqual([
      'fail platform/Pod/miner-6d5f4c3b2-x9z8y - restrict-image-registries',
    ]);
    expect(policy(verdict, 'require-provenance-attestation')).toMatchObject({ observed: true, ready: true, counts: { pass: 1 } });
  });

  it('a ValidatingPolicy result counts for restrict-image-registries on the ImageValidatingPolicy engine', () => {
    const { code, verdict } = readiness('validating-policy.yaml', 'platform-ivp');
    expect(code).toBe(1);
    expect(policy(verdict, 'restrict-image-registries')).toMatchObject({ observed: true, ready: false, counts: { fail: 1 } });
    expect(failingResources(verdict, 'restrict-image-registries')).toEqual(['fail platform/Deployment/miner - restrict-image-registries']);
  });
});

describe("readiness judges only the environment's own engine (both engines report under one policy name)", () => {
  const summary = (verdict: Readiness) =>
    verdict.policies.map((p) => `${p.policy} ${p.observed ? (p.ready ? 'ready' : 'failing') : 'unobserved'}`);

  it("ClusterPolicy: the other engine's failure does not block, and its passes are no observation", () => {
    const { code, verdict } = readiness('mixed-engines.yaml', 'platform');
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ engine: 'ClusterPolicy', otherEngineResults: 3, ignoredResults: 0 });
    expect(summary(verdict)).toEqual([
      'verify-image-signatures ready',
      'require-sbom-attestation failing',
      'restrict-image-registries ready',
      'require-provenance-attestation unobserved',
    ]);
  });

  it("ImageValidatingPolicy: the same report judged by the other engine's sources gives the opposite verdicts", () => {
    const { code, verdict } = readiness('mixed-engines.yaml', 'platform-ivp');
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ engine: 'ImageValidatingPolicy', otherEngineResults: 3, ignoredResults: 0 });
    expect(summary(verdict)).toEqual([
      'verify-image-signatures failing',
      'require-sbom-attestation ready',
      'restrict-image-registries unobserved',
      'require-provenance-attestation ready',
    ]);
  });

  it('says which engine it judged and how many results of the other it ignored', () => {
    const { out } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'platform-ivp', '--reports', fixture('mixed-engines.yaml'));
    expect(out.split('\n')[0]).toBe(
      'Audit readiness of environment "platform-ivp": ImageValidatingPolicy results judged (3 results of the other engine and 0 of other policies ignored)',
    );
  });
});

describe('readiness on unusable input: exit 2 with the reason', () => {
  it.each([
    ['malformed.yaml', 'not valid JSON or YAML'],
    ['not-a-report.json', 'items[0]: v1 ConfigMap is not a policy report'],
    ['invalid-result.json', 'results[0].result: must be one of pass, fail, warn, error, skip'],
    ['missing.json', 'ENOENT'],
  ])('%s', (name, reason) => {
    const { code, err } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'develop', '--reports', fixture(name));
    expect(code).toBe(2);
    expect(err).toContain(reason);
  });

  it('an unknown environment', () => {
    const { code, err } = runCli('readiness', '--config', REPORTS_CONFIG, '--env', 'qa', '--reports', fixture('clean.json'));
    expect(code).toBe(2);
    expect(err).toContain('no environment "qa"');
  });
});

describe('readiness rules', () => {
  const develop = loadConfig(REPORTS_CONFIG).find((e) => e.name === 'develop')!;
  const result = (status: ReportedResult['status'], rule = 'verify-image-signatures'): ReportedResult => ({
    policy: 'verify-image-signatures',
    rule,
    status,
    properties: {},
  });

  it('a policy with only skip results is not observed', () => {
    expect(policyOf(assessReadiness(develop, [result('skip')]))).toMatchObject({ observed: false, ready: false });
  });

  it('warn (a failure of an unscored policy) would be denied once enforced: not ready', () => {
    expect(policyOf(assessReadiness(develop, [result('pass'), result('warn')]))).toMatchObject({ observed: true, ready: false });
  });

  it('a rule name that only starts like the guardrail rule is not the guardrail', () => {
    expect(policyOf(assessReadiness(develop, [result('pass', 'autogen-verify-image-signatures-x')])).observed).toBe(false);
  });

  it('autogen rule names are cut at 63 characters, as Kyverno cuts them', () => {
    const rule = `verify-${'x'.repeat(56)}`;
    expect(autogenRuleName(rule, 'pod-controller')).toBe(`autogen-${rule}`.slice(0, 63));
    expect(autogenRuleName(rule, 'cronjob')).toHaveLength(63);
    expect(reportedRuleNames('verify-sbom-attestation')).toEqual([
      'verify-sbom-attestation',
      'autogen-verify-sbom-attestation',
      'autogen-cronjob-verify-sbom-attestation',
    ]);
  });

  const policyOf = (r: Readiness) => r.policies.find((p) => p.policy === 'verify-image-signatures')!;
});

describe('readiness --reports - (stdin)', () => {
  // A ceiling, not a speed check: on a fresh checkout this first run of the runner builds the bundle.
  it('reads the reports piped in by kubectl', { timeout: 30_000 }, () => {
    const run = spawnSync(
      process.execPath,
      ['scripts/run.mjs', 'readiness', '--config', REPORTS_CONFIG, '--env', 'develop', '--reports', '-'],
      {
        input: readFileSync(fixture('clean.json')),
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Ready: every audit policy');
  });
});
