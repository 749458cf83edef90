// The registry restriction, SLSA provenance and SBOM format/freshness guardrails, in both engines: the emitted
// structure asserted exactly, the emitted CEL evaluated (test/support/kyverno-cel.ts) against violating and valid values,
// and the pure helpers tested directly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load';
import { celString } from '../../src/engines/cel';
import { DURATION_PATTERN, goDuration, parseDuration } from '../../src/model/duration';
import { POLICY_NAMES, type EngineKind } from '../../src/model/environment';
import { globToRegExp } from '../../src/model/glob';
import { sourceRepositoryGlob } from '../../src/model/provenance';
import { ENGINES, renderedKind } from '../../src/engines';
import { GUARDRAILS } from '../../src/policies';
import { predicateField } from '../../src/policies/predicate';
import schema from '../../environments.schema.json';
import { kyvernoCel } from '../support/kyverno-cel';
import { kyvernoWildcardMatch } from '../support/kyverno-wildcard';
import { MIXED_ENGINES_CONFIG, THREE_ENVIRONMENTS_CONFIG, objectsIn, treeFor, treeWithEngine, writeConfig } from '../helpers';

const ENGINE_NAMES = Object.keys(ENGINES) as EngineKind[];

/** One environment with every new setting, in the given engine and phase. */
function config(engine: EngineKind, phase: 'audit' | 'enforce', extra = '') {
  return writeConfig(`
environments:
  - name: env
    engine: ${engine}
    imagePatterns: [ghcr.io/acme/*, registry.acme.example/team/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    thirdPartyImages: [mirror.acme.example/library/*]
${extra}
    policies:
      restrict-image-registries: { phase: ${phase} }
      require-provenance-attestation: { phase: ${phase} }
      require-sbom-attestation: { phase: ${phase} }
`);
}

const policy = (engine: EngineKind, name: string, extra = '', phase: 'audit' | 'enforce' = 'enforce') =>
  objectsIn(treeFor(config(engine, phase, extra)), `env/${name}.yaml`)[0];

describe('the catalogue', () => {
  it('is the policy list of the model, the config schema and the docs table alike', () => {
    expect(Object.keys(GUARDRAILS)).toEqual([...POLICY_NAMES]);
    expect(Object.keys(schema.definitions.environment.properties.policies.properties)).toEqual([...POLICY_NAMES]);
    // The first table of docs/guardrails.md, one row per guardrail, its name in the first column.
    const [, table = ''] = readFileSync('docs/guardrails.md', 'utf8').split(/^\| Guardrail .*\n\|[-|]+\|\n/m);
    const rows = table.split('\n\n')[0].split('\n');
    expect(rows.map((row) => /^\| `([a-z-]+)` \|/.exec(row)?.[1])).toEqual([...POLICY_NAMES]);
  });

  it('lists every guardrail once, under its own name', () => {
    for (const [name, entry] of Object.entries(GUARDRAILS)) {
      expect(entry.policyName).toBe(name);
      // Kyverno cuts autogen rule names at 63 characters; the longest prefix it adds is `autogen-cronjob-`.
      expect(entry.clusterPolicyRule.length).toBeLessThanOrEqual(63 - 'autogen-cronjob-'.length);
    }
  });

  it.each(ENGINE_NAMES)('names exactly what the %s engine renders', (engine) => {
    const tree = treeWithEngine(engine, MIXED_ENGINES_CONFIG);
    for (const name of POLICY_NAMES) {
      const [object] = objectsIn(tree, `platform/${name}.yaml`);
      const entry = GUARDRAILS[name];
      const kind = renderedKind(engine, name);
      expect([object.apiVersion, object.kind, object.metadata.name]).toEqual([kind.apiVersion, kind.kind, entry.policyName]);
      if (engine === 'ClusterPolicy') expect(object.spec.rules.map((r: { name: string }) => r.name)).toEqual([entry.clusterPolicyRule]);
    }
  });
});

