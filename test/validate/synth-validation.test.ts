import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { MANIFEST_FILE } from '../../src/output/manifest';
import { readTree } from '../../src/output/write';
import { synthesize } from '../../src/synthesize';
import { validateTree } from '../../src/validate';
import { runCli, THREE_ENVIRONMENTS_CONFIG, tempDir, writeConfig } from '../helpers';

/** An output directory holding a previous synth, to prove a refused run leaves it alone. */
function previousOutput(): string {
  const outdir = join(tempDir(), 'dist');
  mkdirSync(join(outdir, 'production'), { recursive: true });
  writeFileSync(join(outdir, 'production', 'verify-image-signatures.yaml'), 'previous\n');
  return outdir;
}

describe('validation in synth', () => {
  it('finds nothing in the three-environments fixture, and counts every object', () => {
    const environments = loadConfig(THREE_ENVIRONMENTS_CONFIG);
    const { tree, manifests } = synthesize(environments);
    const report = validateTree(tree, environments, manifests);
    expect(report.findings).toEqual([]);
    // Each environment: one object per enabled policy, plus its Flux Kustomization.
    expect(Object.fromEntries(report.objectsValidated)).toEqual(
      Object.fromEntries(environments.map((env) => [env.name, env.policies.size + 1])),
    );
  });

  it('finds nothing in a written dist/, parsed back from its YAML', () => {
    const environments = loadConfig(THREE_ENVIRONMENTS_CONFIG);
    const outdir = join(tempDir(), 'dist');
    expect(runCli('synth', '--config', THREE_ENVIRONMENTS_CONFIG, '--outdir', outdir).code).toBe(0);
    const written = readTree(outdir);
    written.delete(MANIFEST_FILE); // the writer's list of its files, not a manifest Flux applies
    const report = validateTree(written, environments);
    expect(report.findings).toEqual([]);
    expect([...report.objectsValidated.values()].reduce((a, b) => a + b)).toBe(
      environments.reduce((n, env) => n + env.policies.size + 1, 0),
    );
  });

  it('prints the compact summary on a clean synth', () => {
    const { code, out } = runCli('synth', '--config', THREE_ENVIRONMENTS_CONFIG, '--outdir', join(tempDir(), 'dist'));
    expect(code).toBe(0);
    expect(out).toContain(
      'production [ClusterPolicy]: verify-image-signatures (enforce), require-sbom-attestation (enforce), ' +
        'restrict-image-registries (enforce), require-provenance-attestation (audit); 5 objects validated',
    );
  });

  const BROKEN = `
environments:
  - name: production
    imagePatterns: ["*/*", "ghcr.io/\${owner}/*"]
    signer:
      issuer: https://token.actions.githubusercontent.com
      subject: https://github.com/acme*/*
    webhook: { failurePolicy: Ignore }
    policies:
      verify-image-signatures: { phase: enforce }
`;

  it('reports every config-caused problem once, at its config line, exits non-zero and leaves the output alone', () => {
    const outdir = previousOutput();
    const before = readTree(outdir);
    const config = writeConfig(BROKEN);
    const { code, err } = runCli('synth', '--config', config, '--outdir', outdir);
    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      `${config}:4:21: environment "production": imagePatterns[0]: "*/*" governs every image of every registry: the guardrails would govern, and restrict-image-registries admit, images of owners you do not control`,
      `${config}:4:28: environment "production": imagePatterns[1]: "ghcr.io/\${owner}/*" contains template syntax ({{ }}, \${ } or $( )) that Kyverno or Flux would substitute`,
      `${config}:7:16: environment "production": signer.subject: "https://github.com/acme*/*" matches more than one owner on github.com: the part before the first wildcard must end with "/<owner>/": anyone who can run a workflow there could sign`,
      `${config}:8:31: environment "production": webhook.failurePolicy: enforces with failurePolicy Ignore (fails open): set webhook.acknowledgeFailOpen to the reason, or use failurePolicy Fail`,
      `${outdir}/ was not changed.`,
    ]);
    expect(readTree(outdir)).toEqual(before);
  });

  it('refuses in check as well', () => {
    const { code, err } = runCli('check', '--config', writeConfig(BROKEN), '--outdir', previousOutput());
    expect(code).toBe(1);
    expect(err).toContain('webhook.failurePolicy: enforces with failurePolicy Ignore');
  });

  it('accepts fail-open enforcement once the config acknowledges it', () => {
    const acknowledged = BROKEN.replace('*/*", "ghcr.io/${owner}/*', 'ghcr.io/acme/*')
      .replace('acme*/*', 'acme/*')
      .replace('{ failurePolicy: Ignore }', '{ failurePolicy: Ignore, acknowledgeFailOpen: "registry outages must not stop deploys" }');
    expect(runCli('synth', '--config', writeConfig(acknowledged), '--outdir', join(tempDir(), 'dist')).code).toBe(0);
    expect(
      runCli(
        'synth',
        '--config',
        writeConfig(acknowledged.replace('registry outages must not stop deploys', ' ')),
        '--outdir',
        join(tempDir(), 'dist'),
      ).err,
    ).toContain('webhook.acknowledgeFailOpen: must state the reason failing open is acceptable');
  });
});

