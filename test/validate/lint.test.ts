import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { clusterPolicyEngine } from '../../src/engines/cluster-policy';
import type { Environment, FailurePolicy, Phase, Signer } from '../../src/model/environment';
import { publicTrustRoot } from '../../src/model/trust-root';
import { GUARDRAILS } from '../../src/policies';
import { resolveGuardrail } from '../../src/policies/guardrail';
import { validateObject } from '../../src/validate';
import { LINT_RULES } from '../../src/validate/lint';
import { objectsIn, fixtureObject, testEnvironment, treeWithEngine } from '../helpers';

const SIGNER: Signer = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'https://github.com/acme/*',
  trustRoot: publicTrustRoot(),
};
const KEYLESS = ['spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keyless'];

interface PolicyProps {
  readonly signer?: Partial<Signer>;
  readonly imagePatterns?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly phase?: Phase;
  readonly failurePolicy?: FailurePolicy;
}

/** The signature policy the ClusterPolicy engine renders for these settings (on top of a valid enforce baseline). */
function renderPolicy({ signer, imagePatterns, namespaces, phase = 'enforce', failurePolicy }: PolicyProps = {}): Record<string, unknown> {
  const chart = new Chart(new App(), 'test');
  const env = testEnvironment({
    signer: { ...SIGNER, ...signer },
    ...(imagePatterns && { imagePatterns }),
    namespaces,
    webhook: { timeoutSeconds: 30, failurePolicy },
    policies: new Map([['verify-image-signatures', { phase }]]),
  });
  const resolved = resolveGuardrail(GUARDRAILS['verify-image-signatures'], env);
  if (resolved.check !== 'imageVerification') throw new Error('verify-image-signatures is an image verification');
  clusterPolicyEngine.renderImageVerification(chart, resolved.definition);
  return chart.toJson()[0];
}

function violationsOf(rule: string, policy: Record<string, unknown>, environment?: Environment) {
  return validateObject(policy, { environment }).filter((v) => v.rule === rule);
}

