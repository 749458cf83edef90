import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import validators from '../../imports/validators';
import { loadConfig } from '../../src/config/load';
import { GENERATED_MARKER } from '../../src/model/layout';
import { readTree } from '../../src/output/write';
import { synthesize } from '../../src/synthesize';
import { MIXED_ENGINES_CONFIG, fixtureEnvironments, runCli, tempDir, writeConfig } from '../helpers';

const SIGNER = '{ issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }';

/** One environment entry of a config, with extra fields (YAML lines without indentation). */
function environment(name: string, ...fields: string[]): string {
  return [
    `  - name: ${name}`,
    ...fields.map((field) => `    ${field}`),
    '    imagePatterns: [ghcr.io/acme/*]',
    `    signer: ${SIGNER}`,
    '    policies: { verify-image-signatures: { phase: audit }, restrict-image-registries: { phase: audit } }',
  ].join('\n');
}

function configText(...environments: string[]): string {
  return ['environments:', ...environments, ''].join('\n');
}

/** `line:column` (1-based) of the first occurrence of `needle` in `text` after `after`. */
function positionOf(text: string, needle: string, after = ''): string {
  const lines = text.slice(0, text.indexOf(needle, text.indexOf(after))).split('\n');
  return `${lines.length}:${lines.at(-1)!.length + 1}`;
}

function validate(object: { apiVersion: string; kind: string }) {
  const validator = validators[`${object.apiVersion}/${object.kind}`];
  expect(validator, `no pinned schema for ${object.apiVersion}/${object.kind}`).toBeDefined();
  validator(object);
  return validator.errors ?? [];
}

/** `kind namespace/name` of every object an environment applies to its cluster, read back from the files. */
function appliedObjects(env: string, { tree, entryPoints }: ReturnType<typeof synthesize>, entryPoint: string): string[] {
  const files = [...tree].filter(
    ([path]) => (path.startsWith(`${env}/`) || path.startsWith(`flux/${env}/`)) && !path.endsWith('/kustomization.yaml'),
  );
  return [...files.map(([, text]) => text), entryPoints.get(entryPoint)!].flatMap((text) =>
    parseAllDocuments(text).map((doc) => {
      const { apiVersion, kind, metadata } = doc.toJS();
      return `${apiVersion} ${kind} ${metadata.namespace ?? ''}/${metadata.name}`;
    }),
  );
}