describe('restrict-image-registries', () => {
  describe('ClusterPolicy', () => {
    it.each(['audit', 'enforce'] as const)('is one validate rule with the rule-level failure action in %s', (phase) => {
      const cpol = policy('ClusterPolicy', 'restrict-image-registries', '', phase);
      expect(cpol.spec).not.toHaveProperty('validationFailureAction');
      expect(cpol.spec.background).toBe(true);
      const [rule] = cpol.spec.rules;
      expect(rule.match.any).toEqual([{ resources: { kinds: ['Pod'], operations: ['CREATE', 'UPDATE'] } }]);
      expect(rule.validate.failureAction).toBe(phase === 'enforce' ? 'Enforce' : 'Audit');
      expect(rule.validate).not.toHaveProperty('pattern');
      expect(cpol.spec.webhookConfiguration.failurePolicy).toBe(phase === 'enforce' ? 'Fail' : 'Ignore');
    });
  });

  describe('ValidatingPolicy', () => {
    it.each(['audit', 'enforce'] as const)('matches Pods in the environment namespaces and acts per phase in %s', (phase) => {
      const vpol = policy('ImageValidatingPolicy', 'restrict-image-registries', '    namespaces: [apps]', phase);
      expect(vpol).toMatchObject({ apiVersion: 'policies.kyverno.io/v1', kind: 'ValidatingPolicy' });
      expect(vpol.spec.validationActions).toEqual([phase === 'enforce' ? 'Deny' : 'Audit']);
      expect(vpol.spec.failurePolicy).toBe(phase === 'enforce' ? 'Fail' : 'Ignore');
      expect(vpol.spec.matchConstraints).toEqual({
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['apps'] },
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['flux-system', 'kube-system', 'kyverno'] },
          ],
        },
      });
    });
  });

  // Both engines check the Pod with CEL (the ClusterPolicy's `validate.cel`, the ValidatingPolicy's
  // `validations`): evaluate what each one emitted against the same Pods.
  const evaluate = kyvernoCel();
  const validationsOf = {
    ClusterPolicy: () => policy('ClusterPolicy', 'restrict-image-registries').spec.rules[0].validate.cel.expressions,
    ImageValidatingPolicy: () => policy('ImageValidatingPolicy', 'restrict-image-registries').spec.validations,
  };
  describe.each(ENGINE_NAMES)('%s: every container, init and ephemeral container image must match an allowed glob', (engine) => {
    const validations: { expression: string; message: string }[] = validationsOf[engine]();
    /** Whether the policy admits the Pod: every validation holds. */
    const admits = (spec: object) => validations.every((v) => evaluate(v.expression, { object: { spec } }));
    const ok = { image: 'ghcr.io/acme/app@sha256:0123' };

    it('names each container list in its messages', () => {
      expect(validations.map((v) => v.message.split(' ')[0])).toEqual(['container', 'init', 'ephemeral']);
    });

    it('admits a Pod whose images are all allowed, with or without init and ephemeral containers', () => {
      expect(admits({ containers: [ok] })).toBe(true);
      expect(
        admits({
          containers: [ok, { image: 'mirror.acme.example/library/nginx:1.27' }],
          initContainers: [{ image: 'registry.acme.example/team/init:1' }],
        }),
      ).toBe(true);
    });

    it.each([
      ['a foreign registry', { containers: [ok, { image: 'docker.io/evil/miner:latest' }] }],
      ['an image without a registry', { containers: [{ image: 'nginx:1.27' }] }],
      ['a look-alike owner', { containers: [{ image: 'ghcr.io/acme-evil/app:1' }] }],
      ['a look-alike registry host ("-" in place of ".")', { containers: [{ image: 'mirror-acme.example/library/x:1' }] }],
      ['an init container from a foreign registry', { containers: [ok], initContainers: [{ image: 'docker.io/evil/init:1' }] }],
      ['an ephemeral container from a foreign registry', { containers: [ok], ephemeralContainers: [{ image: 'quay.io/evil/debug:1' }] }],
    ])('denies %s', (_, spec) => {
      expect(admits(spec)).toBe(false);
    });

    it('admits exactly what the globs mean with "*" as the only wildcard, image by image', () => {
      const globs = ['ghcr.io/acme/*', 'registry.acme.example/team/*', 'mirror.acme.example/library/*'];
      const probes = [
        'ghcr.io/acme/a',
        'ghcr.io/acme/team/app:1',
        'ghcr.io/acme/',
        'ghcr.io/acmeX/a',
        'xghcr.io/acme/a',
        'ghcrXio/acme/a',
        'mirror.acme.example/library/x:1',
        'registry.acme.example/team',
        'docker.io/x',
      ];
      for (const image of probes) {
        expect(admits({ containers: [{ image }] }), image).toBe(globs.some((glob) => kyvernoWildcardMatch(glob, image)));
      }
    });
  });
});

