// Do no harm to the cluster's own controllers: the sample-like fixture, every policy enforced, must admit Flux's
// controllers in flux-system, judged on the rendered policies by the test oracles (Kyverno's wildcard matcher and a CEL
// evaluator), never by the product's own matcher; and what synth warns about must be exactly what those oracles deny.
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { FLUX_NAMESPACE } from '../../src/model/cluster-naming';
import type { EngineKind } from '../../src/model/environment';
import { FLUX_CONTROLLER_IMAGES, FLUX_VERSION } from '../../src/model/flux-release';
import { ACTION_PINS } from '../../src/flux/action-pins';
import { controllerDenials } from '../../src/policies/cluster-controllers';
import { EnvironmentChart } from '../../src/environment-chart';
import { App } from 'cdk8s';
import { runCli, THREE_ENVIRONMENTS_CONFIG, tempDir, writeConfig } from '../helpers';
import { kyvernoCel } from '../support/kyverno-cel';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const evaluate = kyvernoCel();

/** Whether a rendered policy (either engine's kind) checks Pods created in `namespace`, read from its YAML. */
function checksNamespace(policy: any, namespace: string): boolean {
  if (policy.kind === 'ClusterPolicy') {
    const [rule] = policy.spec.rules;
    const scope: string[] | undefined = rule.match.any[0].resources.namespaces;
    const excluded: string[] = rule.exclude?.any?.[0]?.resources?.namespaces ?? [];
    return (scope === undefined || scope.includes(namespace)) && !excluded.includes(namespace);
  }
  // policies.kyverno.io: the namespaceSelector's requirements on the namespace name, ANDed.
  const requirements: { operator: string; values: string[] }[] = policy.spec.matchConstraints.namespaceSelector.matchExpressions;
  return requirements.every(({ operator, values }) => (operator === 'In' ? values.includes(namespace) : !values.includes(namespace)));
}

/**
 * Whether an enforced rendered policy denies a Pod in `namespace` running `image`: the registry restriction by its CEL,
 * a signature check when its image references govern the image (Flux's images carry no signature of the environment's
 * signer).
 */
function denies(policy: any, namespace: string, image: string): boolean {
  if (!checksNamespace(policy, namespace)) return false;
  const pod = { object: { spec: { containers: [{ name: 'manager', image }] } } };
  const cel: { expression: string }[] | undefined = policy.spec.validations ?? policy.spec.rules?.[0].validate?.cel?.expressions;
  if (policy.kind === 'ValidatingPolicy' || policy.spec.rules?.[0].validate) return !cel!.every((v) => evaluate(v.expression, pod));
  const references: string[] =
    policy.kind === 'ClusterPolicy'
      ? policy.spec.rules[0].verifyImages[0].imageReferences
      : policy.spec.matchImageReferences.map((m: { glob: string }) => m.glob);
  return references.some((glob) => kyvernoWildcardMatch(glob, image));
}

/** The fixture with every policy enforced, on `engine`, with `edit` applied to each environment as written. */
function enforcedFixture(engine: EngineKind, edit: (env: any) => void = () => {}): string {
  const { environments } = parse(readFileSync(THREE_ENVIRONMENTS_CONFIG, 'utf8'));
  for (const env of environments) {
    env.engine = engine;
    for (const policy of Object.values<{ phase: string }>(env.policies)) policy.phase = 'enforce';
    edit(env);
  }
  return writeConfig(stringify({ environments }));
}

/** Per environment and policy, the Flux controller images the rendered policies deny in flux-system. */
function deniedByOracles(config: string): Map<string, string[]> {
  const denied = new Map<string, string[]>();
  for (const environment of loadConfig(config)) {
    // The policies as the engine renders them (the rest of the tree does not judge Pods).
    for (const policy of new EnvironmentChart(new App(), { environment }).toJson()) {
      const images = FLUX_CONTROLLER_IMAGES.filter((image) => denies(policy, FLUX_NAMESPACE, image));
      if (images.length > 0) denied.set(`${environment.name}/${policy.metadata.name}`, images);
    }
  }
  return denied;
}

/** What the product says it would deny of the cluster's controllers, in the same shape. */
function deniedByProduct(config: string): Map<string, string[]> {
  return new Map(
    loadConfig(config).flatMap((env) =>
      controllerDenials(env)
        .filter((denial) => denial.controllers.namespace === FLUX_NAMESPACE)
        .map((denial) => [`${env.name}/${denial.policy}`, [...denial.images]] as const),
    ),
  );
}