/** mulberry32: a small deterministic PRNG started from `state`, so a failing case can be replayed from its number. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** For each field of an environment (dotted path), values that make the config invalid there: to the schema, Kyverno or the lint. */
const INVALID: Readonly<Record<string, readonly unknown[]>> = {
  name: ['', 'Production', 'x'.repeat(70), 'flux', 7],
  imagePatterns: [[], '*', null],
  'imagePatterns.0': ['*', '*/*', 'acme/*', '*.io/*', 'ghcr.io/${owner}/*', 'ghcr.io/{{x}}/*', ''],
  signer: [null, {}, 'x'],
  'signer.issuer': ['', 'http://issuer.example', '*', 'https://*', 3],
  'signer.subject': ['', '*', 'https://github.com/*', 'https://github.com/acme*/*', '${who}', null],
  'signer.rekorUrl': ['', 'http://rekor.example', false],
  namespaces: [[], ['Bad_Name'], ['$(ns)'], 'develop'],
  excludeNamespaces: [['Bad_Name'], 'kyverno'],
  kyvernoNamespace: ['', 'Kyverno', 1],
  systemNamespaces: [['Bad_Name'], 'flux-system', [''], null],
  controllers: [{ Bad_Name: ['quay.io/x/y:1'] }, { ns: [] }, { ns: ['quay.io/x y:1'] }, { ns: ['quay.io./x/y:1'] }, ['quay.io/x/y:1']],
  webhook: ['fast', { failurePolicy: 'Ignore' }],
  'webhook.timeoutSeconds': [0, 31, -1, 1.5, '30'],
  'webhook.failurePolicy': ['ignore', 'Open', null],
  'webhook.acknowledgeFailOpen': ['', ' ', 1],
  policies: [null, [], { 'verify-everything': { phase: 'audit' } }],
  'policies.verify-image-signatures': [{ phase: 'block' }, {}, 'enforce'],
  'policies.require-sbom-attestation.phase': ['Enforce', 'report', null],
  unknownField: [true],
};

function setPath(target: any, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  let node = target;
  for (const key of keys) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[last] = value;
}

describe('property: random invalid configs', () => {
  it('never throw, always exit 1 with a message, and never touch the output directory', () => {
    const outdir = previousOutput();
    const before = readTree(outdir);
    const base = {
      environments: [
        {
          name: 'production',
          imagePatterns: ['ghcr.io/acme/*'],
          signer: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/*' },
          policies: { 'verify-image-signatures': { phase: 'enforce' }, 'require-sbom-attestation': { phase: 'audit' } },
        },
      ],
    };
    // `webhook: {failurePolicy: Ignore}` is invalid only because verify-image-signatures enforces here.
    for (let caseNumber = 1; caseNumber <= 150; caseNumber++) {
      const random = prng(caseNumber);
      const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
      const config = structuredClone(base) as any;
      const mutations = 1 + Math.floor(random() * 4);
      for (let i = 0; i < mutations; i++) {
        const field = pick(Object.keys(INVALID));
        setPath(config.environments[0], field, structuredClone(pick(INVALID[field])));
      }
      const file = writeConfig(stringify(config));
      let result: ReturnType<typeof runCli> | undefined;
      expect(() => (result = runCli('synth', '--config', file, '--outdir', outdir)), `case ${caseNumber}`).not.toThrow();
      expect(result?.code, `case ${caseNumber}: ${stringify(config)}`).toBe(1);
      expect(result?.err, `case ${caseNumber}`).toMatch(/was not changed\.$/);
      expect(readTree(outdir), `case ${caseNumber}`).toEqual(before);
    }
  });
});