describe('require-provenance-attestation', () => {
  const builder = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0';
  const repository = 'https://github.com/acme/app';
  const statement = (builderId: string, repo: string) => ({
    predicate: { runDetails: { builder: { id: builderId } }, buildDefinition: { externalParameters: { workflow: { repository: repo } } } },
  });

  it('ClusterPolicy: an SLSA v1 attestation whose builder id and source repository must match an allowed glob (Equals per glob)', () => {
    const [entry] = policy('ClusterPolicy', 'require-provenance-attestation').spec.rules[0].verifyImages;
    expect(entry.attestations).toHaveLength(1);
    const [attestation] = entry.attestations;
    expect(attestation.type).toBe('https://slsa.dev/provenance/v1');
    expect(attestation.conditions).toEqual([
      {
        any: [
          {
            key: '{{ runDetails.builder.id }}',
            operator: 'Equals',
            value: 'https://github.com/acme/*',
            message: 'provenance names a builder that is not allowed',
          },
        ],
      },
      {
        any: [
          {
            key: '{{ buildDefinition.externalParameters.workflow.repository }}',
            operator: 'Equals',
            value: 'https://github.com/acme/*',
            message: 'provenance names a source repository that is not allowed',
          },
        ],
      },
    ]);
  });

  it('takes a separate signer, builder ids and source repositories from the config', () => {
    const extra = `    provenance:
      signer: { issuer: https://token.actions.githubusercontent.com, subject: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v*" }
      builderIds: [https://github.com/acme/build/*, https://ci.acme.example/*]
      sourceRepositories: [https://github.com/acme/app]`;
    const [attestation] = policy('ClusterPolicy', 'require-provenance-attestation', extra).spec.rules[0].verifyImages[0].attestations;
    expect(attestation.attestors[0].entries[0].keyless.subject).toMatch(/^https:\/\/github\.com\/slsa-framework\//);
    expect(attestation.conditions.map((c: { any: { value: string }[] }) => c.any.map((a) => a.value))).toEqual([
      ['https://github.com/acme/build/*', 'https://ci.acme.example/*'],
      ['https://github.com/acme/app'],
    ]);
    const ivpol = policy('ImageValidatingPolicy', 'require-provenance-attestation', extra);
    expect(ivpol.spec.attestors[0].cosign.keyless.identities[0].subjectRegExp).toMatch(/^\^https:\/\/github\\\.com\/slsa-framework\//);
  });

  describe('ImageValidatingPolicy', () => {
    const ivpol = policy('ImageValidatingPolicy', 'require-provenance-attestation');
    const admits = (payload: ReturnType<typeof statement>, list = 'containers') => {
      const evaluate = kyvernoCel({ payloads: { img: payload } });
      return ivpol.spec.validations.every((v: { expression: string }) =>
        evaluate(v.expression, { images: { [list]: ['img'] }, attestations: { provenance: 'provenance' } }),
      );
    };

    it('checks an intoto SLSA v1 attestation', () => {
      expect(ivpol.spec.attestations).toEqual([{ name: 'provenance', intoto: { type: 'https://slsa.dev/provenance/v1' } }]);
    });

    it.each(['containers', 'initContainers', 'ephemeralContainers'])(
      'admits allowed provenance and denies a wrong builder or repository in %s',
      (list) => {
        expect(admits(statement(builder, repository), list)).toBe(true);
        expect(admits(statement('https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main', repository), list)).toBe(
          false,
        );
        expect(admits(statement(builder, 'https://github.com/evil/app'), list)).toBe(false);
        expect(admits(statement(builder, 'https://github.com/acme-evil/app'), list)).toBe(false);
        // A wildcard in the predicate is data, not a pattern.
        expect(admits(statement('*', repository), list)).toBe(false);
      },
    );
  });

  it('derives the source repository glob from a signer subject', () => {
    expect(sourceRepositoryGlob('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*')).toBe(
      'https://github.com/acme/app',
    );
    expect(sourceRepositoryGlob('https://github.com/acme/*')).toBe('https://github.com/acme/*');
  });

  describe('defaults: builder ids from an overriding provenance signer, source repositories from the environment signer', () => {
    const generator = 'https://github.com/acme/build/.github/workflows/provenance.yml@refs/heads/main';
    const defaults = (engine: EngineKind) =>
      objectsIn(
        treeFor(
          writeConfig(`
environments:
  - name: env
    engine: ${engine}
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*" }
    provenance:
      signer: { issuer: https://token.actions.githubusercontent.com, subject: "${generator}" }
    policies:
      require-provenance-attestation: { phase: enforce }
`),
        ),
        'env/require-provenance-attestation.yaml',
      )[0];

    it("ClusterPolicy: the override signer's subject is the builder id condition, the environment signer's repository the source one", () => {
      const [attestation] = defaults('ClusterPolicy').spec.rules[0].verifyImages[0].attestations;
      expect(attestation.attestors[0].entries[0].keyless.subject).toBe(generator);
      expect(
        attestation.conditions.map((c: { any: { key: string; value: string }[] }) => c.any.map(({ key, value }) => [key, value])),
      ).toEqual([
        [['{{ runDetails.builder.id }}', generator]],
        [['{{ buildDefinition.externalParameters.workflow.repository }}', 'https://github.com/acme/app']],
      ]);
    });

    it('ImageValidatingPolicy: admits exactly that builder id and that repository', () => {
      const ivpol = defaults('ImageValidatingPolicy');
      expect(ivpol.spec.attestors[0].cosign.keyless.identities[0].subjectRegExp).toBe(globToRegExp(generator));
      const admits = (builderId: string, repo: string) => {
        const evaluate = kyvernoCel({ payloads: { img: statement(builderId, repo) } });
        return ivpol.spec.validations.every((v: { expression: string }) =>
          evaluate(v.expression, { images: { containers: ['img'] }, attestations: { provenance: 'provenance' } }),
        );
      };
      expect(admits(generator, 'https://github.com/acme/app')).toBe(true);
      // The environment signer's own workflow is not the builder the override names.
      expect(admits('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1', 'https://github.com/acme/app')).toBe(false);
      expect(admits(generator, 'https://github.com/acme/build')).toBe(false);
      expect(admits(generator, 'https://github.com/acme/app2')).toBe(false);
    });
  });
});

/** A Go duration of one unit, as synth writes them (`720h`, `0s`), in seconds. */
function goDurationSeconds(value: string): number {
  const match = /^(\d+)([hms])$/.exec(value);
  if (!match) throw new Error(`not a Go duration this model reads: ${value}`);
  return Number(match[1]) * { h: 3600, m: 60, s: 1 }[match[2] as 'h' | 'm' | 's'];
}

/**
 * Kyverno's verdict on ClusterPolicy attestation conditions whose keys are `{{ time_since('', <field>, '') }}`:
 * the key is now minus the timestamp at `field` (negative for a future one), and the numeric operators compare
 * it with a Go duration value (pkg/engine/variables/operator/numeric.go). Every block must hold, and within a
 * block every `all` entry. Anything else throws, so an unexpected condition fails the test instead of passing it.
 */
function clusterPolicyAdmits(
  conditions: { all: { key: string; operator: string; value: string }[] }[],
  predicate: unknown,
  now: Date,
): boolean {
  return conditions.every((block) =>
    block.all.every(({ key, operator, value }) => {
      const field = /^\{\{ time_since\('', ([\w.]+), ''\) \}\}$/.exec(key)?.[1];
      if (field === undefined) throw new Error(`unmodelled condition key ${key}`);
      const timestamp = field.split('.').reduce((node: any, segment) => node?.[segment], predicate);
      const ageSeconds = (now.getTime() - Date.parse(timestamp)) / 1000;
      switch (operator) {
        case 'LessThanOrEquals':
          return ageSeconds <= goDurationSeconds(value);
        case 'GreaterThanOrEquals':
          return ageSeconds >= goDurationSeconds(value);
        default:
          throw new Error(`unmodelled operator ${operator}`);
      }
    }),
  );
}

describe('require-sbom-attestation formats and freshness', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString().replace('.000', '');

  it.each([
    ['spdx', 'https://spdx.dev/Document', 'https://cyclonedx.org/bom'],
    ['cyclonedx', 'https://cyclonedx.org/bom', 'https://spdx.dev/Document'],
  ])('%s: both engines require that predicate type, so an SBOM of the other format does not count', (format, type, otherType) => {
    const extra = `    sbom: { format: ${format} }`;
    const [attestation] = policy('ClusterPolicy', 'require-sbom-attestation', extra).spec.rules[0].verifyImages[0].attestations;
    expect(attestation.type).toBe(type);
    expect(attestation.conditions).toBeUndefined();
    const ivpol = policy('ImageValidatingPolicy', 'require-sbom-attestation', extra);
    expect(ivpol.spec.attestations).toEqual([{ name: 'sbom', intoto: { type } }]);
    expect(JSON.stringify([attestation, ivpol.spec])).not.toContain(otherType);
  });

  it.each([
    ['spdx', 'creationInfo.created', (created: string) => ({ creationInfo: { created } })],
    ['cyclonedx', 'metadata.timestamp', (timestamp: string) => ({ bomFormat: 'CycloneDX', metadata: { timestamp } })],
  ])('%s with maxAge: an SBOM older than allowed, or dated in the future, fails in both engines', (format, field, predicate) => {
    const extra = `    sbom: { format: ${format}, maxAge: 30d }`;
    const [attestation] = policy('ClusterPolicy', 'require-sbom-attestation', extra).spec.rules[0].verifyImages[0].attestations;
    for (const condition of attestation.conditions[0].all) {
      expect(condition.key).toBe(`{{ time_since('', ${field}, '') }}`);
      expect(condition.message).toMatch(/older than allowed or dated in the future/);
    }
    const ivpol = policy('ImageValidatingPolicy', 'require-sbom-attestation', extra);
    const admittedBy = {
      ClusterPolicy: (created: string) => clusterPolicyAdmits(attestation.conditions, predicate(created), now),
      ImageValidatingPolicy: (created: string) => {
        const evaluate = kyvernoCel({ now, payloads: { img: { predicate: predicate(created) } } });
        return ivpol.spec.validations.every((v: { expression: string }) =>
          evaluate(v.expression, { images: { initContainers: ['img'] }, attestations: { sbom: 'sbom' } }),
        );
      },
    };
    for (const [engine, admits] of Object.entries(admittedBy)) {
      expect(
        [29, 30, 0].map((days) => admits(daysAgo(days))),
        engine,
      ).toEqual([true, true, true]);
      // 31 and 400 days old; a minute, a day and a year ahead of the clock.
      expect(
        [31, 400, -1 / 1440, -1, -365].map((days) => admits(daysAgo(days))),
        engine,
      ).toEqual([false, false, false, false, false]);
    }
  });
});

describe('pure helpers', () => {
  it('parses config durations into seconds and formats Go durations', () => {
    expect([parseDuration('30d'), parseDuration('720h'), parseDuration('90m')]).toEqual([2_592_000, 2_592_000, 5_400]);
    for (const bad of ['30', '0d', '1w', '1.5h', ' 1h', '1h ', '-1h']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
    expect([goDuration(2_592_000), goDuration(5_400), goDuration(61)]).toEqual(['720h', '90m', '61s']);
    expect(() => goDuration(0)).toThrow();
  });

  it('the schema accepts exactly the durations parseDuration does', () => {
    expect(schema.definitions.sbom.properties.maxAge.pattern).toBe(DURATION_PATTERN);
  });

  it('celString keeps any value a CEL string literal equal to itself', () => {
    const evaluate = kyvernoCel();
    for (const value of ['plain', 'quote " and \' both', 'back\\slash', 'new\nline', '") || true || ("', 'ünïcode ✓', '\u0000\u001f']) {
      expect(evaluate(`${celString(value)} == object.value`, { object: { value } })).toBe(true);
    }
  });

  it('glob regexps are anchored and literal but for *', () => {
    expect(globToRegExp('ghcr.io/acme/*')).toBe('^ghcr\\.io/acme/.*$');
  });

  it('predicate paths must be plain identifiers both languages read unquoted', () => {
    expect(predicateField('runDetails.builder.id').segments).toEqual(['runDetails', 'builder', 'id']);
    for (const bad of ['a..b', 'a.b-c', 'a.in', '1a', 'a."b"']) expect(() => predicateField(bad)).toThrow(/not a plain identifier/);
  });
});

describe('config', () => {
  const base = (extra: string) => `environments:
  - name: dev
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
${extra}
    policies: { restrict-image-registries: { phase: audit } }
`;

  it('resolves the new settings', () => {
    const [env] = parseConfig(base('    thirdPartyImages: [mirror.example/*]\n    sbom: { format: cyclonedx, maxAge: 7d }'), 'env.yaml');
    expect(env.thirdPartyImages).toEqual(['mirror.example/*']);
    expect(env.sbom).toEqual({ format: 'cyclonedx', maxAgeSeconds: 604_800 });
    expect(env.provenance).toEqual({ provenanceSigner: undefined, builderIds: undefined, sourceRepositories: undefined });
  });

  it.each([
    ['    sbom: { maxAge: 30 days }', 5, 'sbom.maxAge', /whole number of days, hours or minutes/],
    ['    sbom: { format: spdxjson }', 5, 'sbom.format', /"spdx", "cyclonedx"/],
    ['    thirdPartyImages: ["a/* | b/*"]', 5, 'thirdPartyImages[0]', /contains whitespace/],
    ['    provenance: { builderIds: [] }', 5, 'provenance.builderIds', /at least one builder id/],
  ])('rejects %s with its location', (extra, line, field, message) => {
    let error: any;
    try {
      parseConfig(base(extra), 'env.yaml');
    } catch (e) {
      error = e;
    }
    expect(error?.problems).toEqual([
      expect.objectContaining({ line, environment: 'dev', field, message: expect.stringMatching(message) }),
    ]);
  });

  it('the three-environments fixture restricts registries everywhere (enforced in production) and audits provenance everywhere', () => {
    const envs = loadConfig(THREE_ENVIRONMENTS_CONFIG);
    expect(
      Object.fromEntries(
        envs.map((e) => [
          e.name,
          [e.policies.get('restrict-image-registries')?.phase, e.policies.get('require-provenance-attestation')?.phase],
        ]),
      ),
    ).toEqual({
      develop: ['audit', 'audit'],
      staging: ['audit', 'audit'],
      production: ['enforce', 'audit'],
    });
  });
});