describe('entry points', () => {
  const environments = fixtureEnvironments(MIXED_ENGINES_CONFIG);
  const { tree, entryPoints } = synthesize(environments);

  test('one per environment, at clusters/<env>/guardrails.yaml', () => {
    expect([...entryPoints.keys()].sort()).toEqual(environments.map((env) => `clusters/${env.name}/guardrails.yaml`).sort());
  });

  test.each(environments.map((env) => env.name))('%s: a generated Kustomization that applies its dist/flux/<env>/ and is valid', (env) => {
    const text = entryPoints.get(`clusters/${env}/guardrails.yaml`)!;
    expect(text.split('\n')[0]).toBe(GENERATED_MARKER);
    const objects = parseAllDocuments(text).map((doc) => doc.toJS());
    expect(objects).toHaveLength(1);
    const [entry] = objects;
    expect(validate(entry)).toEqual([]);
    expect(entry.metadata).toEqual({ name: 'guardrails', namespace: 'flux-system' });
    expect(entry.spec).toMatchObject({
      path: `./dist/flux/${env}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    });
    expect(tree.has(`flux/${env}/kustomization.yaml`)).toBe(true);
  });
});

describe("an environment on another environment's cluster", () => {
  const text = configText(
    environment('staging'),
    environment(
      'staging-ivp',
      'cluster: staging',
      'engine: ImageValidatingPolicy',
      'flux: { gitRepository: { url: https://github.com/acme/guardrails } }',
    ),
  );
  const synthesis = synthesize(loadConfig(writeConfig(text)));
  const guestEntry = 'clusters/staging/guardrails-staging-ivp.yaml';

  test('gets its own entry point file and Flux object names; the owner keeps the plain ones', () => {
    expect([...synthesis.entryPoints.keys()].sort()).toEqual([
      'clusters/staging/guardrails-staging-ivp.yaml',
      'clusters/staging/guardrails.yaml',
    ]);
    const [entry] = parseAllDocuments(synthesis.entryPoints.get(guestEntry)!).map((doc) => doc.toJS());
    expect(entry.metadata.name).toBe('guardrails-staging-ivp');
    expect(entry.spec.path).toBe('./dist/flux/staging-ivp');
    const [policies] = parseAllDocuments(synthesis.tree.get('flux/staging-ivp/policies.yaml')!).map((doc) => doc.toJS());
    const [source] = parseAllDocuments(synthesis.tree.get('flux/staging-ivp/source.yaml')!).map((doc) => doc.toJS());
    expect(policies.metadata.name).toBe('guardrails-policies-staging-ivp');
    expect(source.metadata.name).toBe('guardrails-staging-ivp');
    expect(policies.spec.sourceRef.name).toBe('guardrails-staging-ivp');
    expect(parse(synthesis.tree.get('flux/staging/policies.yaml')!).metadata.name).toBe('guardrails-policies');
    for (const object of [entry, policies, source]) expect(validate(object)).toEqual([]);
  });

  test('applies no object the owner applies', () => {
    const owner = appliedObjects('staging', synthesis, 'clusters/staging/guardrails.yaml');
    const guest = appliedObjects('staging-ivp', synthesis, guestEntry);
    expect(guest.length).toBeGreaterThan(0);
    expect(guest.filter((object) => owner.includes(object))).toEqual([]);
  });

  test('is synthesized and checked like any other', () => {
    const outdir = join(tempDir(), 'dist');
    expect(runCli('synth', '--config', writeConfig(text), '--outdir', outdir).code).toBe(0);
    expect(readFileSync(join(dirname(outdir), guestEntry), 'utf8')).toBe(synthesis.entryPoints.get(guestEntry));
    expect(runCli('check', '--config', writeConfig(text), '--outdir', outdir).code).toBe(0);
  });
});

describe('environments colliding on one cluster are refused at their cluster field', () => {
  function refusal(text: string) {
    const config = writeConfig(text);
    const outdir = join(tempDir(), 'dist');
    const result = runCli('synth', '--config', config, '--outdir', outdir);
    expect(result.code).toBe(1);
    expect(existsSync(outdir)).toBe(false);
    expect(existsSync(join(dirname(outdir), 'clusters'))).toBe(false);
    return { ...result, config };
  }

  test('two environments with the same engine: their policies share names', () => {
    const text = configText(environment('staging'), environment('staging-copy', 'cluster: staging'));
    const { err, config } = refusal(text);
    expect(err).toContain(
      `${config}:${positionOf(text, 'staging\n    imagePatterns', 'staging-copy')}: environment "staging-copy": cluster: environments "staging" and "staging-copy" are both applied to cluster "staging" and would both apply ClusterPolicy verify-image-signatures (kyverno.io), ClusterPolicy restrict-image-registries (kyverno.io)`,
    );
  });

  test("an environment whose Flux object takes another one's name, found from the objects themselves", () => {
    // The guest's entry Kustomization is guardrails-<env>: for "policies", the owner's policies Kustomization name.
    const text = configText(environment('staging'), environment('policies', 'cluster: staging', 'engine: ImageValidatingPolicy'));
    const { err, config } = refusal(text);
    expect(err).toContain(`${config}:${positionOf(text, 'staging\n    engine')}: environment "policies": cluster: `);
    expect(err).toContain('would both apply Kustomization flux-system/guardrails-policies (kustomize.toolkit.fluxcd.io)');
  });

  test('the same emitted GitRepository; a defaulted cluster is pointed at by the name', () => {
    const flux = 'flux: { sourceRef: fleet, gitRepository: { url: https://github.com/acme/guardrails } }';
    const text = configText(
      environment('staging-ivp', 'cluster: staging', 'engine: ImageValidatingPolicy', flux),
      environment('staging', flux),
    );
    const { err, config } = refusal(text);
    expect(err).toContain(
      `${config}:${positionOf(text, 'staging\n    flux')}: environment "staging": name: environments "staging-ivp" and "staging" are both applied to cluster "staging"`,
    );
    expect(err).toContain('would both apply GitRepository flux-system/fleet (source.toolkit.fluxcd.io)');
  });

  test('a Kustomization name too long for the label Flux puts on what it applies', () => {
    const name = `migration-${'x'.repeat(34)}`; // 44 characters: guardrails-policies-<name> has 64
    const text = configText(environment('staging'), environment(name, 'cluster: staging', 'engine: ImageValidatingPolicy'));
    const { err } = refusal(text);
    expect(err).toContain(
      `environment "${name}": cluster: the Flux Kustomization name "guardrails-policies-${name}" is longer than 63 characters`,
    );
    const fits = configText(environment('staging'), environment(name.slice(1), 'cluster: staging', 'engine: ImageValidatingPolicy'));
    expect(runCli('synth', '--config', writeConfig(fits), '--outdir', join(tempDir(), 'dist')).code).toBe(0);
  });

  test('a cluster name that is not a DNS-1123 label', () => {
    const text = configText(environment('staging', 'cluster: Staging_1'));
    const { err, config } = refusal(text);
    expect(err).toContain(`${config}:${positionOf(text, 'Staging_1')}: environment "staging": cluster: must be a DNS-1123 label`);
  });
});

describe('synth owns only the entry points it generated', () => {
  const twoEnvironments = configText(environment('alpha'), environment('beta'));

  function synthesized(text = twoEnvironments) {
    const root = tempDir();
    const outdir = join(root, 'dist');
    expect(runCli('synth', '--config', writeConfig(text), '--outdir', outdir).code).toBe(0);
    return { root, outdir, clusters: join(root, 'clusters') };
  }

  test('writes them beside the output directory, and leaves other files of a cluster directory alone', () => {
    const { outdir, clusters } = synthesized();
    expect([...readTree(clusters).keys()].sort()).toEqual(['alpha/guardrails.yaml', 'beta/guardrails.yaml']);
    mkdirSync(join(clusters, 'alpha/flux-system'));
    writeFileSync(join(clusters, 'alpha/flux-system/gotk-sync.yaml'), 'kind: Kustomization\n');
    writeFileSync(join(clusters, 'alpha/apps.yaml'), 'kind: Kustomization\n');
    writeFileSync(join(clusters, 'beta/guardrails.yaml'), `${GENERATED_MARKER}\nhand-edited: true\n`);
    const expectedBeta = synthesize(loadConfig(writeConfig(twoEnvironments))).entryPoints.get('clusters/beta/guardrails.yaml');

    expect(runCli('synth', '--config', writeConfig(twoEnvironments), '--outdir', outdir).code).toBe(0);
    expect(readFileSync(join(clusters, 'beta/guardrails.yaml'), 'utf8')).toBe(expectedBeta);
    expect(readFileSync(join(clusters, 'alpha/flux-system/gotk-sync.yaml'), 'utf8')).toBe('kind: Kustomization\n');
    expect(readFileSync(join(clusters, 'alpha/apps.yaml'), 'utf8')).toBe('kind: Kustomization\n');
  });

  test('removes the entry point of a removed environment, and its directory once empty, but nothing else', () => {
    const { outdir, clusters } = synthesized();
    writeFileSync(join(clusters, 'alpha/apps.yaml'), 'kind: Kustomization\n');
    mkdirSync(join(clusters, 'gone'));
    writeFileSync(join(clusters, 'gone/guardrails.yaml'), 'kind: Kustomization # written by hand\n');

    expect(runCli('synth', '--config', writeConfig(configText(environment('gamma'))), '--outdir', outdir).code).toBe(0);
    expect([...readTree(clusters).keys()].sort()).toEqual(['alpha/apps.yaml', 'gamma/guardrails.yaml', 'gone/guardrails.yaml']);
    expect(existsSync(join(clusters, 'beta'))).toBe(false);
  });

  test('refuses to overwrite a file it did not generate, and writes nothing', () => {
    const root = tempDir();
    const outdir = join(root, 'dist');
    mkdirSync(join(root, 'clusters/beta'), { recursive: true });
    writeFileSync(join(root, 'clusters/beta/guardrails.yaml'), 'kind: Kustomization # written by hand\n');

    const { code, err } = runCli('synth', '--config', writeConfig(twoEnvironments), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain(
      `clusters/beta/guardrails.yaml exists and was not generated by synth (its first line is not "${GENERATED_MARKER}")`,
    );
    expect(existsSync(outdir)).toBe(false);
    expect(existsSync(join(root, 'clusters/alpha'))).toBe(false);
    expect(readFileSync(join(root, 'clusters/beta/guardrails.yaml'), 'utf8')).toBe('kind: Kustomization # written by hand\n');
  });

  test('check reports missing, stale and orphaned entry points and writes nothing', () => {
    const { root, outdir, clusters } = synthesized();
    rmSync(join(clusters, 'alpha/guardrails.yaml'));
    writeFileSync(join(clusters, 'beta/guardrails.yaml'), `${GENERATED_MARKER}\nhand-edited: true\n`);
    mkdirSync(join(clusters, 'gone'));
    writeFileSync(join(clusters, 'gone/guardrails.yaml'), `${GENERATED_MARKER}\n`);
    const before = readTree(root);

    const { code, err } = runCli('check', '--config', writeConfig(twoEnvironments), '--outdir', outdir);
    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      `added:   ${clusters}/alpha/guardrails.yaml`,
      `changed: ${clusters}/beta/guardrails.yaml`,
      `removed: ${clusters}/gone/guardrails.yaml`,
      `${outdir}/ or ${clusters}/ is stale: run \`npm run synth\` and commit the result.`,
    ]);
    expect(readTree(root)).toEqual(before);
  });
});
