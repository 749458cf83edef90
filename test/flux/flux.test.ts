import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import validators from '../../imports/validators';
import { ConfigError, loadConfig } from '../../src/config/load';
import { synthesize } from '../../src/synthesize';
import { SOURCE_IGNORE } from '../../src/flux';
import { DIST_DIR, fluxDirectory } from '../../src/model/layout';
import { THREE_ENVIRONMENTS_CONFIG, fixtureEnvironments, objectsIn, treeFor, writeConfig } from '../helpers';

const ENVIRONMENTS = fixtureEnvironments().map((env) => env.name);

/** One environment's config, with extra YAML lines (indented as environment fields) appended. */
function configText(extra = '', phase = 'enforce'): string {
  return [
    'environments:',
    '  - name: production',
    '    imagePatterns: [ghcr.io/acme/*]',
    '    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }',
    `    policies: { verify-image-signatures: { phase: ${phase} } }`,
    extra,
  ].join('\n');
}

function validate(object: { apiVersion: string; kind: string }) {
  const validator = validators[`${object.apiVersion}/${object.kind}`];
  expect(validator, `no pinned schema for ${object.apiVersion}/${object.kind}`).toBeDefined();
  validator(object);
  return validator.errors ?? [];
}

/** Maps a Flux `path` (`./dist/...`) to the output-tree directory it names. */
function treeDirectory(path: string): string {
  expect(path.startsWith(`./${DIST_DIR}/`), path).toBe(true);
  return path.slice(`./${DIST_DIR}/`.length);
}

