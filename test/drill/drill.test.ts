import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load';
import { drillDirectory, KYVERNO_TEST_FILE } from '../../src/model/layout';
import { matchesGlob } from '../../src/model/glob';
import { MIXED_ENGINES_CONFIG, THREE_ENVIRONMENTS_CONFIG, objectsIn, testDigest, treeFor, writeConfig } from '../helpers';

const isWithin = (path: string, dir: string) => !posix.relative(dir, path).startsWith('..');
/** Orders objects by their JSON with sorted keys, so the order in which keys were written does not matter. */
const canonical = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
const byJson = (a: object, b: object) => (canonical(a) < canonical(b) ? -1 : 1);

/** Every environment with a drill, of the three-environments fixture (ClusterPolicy) and of the mixed-engines one (ImageValidatingPolicy). */
const drills = [THREE_ENVIRONMENTS_CONFIG, MIXED_ENGINES_CONFIG].flatMap((config) => {
  const tree = treeFor(config);
  const environments = loadConfig(config);
  /** The paths Flux Kustomizations apply: `./dist/<env>` and `./dist/flux/<env>`. */
  const fluxPaths = environments.flatMap((env) => [env.name, `flux/${env.name}`]);
  return environments.filter((env) => env.drill !== undefined).map((env) => [env.name, env, tree, fluxPaths] as const);
});

/**
 * How a `kyverno-test.yaml` result must select the results of a rendered policy, read from the policy object:
 * a ClusterPolicy by its Deployment rule (autogen prefixes the Pod rule's name), the policies.kyverno.io kinds,
 * which have no rules, by the flag Kyverno's CLI requires for the kind.
 */
function selectorFor(policy: { kind: string; spec: { rules?: { name: string }[] } }): Record<string, unknown> {
  switch (policy.kind) {
    case 'ClusterPolicy':
      return { rule: `autogen-${policy.spec.rules![0].name}` };
    case 'ImageValidatingPolicy':
      return { isImageValidatingPolicy: true };
    case 'ValidatingPolicy':
      return { isValidatingPolicy: true };
    default:
      throw new Error(`no drill selector for ${policy.kind}`);
  }
}

it('drills an environment of each engine', () => {
  expect(new Set(drills.map(([, env]) => env.engine))).toEqual(new Set(['ClusterPolicy', 'ImageValidatingPolicy']));
});

describe.each(drills)('drill of %s', (name, env, tree, fluxPaths) => {
  const dir = drillDirectory(name);
  const files = [...tree.keys()].filter((path) => path.startsWith(`${dir}/`));
  const tests = objectsIn(tree, `${dir}/${KYVERNO_TEST_FILE}`);
  const deployments = files.filter((f) => f.endsWith('-image.yaml')).flatMap((f) => objectsIn(tree, f));

  it('matches the snapshot', () => {
    expect(Object.fromEntries(files.map((f) => [f, tree.get(f)]))).toMatchSnapshot();
  });

  it('lies outside every Flux path', () => {
    for (const fluxPath of fluxPaths) {
      for (const file of files) expect(isWithin(file, fluxPath), `${file} within ${fluxPath}`).toBe(false);
    }
  });

  it('runs the configured images as Deployments in a namespace the policies check', () => {
    expect(deployments.map((d) => [d.kind, d.metadata.name, d.spec.template.spec.containers[0].image])).toEqual([
      ['Deployment', 'drill-signed-image', env.drill!.signedImage],
      ['Deployment', 'drill-unsigned-image', env.drill!.unsignedImage],
      ['Deployment', 'drill-foreign-image', env.drill!.foreignImage],
    ]);
    for (const d of deployments) {
      expect(env.namespaces === undefined || env.namespaces.includes(d.metadata.namespace)).toBe(true);
      expect(env.excludeNamespaces).not.toContain(d.metadata.namespace);
      const governed = env.imagePatterns.some((p) => matchesGlob(p, d.spec.template.spec.containers[0].image));
      expect(governed, d.metadata.name).toBe(d.metadata.name !== 'drill-foreign-image');
    }
  });

  it('has no construct-path hashes: names, selectors and labels are the chosen ones', () => {
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      expect(Object.keys(labels)).toEqual(['app.kubernetes.io/name', 'app.kubernetes.io/part-of']);
      expect(d.spec.selector.matchLabels).toEqual(labels);
    }
    expect(files.map((f) => tree.get(f)).join('')).not.toMatch(/cdk8s\.io|-c8[0-9a-f]{6}\b/);
  });

  it('kyverno-test.yaml holds one Test per guardrail, loading its synthesized policy alone and resources by relative path', () => {
    // One policy per Test: the Kyverno CLI judges several verifyImages policies of one resource wrongly (src/drill/kyverno-test.ts).
    for (const test of tests) expect(test).toMatchObject({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'Test' });
    const policyFiles = tests.map((test) => test.policies.map((p: string) => posix.join(dir, p)));
    expect(policyFiles).toEqual([...env.policies.keys()].map((policy) => [`${name}/${policy}.yaml`]));
    for (const test of tests) {
      expect(new Set(test.results.map((r: any) => r.policy))).toEqual(
        new Set([
          test.policies[0]
            .split('/')
            .at(-1)
            .replace(/\.yaml$/, ''),
        ]),
      );
      for (const file of test.resources.map((r: string) => posix.join(dir, r))) expect(tree.has(file), file).toBe(true);
    }
  });

  it("states each guardrail's verdict on each drill Deployment, selected as its policy kind requires", () => {
    // Signature guardrails: the signed image passes, the unsigned one fails, a foreign one is not theirs to judge.
    // The registry restriction: governed images pass, the foreign one fails.
    const verdicts: Record<string, Record<string, string>> = {
      'verify-image-signatures': { 'drill-signed-image': 'pass', 'drill-unsigned-image': 'fail' },
      'require-sbom-attestation': { 'drill-signed-image': 'pass', 'drill-unsigned-image': 'fail' },
      'require-provenance-attestation': { 'drill-signed-image': 'pass', 'drill-unsigned-image': 'fail' },
      'restrict-image-registries': { 'drill-signed-image': 'pass', 'drill-unsigned-image': 'pass', 'drill-foreign-image': 'fail' },
    };
    const expected = [...env.policies.keys()].flatMap((policy) => {
      const selector = selectorFor(objectsIn(tree, `${name}/${policy}.yaml`)[0]);
      return Object.entries(verdicts[policy]).map(([deployment, result]) => ({ policy, ...selector, deployment, result }));
    });
    const results = tests.flatMap((test) => test.results);
    const actual = results.map(({ kind, resources, ...rest }: any) => ({ ...rest, deployment: resources[0] }));
    expect(new Set(results.map((r: any) => r.kind))).toEqual(new Set(['Deployment']));
    expect(actual.sort(byJson)).toEqual(expected.sort(byJson));
  });
});