describe.each(['ClusterPolicy', 'ImageValidatingPolicy'] as const)('%s: the sample under enforce keeps its GitOps alive', (engine) => {
  test("no enforced policy denies Flux's controllers in flux-system, and synth warns of nothing", () => {
    const config = enforcedFixture(engine);
    expect(deniedByOracles(config)).toEqual(new Map());
    expect(deniedByProduct(config)).toEqual(new Map());
  });

  test('checking flux-system (systemNamespaces: []) denies them: the oracles and synth agree on every policy and image', () => {
    const config = enforcedFixture(engine, (env) => {
      env.systemNamespaces = [];
    });
    const denied = deniedByOracles(config);
    // develop checks only its own namespace; staging and production check flux-system, and deny every Flux image.
    expect([...denied.keys()].sort()).toEqual(['production/restrict-image-registries', 'staging/restrict-image-registries'].sort());
    for (const images of denied.values()) expect(images).toEqual(FLUX_CONTROLLER_IMAGES);
    expect(deniedByProduct(config)).toEqual(denied);
  });

  test("checking flux-system with Flux's images allowed admits them again", () => {
    const config = enforcedFixture(engine, (env) => {
      env.systemNamespaces = [];
      env.thirdPartyImages = ['ghcr.io/fluxcd/*'];
    });
    expect(deniedByOracles(config)).toEqual(new Map());
    expect(deniedByProduct(config)).toEqual(new Map());
  });

  test('governing the controller images (a mirror the signer does not sign) denies them too, and synth says so', () => {
    const config = enforcedFixture(engine, (env) => {
      env.systemNamespaces = [];
      env.imagePatterns = [...env.imagePatterns, 'ghcr.io/fluxcd/*'];
    });
    const denied = deniedByOracles(config);
    expect([...denied.keys()]).toContain('production/verify-image-signatures');
    expect(denied.has('production/restrict-image-registries')).toBe(false);
    expect(deniedByProduct(config)).toEqual(denied);
  });
});

test('the Flux controllers are those of the Flux release the publishing workflow installs, from its registry', () => {
  expect(ACTION_PINS.flux.release).toBe(`v${FLUX_VERSION}`);
  // The kustomize-controller whose CRD is pinned is the one that release runs.
  const pinned = parse(readFileSync('crds/upstream.yaml', 'utf8'))['kustomize-controller'].version;
  expect(FLUX_CONTROLLER_IMAGES).toContain(`ghcr.io/fluxcd/kustomize-controller:${pinned}`);
  for (const image of FLUX_CONTROLLER_IMAGES) expect(image).toMatch(/^ghcr\.io\/fluxcd\/[a-z-]+:v\d+\.\d+\.\d+$/);
});

test('synth warns, and writes, when an enforced policy would deny controllers: Flux once flux-system is checked, and declared ones', () => {
  const config = enforcedFixture('ClusterPolicy', (env) => {
    if (env.name !== 'production') return;
    env.systemNamespaces = ['cert-manager'];
    env.controllers = {
      'cert-manager': ['quay.io/jetstack/cert-manager-controller:v1.16.2'],
      ingress: ['registry.k8s.io/ingress-nginx/controller:v1.12.0'],
    };
  });
  const { code, out } = runCli('synth', '--config', config, '--outdir', join(tempDir(), 'dist'));
  expect(code).toBe(0);
  const warnings = out.split('\n').filter((line) => line.includes('would deny'));
  expect(warnings).toEqual([
    `warning: environment "production": restrict-image-registries (enforce) checks namespace flux-system, where the controllers of Flux 2.9.4 run, ` +
      `and would deny ${FLUX_CONTROLLER_IMAGES.join(', ')}: they match none of its allowed images (ghcr.io/acme/*). ` +
      'A denied controller stops at its next restart or upgrade; keep flux-system in systemNamespaces, or allow these images in thirdPartyImages',
    'warning: environment "production": restrict-image-registries (enforce) checks namespace ingress, where the controllers listed in controllers.ingress run, ' +
      'and would deny registry.k8s.io/ingress-nginx/controller:v1.12.0: they match none of its allowed images (ghcr.io/acme/*). ' +
      'A denied controller stops at its next restart or upgrade; keep ingress in systemNamespaces, or allow these images in thirdPartyImages',
  ]);
});