describe.each(ENVIRONMENTS)('Flux objects of %s', (env) => {
  const tree = treeFor();
  const dir = fluxDirectory(env);
  const [kustomization] = objectsIn(tree, `${dir}/policies.yaml`);

  test('match the snapshot', async () => {
    await expect(tree.get(`${dir}/policies.yaml`)).toMatchFileSnapshot(`./__snapshots__/flux-${env}.yaml`);
  });

  test('reconcile dist/<env> from the bootstrap GitRepository, after Kyverno, with prune and wait', () => {
    expect(kustomization.metadata.namespace).toBe('flux-system');
    expect(kustomization.spec.path).toBe(`./dist/${env}`);
    expect(kustomization.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
    expect(kustomization.spec.dependsOn).toEqual([{ name: 'kyverno' }]);
    expect(kustomization.spec.prune).toBe(true);
    expect(kustomization.spec.wait).toBe(true);
    expect(kustomization.spec.deletionPolicy).toBe('Orphan');
    expect(kustomization.spec).toMatchObject({ interval: '10m', retryInterval: '2m', timeout: '3m' });
  });

  test('health-check exactly the policy kinds the path holds', () => {
    const policyDir = treeDirectory(kustomization.spec.path);
    const kinds = new Set(
      [...tree.keys()]
        .filter((p) => p.startsWith(`${policyDir}/`) && !p.endsWith('/kustomization.yaml'))
        .flatMap((p) => objectsIn(tree, p).map((o) => `${o.apiVersion}/${o.kind}`)),
    );
    const checked = kustomization.spec.healthCheckExprs.map((h: { apiVersion: string; kind: string }) => `${h.apiVersion}/${h.kind}`);
    expect(new Set(checked)).toEqual(kinds);
    for (const check of kustomization.spec.healthCheckExprs) expect(check.current).toMatch(/Ready|ready/);
  });

  test('point at a path that exists in the synthesized tree', () => {
    expect(tree.has(`${treeDirectory(kustomization.spec.path)}/kustomization.yaml`)).toBe(true);
  });
});

test('no Flux path covers the drill directory or another environment', () => {
  const { tree, entryPoints } = synthesize(loadConfig(THREE_ENVIRONMENTS_CONFIG));
  const paths = [
    ...[...entryPoints.values()].map((text) => parse(text).spec.path),
    ...ENVIRONMENTS.map((env) => objectsIn(tree, `${fluxDirectory(env)}/policies.yaml`)[0].spec.path),
  ];
  for (const path of paths) {
    const dir = `${treeDirectory(path)}/`;
    expect('drill/'.startsWith(dir), path).toBe(false);
    expect(dir.startsWith('drill/'), path).toBe(false);
    const covered = paths.filter((other) => other !== path && `${treeDirectory(other)}/`.startsWith(dir));
    expect(covered, path).toEqual([]);
  }
});

test('every kustomization.yaml lists exactly the other manifests of its directory', () => {
  const tree = treeFor();
  for (const [path, text] of tree) {
    if (!path.endsWith('/kustomization.yaml')) continue;
    const dir = path.slice(0, -'kustomization.yaml'.length);
    // kyverno-test.yaml is Kyverno CLI input, not a cluster object: kustomize must never apply it.
    const siblings = [...tree.keys()]
      .filter((p) => p.startsWith(dir) && p !== path && !p.endsWith('/kyverno-test.yaml'))
      .map((p) => p.slice(dir.length));
    expect(parse(text).resources, path).toEqual(siblings.sort());
  }
});

describe('flux config', () => {
  test('settings reach the Kustomization', () => {
    const flux = 'flux: { kyvernoKustomization: kyverno-install, interval: 1h, retryInterval: 30s, timeout: 1m30s, sourceRef: fleet }';
    const [k] = objectsIn(treeFor(writeConfig(configText(`    ${flux}`))), 'flux/production/policies.yaml');
    expect(k.spec).toMatchObject({ interval: '1h', retryInterval: '30s', timeout: '1m30s', dependsOn: [{ name: 'kyverno-install' }] });
    expect(k.spec.sourceRef.name).toBe('fleet');
    expect(validate(k)).toEqual([]);
  });

  test('gitRepository emits a valid GitRepository limited to dist/ and clusters/, which the Kustomization reads', () => {
    const flux = '    flux:\n      gitRepository: { url: https://github.com/acme/guardrails, secretRef: guardrails-auth }';
    const tree = treeFor(writeConfig(configText(flux)));
    const [repo] = objectsIn(tree, 'flux/production/source.yaml');
    const [k] = objectsIn(tree, 'flux/production/policies.yaml');
    expect(validate(repo)).toEqual([]);
    expect(repo.metadata).toEqual({ name: 'guardrails', namespace: 'flux-system' });
    expect(repo.spec).toMatchObject({
      url: 'https://github.com/acme/guardrails',
      ref: { branch: 'main' },
      secretRef: { name: 'guardrails-auth' },
    });
    expect(repo.spec.ignore).toBe(SOURCE_IGNORE);
    expect(repo.spec.ignore.split('\n').filter(Boolean)).toEqual(['/*', '!/dist/', '!/clusters/']);
    expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'guardrails' });
    expect(parse(tree.get('flux/production/kustomization.yaml')!).resources).toEqual(['policies.yaml', 'source.yaml']);
  });

  test('no GitRepository is emitted without gitRepository', () => {
    expect([...treeFor(writeConfig(configText())).keys()].filter((p) => p.endsWith('source.yaml'))).toEqual([]);
  });

  function problemsOf(text: string): string[] {
    try {
      loadConfig(writeConfig(text));
    } catch (error) {
      if (error instanceof ConfigError) return error.message.split('\n');
      throw error;
    }
    throw new Error('config was accepted');
  }

  test.each(['10 minutes', '5', '1d', '-5m'])('a duration of "%s" is refused with file:line', (value) => {
    const problems = problemsOf(configText(`    flux: { timeout: "${value}" }`));
    expect(problems).toEqual([
      expect.stringMatching(/environments\.yaml:6:\d+: environment "production": flux\.timeout: must be a Go duration/),
    ]);
  });

  test.each([
    ['timeout', '0s'],
    ['interval', '500ms'],
    ['retryInterval', '99999999999h'],
  ])('a %s of %s (a valid Go duration Flux would refuse or overflow on) is refused with file:line', (field, value) => {
    const problems = problemsOf(configText(`    flux: { ${field}: "${value}" }`));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`:6:\\d+: environment "production": flux\\.${field}: must be between 1s and 8760h \\(got ${value}\\)`),
      ),
    ]);
  });

  test('durations within bounds, in any Go notation, are accepted', () => {
    const [production] = loadConfig(writeConfig(configText('    flux: { timeout: "1h30m", interval: "90s", retryInterval: "8760h" }')));
    expect(production.flux).toMatchObject({ timeout: '1h30m', interval: '90s', retryInterval: '8760h' });
  });

  test('an emitted GitRepository may not take the bootstrap name', () => {
    const problems = problemsOf(configText('    flux: { sourceRef: flux-system, gitRepository: { url: https://github.com/acme/g } }'));
    expect(problems).toEqual([expect.stringMatching(/:6:\d+: environment "production": flux\.sourceRef: must not be "flux-system"/)]);
  });

  test.each([
    [
      'url: "http://github.com/acme/guardrails"',
      'url',
      /is plain http: .*anyone on the path could serve others; use https:\/\/github\.com\/acme\/guardrails or ssh:\/\//,
    ],
    [
      'url: "https://deploy:ghp_token@github.com/acme/guardrails"',
      'url',
      /carries credentials, which would be committed and published .*secretRef/,
    ],
    ['url: "ssh://git:secret@github.com/acme/guardrails"', 'url', /carries credentials/],
    ['url: "https://github.com/acme/guardrails x"', 'url', /has a space or a character beyond ASCII/],
    ['url: "https://github.com/${OWNER}/guardrails"', 'url', /template syntax/],
    ['url: "https://github.com/acme/guardrails#main"', 'url', /has a query or fragment/],
    [
      'url: https://github.com/acme/guardrails, branch: "release 1"',
      'branch',
      /"release 1" is not a branch name Git accepts: it holds " "/,
    ],
    ['url: https://github.com/acme/guardrails, branch: "a..b"', 'branch', /it holds "\.\."/],
    ['url: https://github.com/acme/guardrails, branch: "main.lock"', 'branch', /ends with "\.lock"/],
    ['url: https://github.com/acme/guardrails, branch: "main/"', 'branch', /begins or ends with "\/"/],
    [
      'url: https://github.com/acme/guardrails, branch: "refs/heads/main"',
      'branch',
      /is a full reference, not a branch name: name the branch alone \(main\)/,
    ],
    ['url: https://github.com/acme/guardrails, branch: "${BRANCH}"', 'branch', /template syntax/],
  ])(
    'an emitted GitRepository with %s is refused at gitRepository.%s: the cluster would fetch other policies, or none',
    (fields, field, message) => {
      const problems = problemsOf(configText(`    flux: { gitRepository: { ${fields} } }`));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`:6:\\d+: environment "production": flux\\.gitRepository\\.${field}: `))]);
      expect(problems[0]).toMatch(message);
    },
  );

  test.each([
    'url: ssh://git@github.com/acme/guardrails, branch: release/v1',
    'url: https://git.acme.example/platform/guardrails.git, branch: main, secretRef: git-credentials',
  ])('an emitted GitRepository with %s is accepted', (fields) => {
    expect(loadConfig(writeConfig(configText(`    flux: { gitRepository: { ${fields} } }`)))).toHaveLength(1);
  });

  test('a Kyverno dependency named after the policies Kustomization itself is refused: it would wait for itself', () => {
    expect(problemsOf(configText('    flux: { kyvernoKustomization: guardrails-policies }'))).toEqual([
      expect.stringMatching(
        /:6:\d+: environment "production": flux\.kyvernoKustomization: "guardrails-policies" is this environment's own policies Kustomization/,
      ),
    ]);
  });

  test('an unknown flux field is refused', () => {
    expect(problemsOf(configText('    flux: { validation: server }'))).toEqual([
      expect.stringMatching(/flux\.validation: unknown field "validation"/),
    ]);
  });
});
