import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { imageValidatingPolicyEngine } from '../../src/engines/image-validating-policy';
import type { FileTree } from '../../src/model/layout';
import { GUARDRAILS } from '../../src/policies';
import { resolveGuardrail } from '../../src/policies/guardrail';
import { MIXED_ENGINES_CONFIG, THREE_ENVIRONMENTS_CONFIG, objectsIn, testEnvironment, treeFor, treeWithEngine } from '../helpers';
import { gobwasGlob } from '../support/gobwas-glob';

/** The three-environments fixture rendered as ImageValidatingPolicy, and the test config with its own engine choices. */
const TREES: ReadonlyArray<[string, FileTree]> = [
  ['three environments, engine switched', treeWithEngine('ImageValidatingPolicy', THREE_ENVIRONMENTS_CONFIG)],
  ['mixed-engines test config', treeFor(MIXED_ENGINES_CONFIG)],
];

const policyObjects = TREES.flatMap(([source, tree]) =>
  [...tree.keys()]
    .filter((path) => !path.endsWith('kustomization.yaml'))
    .flatMap((path) => objectsIn(tree, path).map((object) => ({ source, path, object })))
    .filter(({ object }) => object.kind === 'ImageValidatingPolicy'),
);

describe('ImageValidatingPolicy rendering', () => {
  it('renders the objects the tests below inspect', () => {
    // 3 fixture environments × 3 image verification policies, plus the test config's 4 ImageValidatingPolicy objects.
    expect(policyObjects).toHaveLength(13);
  });

  it.each(policyObjects)(
    '$source: $path keeps Kyverno autogen working (one pods rule, no exclude rules, no object selector)',
    ({ object }) => {
      const { matchConstraints } = object.spec;
      expect(matchConstraints.resourceRules).toEqual([
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
      ]);
      expect(matchConstraints.excludeResourceRules).toBeUndefined();
      expect(matchConstraints.objectSelector).toBeUndefined();
    },
  );

  describe.each(['containers', 'initContainers', 'ephemeralContainers'])('CEL coverage of images.%s', (list) => {
    it.each(policyObjects)('$source: $path verifies every image in the list with its attestor', ({ object }) => {
      const { spec } = object;
      const attestor = `attestors.${spec.attestors[0].name}`;
      const verified = spec.attestations
        ? `verifyAttestationSignatures(image, attestations.${spec.attestations[0].name}, [${attestor}])`
        : `verifyImageSignatures(image, [${attestor}])`;
      const covering = spec.validations.filter(
        (v: { expression: string }) => v.expression === `images.${list}.all(image, ${verified} > 0)`,
      );
      expect(covering).toHaveLength(1);
      // A message a user can act on: which kind of container, and that it is about the trusted signer.
      const words = list
        .replace(/([A-Z])/g, ' $1')
        .toLowerCase()
        .replace(/s$/, '');
      expect(covering[0].message).toMatch(new RegExp(`^${words} image .*trusted identity \\(subject `));
      expect(covering[0].message).not.toMatch(/\n/);
    });
  });

  it.each(policyObjects)('$source: $path declares one cosign keyless attestor with a transparency log URL', ({ object }) => {
    const [attestor, ...others] = object.spec.attestors;
    expect(others).toEqual([]);
    expect(attestor.cosign.keyless.identities).toHaveLength(1);
    expect(attestor.cosign.ctlog.url).toMatch(/^https:\/\//);
    // A plain `subject` would be matched exactly, turning the configured glob into a literal.
    expect(attestor.cosign.keyless.identities[0].subject).toBeUndefined();
  });
});

describe('matchImageReferences globs', () => {
  /** The globs the engine renders for these patterns, whatever the config would accept. */
  function renderedGlobs(imagePatterns: string[]): string[] {
    const resolved = resolveGuardrail(GUARDRAILS['verify-image-signatures'], testEnvironment({ imagePatterns }));
    if (resolved.check !== 'imageVerification') throw new Error('verify-image-signatures is an image verification');
    const chart = new Chart(new App(), 'test');
    imageValidatingPolicyEngine.renderImageVerification(chart, resolved.definition);
    return (chart.toJson()[0] as any).spec.matchImageReferences.map((m: { glob: string }) => m.glob);
  }

  it.each([
    // An IPv6 registry host, which the reference grammar accepts, and every other character gobwas reads as syntax.
    ['[fd00::1]:5000/apps/*', '[fd00::1]:5000/apps/x', '1:5000/apps/x'],
    ['registry.example.com/a?b[c]{d,e}\\f/*', 'registry.example.com/a?b[c]{d,e}\\f/x', 'registry.example.com/axbc{d,e}f/x'],
  ])('reach gobwas escaped: %s matches only itself but for its "*"', (pattern, image, lookalike) => {
    const [glob] = renderedGlobs([pattern]);
    expect(gobwasGlob(glob)(image)).toBe(true);
    expect(gobwasGlob(glob)(lookalike)).toBe(false);
  });
});