describe('drill config', () => {
  const base = `environments:
  - name: lab
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies:
      verify-image-signatures: { phase: enforce }
`;
  /** The config's refusal with `drill` (and `extra` lines before it), or '' when it loads. */
  const problems = (drill: string, extra = '', environment = base) => {
    try {
      loadConfig(writeConfig(`${environment}${extra}    drill:\n${drill}`));
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return '';
  };
  const digest = testDigest('ok').slice('sha256:'.length);

  it('is optional: no drill, no drill directory', () => {
    const lab = treeFor(writeConfig(base));
    expect([...lab.keys()].some((path) => path.startsWith('drill/'))).toBe(false);
  });

  it('accepts governed images, the signed one by digest', () => {
    expect(problems(`      signedImage: ghcr.io/acme/ok@sha256:${digest}\n      unsignedImage: ghcr.io/acme/bad:1\n`)).toBe('');
  });

  it('refuses a signed image without a digest', () => {
    expect(problems(`      signedImage: ghcr.io/acme/ok:1\n      unsignedImage: ghcr.io/acme/bad:1\n`)).toMatch(
      /:8:\d+: environment "lab": drill\.signedImage: "ghcr\.io\/acme\/ok:1" is not pinned by digest: write <repository>@sha256:/,
    );
  });

  it('refuses a foreign image the environment allows: the registry restriction would admit it', () => {
    const message = problems(
      `      signedImage: ghcr.io/acme/ok@sha256:${digest}\n      unsignedImage: ghcr.io/acme/bad:1\n      foreignImage: ghcr.io/acme/x:1\n`,
    );
    expect(message).toMatch(
      /environment "lab": drill\.foreignImage: "ghcr\.io\/acme\/x:1" is allowed by ghcr\.io\/acme\/\* \(imagePatterns or thirdPartyImages\)/,
    );
  });

  it('refuses the default foreign image when thirdPartyImages allows it: the registry drill would expect it denied', () => {
    const drill = `      signedImage: ghcr.io/acme/ok@sha256:${digest}\n      unsignedImage: ghcr.io/acme/bad:1\n`;
    expect(problems(drill)).toBe('');
    expect(problems(drill, '    thirdPartyImages: [docker.io/library/*]\n')).toMatch(
      /:9:\d+: environment "lab": drill: foreignImage, by default "docker\.io\/library\/busybox:1\.36", is allowed by docker\.io\/library\/\*/,
    );
  });

  it.each([`ghcr.io/acme/ok@sha256:${digest}`, `ghcr.io/acme/ok:1@sha256:${digest}`])(
    'refuses the signed image as the unsigned one (%s): one image cannot be both admitted and denied',
    (unsigned) => {
      expect(problems(`      signedImage: ghcr.io/acme/ok@sha256:${digest}\n      unsignedImage: ${unsigned}\n`)).toMatch(
        /environment "lab": drill\.unsignedImage: ".*" is the signed image too/,
      );
    },
  );

  it('answers at once for a refused pattern of many "*" against a long drill image (no backtracking regular expression)', () => {
    const long = `ghcr.io/acme/${'a'.repeat(200)}`;
    const manyStars = base.replace('[ghcr.io/acme/*]', `["ghcr.io/acme/${'a*'.repeat(30)}b"]`);
    const message = problems(`      signedImage: ${long}@sha256:${digest}\n      unsignedImage: ${long}:1\n`, '', manyStars);
    expect(message).toMatch(/imagePatterns\[0\]: .* has text after its "\*"/);
    expect(message).toMatch(/drill\.signedImage: .* matches none of imagePatterns/);
  });

  it('refuses images the environment does not govern: the policies would skip them', () => {
    const message = problems(`      signedImage: docker.io/acme/ok@sha256:${digest}\n      unsignedImage: quay.io/acme/bad:1\n`);
    expect(message).toContain(
      `environment "lab": drill.signedImage: "docker.io/acme/ok@sha256:${digest}" matches none of imagePatterns (ghcr.io/acme/*)`,
    );
    expect(message).toContain('environment "lab": drill.unsignedImage: "quay.io/acme/bad:1" matches none of imagePatterns');
  });
});