describe('identity and scope lint', () => {
  it('explains why for every rule', () => {
    for (const rule of LINT_RULES) expect(rule.source.length).toBeGreaterThan(60);
  });

  it('passes the baseline policy with no finding of any rule', () => {
    expect(validateObject(renderPolicy())).toEqual([]);
  });

  describe('lint/identity-owner-scope', () => {
    const subjectFinding = (subject: string) => violationsOf('lint/identity-owner-scope', renderPolicy({ signer: { subject } }));

    it.each([
      ['*', 'matches more than one owner: the part before the first wildcard must fix the scheme, host and owner'],
      ['https://github.com/*', 'matches more than one owner on github.com: the part before the first wildcard must end with "/<owner>/"'],
      [
        'https://github.com/acme*/*',
        'matches more than one owner on github.com: the part before the first wildcard must end with "/<owner>/"',
      ],
      ['https://*/acme/*', 'matches more than one owner: the part before the first wildcard must fix the scheme, host and owner'],
      ['', 'is empty: every identity the issuer vouches for is trusted'],
    ])('flags subject %j', (subject, why) => {
      expect(subjectFinding(subject)).toEqual([
        { path: [...KEYLESS, 'subject'], message: `subject ${JSON.stringify(subject)} ${why}`, rule: 'lint/identity-owner-scope' },
      ]);
    });

    it.each([
      'https://github.com/acme/*',
      'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main',
      'https://gitlab.acme.example/*',
      '*@acme.example',
    ])('passes subject %j', (subject) => {
      expect(subjectFinding(subject)).toEqual([]);
    });

    it('judges regular expressions by their literal prefix', () => {
      const policy = fixtureObject('production/verify-image-signatures.yaml');
      const keyless = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
      delete keyless.subject;
      keyless.subjectRegExp = '^https://github\\.com/acme/.+$';
      expect(violationsOf('lint/identity-owner-scope', policy)).toEqual([]);
      for (const broad of [
        '^https://github\\.com/acme.+$',
        '^https://github\\.com/(acme|evil)/.+$',
        '^https://github\\.com/acme/.+$|^.*$',
      ]) {
        keyless.subjectRegExp = broad;
        expect(violationsOf('lint/identity-owner-scope', policy).map((v) => v.path)).toEqual([[...KEYLESS, 'subjectRegExp']]);
      }
    });

    it('flags an issuer glob and a keyless attestor without subject', () => {
      expect(violationsOf('lint/identity-owner-scope', renderPolicy({ signer: { issuer: 'https://*.githubusercontent.com' } }))).toEqual([
        {
          path: [...KEYLESS, 'issuer'],
          message: 'issuer "https://*.githubusercontent.com" matches more than one issuer: name exactly one',
          rule: 'lint/identity-owner-scope',
        },
      ]);
      const policy = fixtureObject('production/verify-image-signatures.yaml');
      delete policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subject;
      expect(violationsOf('lint/identity-owner-scope', policy)).toEqual([
        { path: KEYLESS, message: 'no subject: a signature from any identity is accepted', rule: 'lint/identity-owner-scope' },
      ]);
    });
  });

  it('lint/issuer-https', () => {
    expect(violationsOf('lint/issuer-https', renderPolicy({ signer: { issuer: 'http://token.actions.githubusercontent.com' } }))).toEqual([
      {
        path: [...KEYLESS, 'issuer'],
        message: 'issuer "http://token.actions.githubusercontent.com" is not an https URL',
        rule: 'lint/issuer-https',
      },
    ]);
    expect(violationsOf('lint/issuer-https', renderPolicy({ signer: { issuer: 'https://accounts.google.com' } }))).toEqual([]);
    // A wildcard host is too broad (lint/identity-owner-scope), but it is https.
    expect(violationsOf('lint/issuer-https', renderPolicy({ signer: { issuer: 'https://*.example.com' } }))).toEqual([]);
  });

  it('lint/template-syntax: in identities, image patterns and namespaces', () => {
    const policy = renderPolicy({
      signer: { subject: 'https://github.com/${owner}/*' },
      imagePatterns: ['ghcr.io/acme/{{request.object.x}}'],
      namespaces: ['$(ns)'],
    });
    expect(violationsOf('lint/template-syntax', policy).map((v) => v.path)).toEqual([
      ['spec', 'rules', 0, 'match', 'any', 0, 'resources', 'namespaces', 0],
      [...KEYLESS, 'subject'],
      ['spec', 'rules', 0, 'verifyImages', 0, 'imageReferences', 0],
    ]);
    expect(violationsOf('lint/template-syntax', policy)[1].message).toBe(
      '"https://github.com/${owner}/*" contains template syntax ({{ }}, ${ } or $( )) that Kyverno or Flux would substitute',
    );
    expect(violationsOf('lint/template-syntax', renderPolicy({ signer: { subject: 'https://github.com/acme/$app/*' } }))).toEqual([]);
  });

  it('lint/regexp-anchored', () => {
    const policy = fixtureObject('production/verify-image-signatures.yaml');
    const keyless = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    delete keyless.subject;
    keyless.subjectRegExp = '^https://github\\.com/acme/.+';
    expect(violationsOf('lint/regexp-anchored', policy)).toEqual([
      {
        path: [...KEYLESS, 'subjectRegExp'],
        message: 'regular expression "^https://github\\\\.com/acme/.+" is not anchored with ^…$',
        rule: 'lint/regexp-anchored',
      },
    ]);
    keyless.subjectRegExp = '^https://github\\.com/acme/.+$';
    expect(violationsOf('lint/regexp-anchored', policy)).toEqual([]);
  });

  it.each([
    ['*', 'governs every image of every registry'],
    ['*/*', 'governs every image of every registry'],
    ['*.io/acme/*', 'governs every registry matching "*.io": name one registry host'],
    ['acme/*', 'does not name a registry host: what it governs depends on how each Pod spells its image (Docker Hub is implied)'],
  ])('lint/image-pattern-scope flags %j', (pattern, why) => {
    expect(violationsOf('lint/image-pattern-scope', renderPolicy({ imagePatterns: [pattern] }))).toEqual([
      {
        path: ['spec', 'rules', 0, 'verifyImages', 0, 'imageReferences', 0],
        message: `image pattern ${JSON.stringify(pattern)} ${why}`,
        rule: 'lint/image-pattern-scope',
      },
    ]);
  });

  it.each(['ghcr.io/acme/*', 'localhost:5000/app', 'registry.acme.example/team/*', 'registry.acme.example/*'])(
    'lint/image-pattern-scope passes %j',
    (pattern) => {
      expect(violationsOf('lint/image-pattern-scope', renderPolicy({ imagePatterns: [pattern] }))).toEqual([]);
    },
  );

  it('lint/image-pattern-scope passes a Docker Hub spelling without host beside the pattern naming it, as the ImageValidatingPolicy engine renders it', () => {
    const [policy] = objectsIn(
      treeWithEngine('ImageValidatingPolicy', 'test/fixtures/docker-hub.yaml'),
      'hub/verify-image-signatures.yaml',
    );
    const globs = policy.spec.matchImageReferences.map((m: { glob?: string }) => m.glob);
    expect(globs).toEqual(expect.arrayContaining(['docker.io/acme/*', 'acme/*', 'library/nginx@*']));
    expect(violationsOf('lint/image-pattern-scope', policy)).toEqual([]);
    // Alone, the same spelling depends on Docker Hub being the default registry.
    policy.spec.matchImageReferences = [{ glob: 'acme/*' }];
    expect(violationsOf('lint/image-pattern-scope', policy).map((v) => v.message)).toEqual([
      'image pattern "acme/*" does not name a registry host: what it governs depends on how each Pod spells its image (Docker Hub is implied)',
    ]);
  });

  it('lint/image-pattern-scope flags every owner of a public registry, as the config does for both image glob lists', () => {
    expect(violationsOf('lint/image-pattern-scope', renderPolicy({ imagePatterns: ['ghcr.io/*'] })).map((v) => v.message)).toEqual([
      `image pattern "ghcr.io/*" admits every owner's images on the public registry ghcr.io: name the owner (ghcr.io/<owner>/*)`,
    ]);
  });

  it("lint/fail-open-enforce reads a validate rule's own failure action (the ClusterPolicy registry restriction)", () => {
    const policy = fixtureObject('production/restrict-image-registries.yaml');
    expect(violationsOf('lint/fail-open-enforce', policy)).toEqual([]);
    policy.spec.webhookConfiguration.failurePolicy = 'Ignore';
    expect(violationsOf('lint/fail-open-enforce', policy).map((v) => v.path)).toEqual([['spec', 'webhookConfiguration', 'failurePolicy']]);
  });

  it('lint/fail-open-enforce covers the ValidatingPolicy of the registry restriction', () => {
    const [policy] = objectsIn(treeWithEngine('ImageValidatingPolicy'), 'production/restrict-image-registries.yaml');
    expect(policy.kind).toBe('ValidatingPolicy');
    expect(violationsOf('lint/fail-open-enforce', policy)).toEqual([]);
    policy.spec.failurePolicy = 'Ignore';
    expect(violationsOf('lint/fail-open-enforce', policy).map((v) => v.path)).toEqual([['spec', 'failurePolicy']]);
  });

  it('lint/label-selector-scope: labels are a bypass, namespace names are not', () => {
    const policy = fixtureObject('production/verify-image-signatures.yaml');
    const exclude = policy.spec.rules[0].exclude.any[0].resources;
    exclude.namespaceSelector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kube-system'] }] };
    expect(violationsOf('lint/label-selector-scope', policy)).toEqual([]);
    exclude.namespaceSelector.matchLabels = { 'tenant.acme/trusted': 'true' };
    exclude.selector = { matchLabels: { 'skip-verify': 'true' } };
    expect(violationsOf('lint/label-selector-scope', policy)).toEqual([
      {
        path: ['spec', 'rules', 0, 'exclude', 'any', 0, 'resources', 'namespaceSelector'],
        message: 'selects by label "tenant.acme/trusted", which tenants can set: match namespaces by name',
        rule: 'lint/label-selector-scope',
      },
      {
        path: ['spec', 'rules', 0, 'exclude', 'any', 0, 'resources', 'selector'],
        message: 'selects by label "skip-verify", which tenants can set: match namespaces by name',
        rule: 'lint/label-selector-scope',
      },
    ]);
  });

  describe('lint/fail-open-enforce', () => {
    const environment = (acknowledgeFailOpen?: string) =>
      ({ name: 'production', webhook: { timeoutSeconds: 30, failurePolicy: 'Ignore', acknowledgeFailOpen } }) as unknown as Environment;
    const finding = {
      path: ['spec', 'webhookConfiguration', 'failurePolicy'],
      message: 'enforces with failurePolicy Ignore (fails open): set webhook.acknowledgeFailOpen to the reason, or use failurePolicy Fail',
      rule: 'lint/fail-open-enforce',
    };

    it('flags enforce with Ignore, unless acknowledged', () => {
      const policy = renderPolicy({ failurePolicy: 'Ignore' });
      expect(violationsOf('lint/fail-open-enforce', policy, environment())).toEqual([finding]);
      expect(violationsOf('lint/fail-open-enforce', policy, environment('registry outages must not stop deploys'))).toEqual([]);
    });

    it('passes audit with Ignore, and enforce with Fail', () => {
      expect(violationsOf('lint/fail-open-enforce', renderPolicy({ phase: 'audit', failurePolicy: 'Ignore' }))).toEqual([]);
      expect(violationsOf('lint/fail-open-enforce', renderPolicy({ failurePolicy: 'Fail' }))).toEqual([]);
    });

    it('reads an ImageValidatingPolicy: validationActions default to Deny', () => {
      const ivpol = {
        apiVersion: 'policies.kyverno.io/v1',
        kind: 'ImageValidatingPolicy',
        metadata: { name: 'x' },
        spec: { failurePolicy: 'Ignore' },
      };
      expect(violationsOf('lint/fail-open-enforce', ivpol).map((v) => v.path)).toEqual([['spec', 'failurePolicy']]);
      expect(violationsOf('lint/fail-open-enforce', { ...ivpol, spec: { failurePolicy: 'Ignore', validationActions: ['Audit'] } })).toEqual(
        [],
      );
    });
  });
});
