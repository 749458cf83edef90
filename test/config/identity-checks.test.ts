import { describe, expect, it } from 'vitest';
import { signerProblems } from '../../src/config/identity-checks';
import { configRefusals } from '../helpers';

const GITHUB = 'https://token.actions.githubusercontent.com';

/** One environment signed by `issuer`/`subject`, with `extra` lines before its policies. */
function config(issuer: string, subject: string, extra = '', policies = 'verify-image-signatures: { phase: audit }'): string {
  return [
    'environments:',
    '  - name: dev',
    '    imagePatterns: [ghcr.io/acme/*]',
    '    signer:',
    `      issuer: "${issuer}"`,
    `      subject: "${subject}"`,
    ...(extra === '' ? [] : [extra]),
    '    policies:',
    `      ${policies}`,
    '',
  ].join('\n');
}

/** The one suggestion a message offers, if any. */
const suggestion = (message: string) => /: did you mean (\S+)\?$/.exec(message)?.[1];

/** Signers no certificate of their issuer can carry: issuer, subject, the field refused, what the message says. */
const HOLLOW: [string, string, 'issuer' | 'subject', RegExp, string | undefined][] = [
  [
    GITHUB,
    'https://github.com/globex',
    'subject',
    /form https:\/\/github\.com\/<owner>\/<repository>\/\.github\/workflows\/<file>@<ref>/,
    'https://github.com/globex/*',
  ],
  [
    GITHUB,
    'https://github.com/globex/',
    'subject',
    /can never match a GitHub Actions certificate's subject/,
    'https://github.com/globex/*',
  ],
  [GITHUB, 'https://github.com/acme/app', 'subject', /GitHub Actions/, 'https://github.com/acme/app/*'],
  [
    GITHUB,
    'https://github.com/acme/app/.github/workflows/release.yml',
    'subject',
    /GitHub Actions/,
    'https://github.com/acme/app/.github/workflows/release.yml@*',
  ],
  [
    GITHUB,
    'https://github.com/acme/app/workflows/*',
    'subject',
    /none starts with "https:\/\/github\.com\/acme\/app\/workflows\/"/,
    'https://github.com/acme/app/*',
  ],
  [GITHUB, 'https://GitHub.com/acme/*', 'subject', /GitHub Actions/, 'https://github.com/acme/*'],
  [GITHUB, 'https://gitlab.com/acme/*', 'subject', /GitHub Actions/, undefined],
  [`${GITHUB}/`, 'https://github.com/acme/*', 'issuer', /is not the GitHub Actions issuer as its certificates carry it/, GITHUB],
  ['https://Token.Actions.GitHubUserContent.com', 'https://github.com/acme/*', 'issuer', /GitHub Actions issuer/, GITHUB],
  [`${GITHUB}:443`, 'https://github.com/acme/*', 'issuer', /GitHub Actions issuer/, GITHUB],
  [`${GITHUB}/acme/x`, 'https://github.com/acme/*', 'issuer', /<enterprise>/, undefined],
  ['https://gitlab.com/', 'https://gitlab.com/acme/*', 'issuer', /GitLab issuer/, 'https://gitlab.com'],
  [
    'https://gitlab.com',
    'https://gitlab.com/acme/app',
    'subject',
    /form https:\/\/gitlab\.com\/<group>\/<project>\/\/<pipeline file>@<ref>/,
    'https://gitlab.com/acme/app/*',
  ],
  [
    'https://agent.buildkite.com',
    'https://buildkite.com/acme',
    'subject',
    /form https:\/\/buildkite\.com\/<organization>\/<pipeline>/,
    'https://buildkite.com/acme/*',
  ],
  ['https://agent.buildkite.com', 'https://buildkite.com/acme/app/*', 'subject', /Buildkite/, 'https://buildkite.com/acme/app'],
  ['https://agent.buildkite.com', 'https://buildkite.com/*', 'subject', /matches more than one owner on buildkite\.com/, undefined],
  ['https://accounts.google.com', 'https://github.com/acme/*', 'subject', /e-mail address/, undefined],
  ['https://accounts.google.com', 'acme.example', 'subject', /e-mail address/, '*@acme.example'],
  ['https://accounts.google.com', '*@', 'subject', /write the domain after "@"/, undefined],
  [
    'https://accounts.google.com',
    '*@gmail.com',
    'subject',
    /trusts every account with an address at gmail\.com, which anyone can open/,
    undefined,
  ],
  // Every other issuer of the public instance: CI services whose SANs name their tenants under one host, GitLab
  // instances, and e-mail issuers, whose logins anyone can open with a consumer address.
  ['https://oidc.codefresh.io', 'https://g.codefresh.io/*', 'subject', /matches more than one owner on g\.codefresh\.io/, undefined],
  [
    'https://oidc.codefresh.io',
    'https://g.codefresh.io/acme',
    'subject',
    /form https:\/\/g\.codefresh\.io\/<account>\/<project>\/<pipeline>:<account id>\/<pipeline id>/,
    'https://g.codefresh.io/acme/*',
  ],
  [
    'https://oidc.circleci.com',
    'https://circleci.com/api/v2/projects/*',
    'subject',
    /matches more than one CircleCI tenant: .*must start with "https:\/\/circleci\.com\/api\/v2\/projects\/<project id>\/"/,
    undefined,
  ],
  ['https://oidc.circleci.com', 'https://circleci.com/*', 'subject', /more than one CircleCI tenant/, undefined],
  ['https://gitlab.archlinux.org', 'https://gitlab.archlinux.org/*', 'subject', /more than one owner on gitlab\.archlinux\.org/, undefined],
  [
    'https://gitlab.archlinux.org',
    'https://gitlab.archlinux.org/arch/app',
    'subject',
    /form https:\/\/gitlab\.archlinux\.org\/<group>\/<project>\/\/<pipeline file>@<ref>/,
    'https://gitlab.archlinux.org/arch/app/*',
  ],
  ['https://issuer.enforce.dev', 'https://issuer.enforce.dev/*', 'subject', /more than one owner on issuer\.enforce\.dev/, undefined],
  ['https://github.com/login/oauth', '*@gmail.com', 'subject', /every account with an address at gmail\.com/, undefined],
  ['https://login.microsoftonline.com', '*@outlook.com', 'subject', /every account with an address at outlook\.com/, undefined],
  [
    'https://github.com/login/oauth',
    '*@users.noreply.github.com',
    'subject',
    /users\.noreply\.github\.com, which anyone can open/,
    undefined,
  ],
  ['https://issuer.hello.coop', 'release-*@gmail.com', 'subject', /every account with an address at gmail\.com/, undefined],
  ['https://idp.example.com', '*@GMail.com', 'subject', /every account with an address at gmail\.com/, undefined],
  [
    'https://github.com/login/oauth',
    'https://github.com/acme/*',
    'subject',
    /GitHub account certificate's subject.*e-mail address/,
    undefined,
  ],
  [
    'https://oauth2.sigstore.dev/auth',
    'release@acme.example',
    'issuer',
    /login service no certificate names: .*https:\/\/github\.com\/login\/oauth, https:\/\/accounts\.google\.com, https:\/\/login\.microsoftonline\.com$/,
    undefined,
  ],
  // Issuers and subjects no certificate can carry, whoever the issuer.
  [`${GITHUB}\u200b`, 'https://github.com/acme/*', 'issuer', /contains the invisible format character U\+200B/, undefined],
  ['https://token.actions.githubusercontent.c\u043em', 'https://github.com/acme/*', 'issuer', /beyond ASCII.*punycode/, undefined],
  [`${GITHUB}#main`, 'https://github.com/acme/*', 'issuer', /has a fragment/, undefined],
  ['https://acme@token.actions.githubusercontent.com', 'https://github.com/acme/*', 'issuer', /carries credentials/, undefined],
  ['https://idp.example.com', 'https://ci.ex\u0430mple.com/acme/*', 'subject', /beyond ASCII/, undefined],
  ['https://idp.example.com', 'https://ci.example.com/\u202eacme/*', 'subject', /invisible format character U\+202E/, undefined],
  [GITHUB, 'https://github.com/acme/*a*b*c*', 'subject', /has 4 "\*": Kyverno's ClusterPolicy matcher/, undefined],
];

describe('signer identities a certificate of their issuer can carry', () => {
  it.each(HOLLOW)('refuses issuer %s with subject %s at signer.%s, naming the expected form', (issuer, subject, field, message, repair) => {
    const [line, ...rest] = configRefusals(config(issuer, subject));
    expect(rest).toEqual([]);
    expect(line).toMatch(new RegExp(`^environments\\.yaml:${field === 'issuer' ? 5 : 6}:\\d+: environment "dev": signer\\.${field}: `));
    expect(line).toMatch(message);
    expect(suggestion(line)).toBe(repair);
  });

  it('offers only suggestions that pass every check of the signer', () => {
    const offered = HOLLOW.flatMap(([issuer, subject, field]) => {
      const repaired = suggestion(configRefusals(config(issuer, subject))[0]);
      return repaired === undefined ? [] : [field === 'issuer' ? { issuer: repaired, subject } : { issuer, subject: repaired }];
    });
    expect(offered.length).toBeGreaterThan(10);
    for (const signer of offered) expect(signerProblems(['signer'], signer, ''), JSON.stringify(signer)).toEqual([]);
  });

  it.each([
    [GITHUB, 'https://github.com/acme/*'],
    [GITHUB, 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*'],
    [GITHUB, 'https://github.com/Acme/app/.github/workflows/release.yml@refs/heads/main'],
    [`${GITHUB}/acme-enterprise`, 'https://github.com/acme/*'],
    ['https://gitlab.com', 'https://gitlab.com/acme/platform/app//.gitlab-ci.yml@refs/heads/main'],
    ['https://gitlab.com', 'https://gitlab.com/acme/*'],
    ['https://agent.buildkite.com', 'https://buildkite.com/acme/deploy'],
    ['https://accounts.google.com', '*@acme.example'],
    ['https://accounts.google.com', 'release-bot@acme.example'],
    ['https://github.com/login/oauth', '*@acme.example'],
    ['https://login.microsoftonline.com', 'release-bot@outlook.com'],
    ['https://oidc.codefresh.io', 'https://g.codefresh.io/acme/*'],
    ['https://oidc.circleci.com', 'https://circleci.com/api/v2/projects/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/*'],
    // CircleCI's per-organisation issuer pins the organisation itself.
    ['https://oidc.circleci.com/org/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'https://circleci.com/api/v2/projects/*'],
    ['https://gitlab.archlinux.org', 'https://gitlab.archlinux.org/arch/*'],
    ['https://issuer.enforce.dev', 'https://issuer.enforce.dev/0a1b2c3d/*'],
    // An issuer this product does not know keeps the generic rules.
    ['https://issuer.example.com', 'https://ci.example.com/acme/anything'],
    ['https://oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D', 'https://kubernetes.io/namespaces/ci/serviceaccounts/signer'],
  ])('accepts issuer %s with subject %s', (issuer, subject) => expect(configRefusals(config(issuer, subject))).toEqual([]));

  it('applies to the provenance signer and the provenance allow-lists on github.com', () => {
    const lines = configRefusals(
      config(
        GITHUB,
        'https://github.com/acme/*',
        [
          `    provenance:`,
          `      signer: { issuer: "${GITHUB}/", subject: "https://github.com/acme/*" }`,
          '      builderIds: ["https://github.com/acme/app/.github/workflows/build.yml"]',
          '      sourceRepositories: ["https://github.com/acme/app/", "https://github.com/acme/app"]',
        ].join('\n'),
      ),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /:8:\d+: environment "dev": provenance\.signer\.issuer: .*did you mean https:\/\/token\.actions\.githubusercontent\.com\?$/,
      ),
      expect.stringMatching(/:9:\d+: environment "dev": provenance\.builderIds\[0\]: .*GitHub build provenance's builder id.*@\*\?$/),
      expect.stringMatching(
        /:10:\d+: environment "dev": provenance\.sourceRepositories\[0\]: .*form https:\/\/github\.com\/<owner>\/<repository>.*did you mean https:\/\/github\.com\/acme\/app\?$/,
      ),
    ]);
  });

  it.each([
    ['http://github.com/acme/*', 'https://github.com/acme/*'],
    ['https://GitHub.com/acme/*', 'https://github.com/acme/*'],
    ['https://www.github.com/acme/app', 'https://github.com/acme/app'],
  ])('judges the allow-list glob %s, which names github.com otherwise than its provenance, against what it writes', (glob, repair) => {
    const lines = configRefusals(config(GITHUB, 'https://github.com/acme/*', `    provenance: { sourceRepositories: ["${glob}"] }`));
    expect(lines).toEqual([
      expect.stringMatching(/provenance\.sourceRepositories\[0\]: .*can never match a GitHub build provenance's source repository/),
    ]);
    expect(suggestion(lines[0])).toBe(repair);
  });

  it('refuses an allow-list glob with more "*" than Kyverno\'s matcher handles', () => {
    expect(
      configRefusals(config(GITHUB, 'https://github.com/acme/*', '    provenance: { builderIds: ["https://ci.acme.example/*/*/*/*"] }')),
    ).toEqual([expect.stringMatching(/provenance\.builderIds\[0\]: "https:\/\/ci\.acme\.example\/\*\/\*\/\*\/\*" has 4 "\*"/)]);
  });

  it.each([
    ['https://user:token@rekor.sigstore.dev', /carries credentials, which would be committed and published/],
    ['https://rekor.sigstore.dev/?shard=1', /has a query or fragment/],
    ['https://rekor.sigstore.dev x', /is not a URL/],
    ['https://rekor.sigst\u043ere.dev', /beyond ASCII: .*punycode \(https:\/\/rekor\.xn--/],
  ])('refuses the Rekor URL %s, which every policy would carry', (rekorUrl, message) => {
    const text = config(GITHUB, 'https://github.com/acme/*').replace(
      '      subject: "https://github.com/acme/*"',
      `      subject: "https://github.com/acme/*"\n      rekorUrl: "${rekorUrl}"`,
    );
    expect(configRefusals(text)).toEqual([expect.stringMatching(/:7:\d+: environment "dev": signer\.rekorUrl: /)]);
    expect(configRefusals(text)[0]).toMatch(message);
  });

  it("refuses provenance defaults under another known issuer, whose provenance is not GitHub's", () => {
    const lines = configRefusals(
      config('https://gitlab.com', 'https://gitlab.com/acme/*', '', 'require-provenance-attestation: { phase: audit }'),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /environment "dev": policies\.require-provenance-attestation: .*set provenance\.builderIds and provenance\.sourceRepositories$/,
      ),
    ]);
    const named = '    provenance: { builderIds: ["https://gitlab.com/acme/*"], sourceRepositories: ["https://gitlab.com/acme/*"] }';
    expect(
      configRefusals(config('https://gitlab.com', 'https://gitlab.com/acme/*', named, 'require-provenance-attestation: { phase: audit }')),
    ).toEqual([]);
  });
});

describe('one spelling per GitHub owner across the config', () => {
  const delivery = (owner: string) =>
    [
      '    delivery:',
      '      mode: oci',
      '      repository: ghcr.io/acme/guardrails-policies',
      '      tag: main',
      `      signer: { issuer: "${GITHUB}", subject: "https://github.com/${owner}/guardrails/.github/workflows/publish.yaml@refs/heads/main" }`,
    ].join('\n');

  it('refuses an owner spelled two ways, at the second spelling, naming the first', () => {
    expect(configRefusals(config(GITHUB, 'https://github.com/Acme/*', delivery('acme')))).toEqual([
      expect.stringMatching(
        /:11:\d+: environment "dev": delivery\.signer\.subject: spells the GitHub owner "acme", environment "dev" signer\.subject spells it "Acme": .*one of the two matches nothing/,
      ),
    ]);
  });

  it('accepts one spelling everywhere, whatever the case of the lower-case ghcr.io names', () => {
    expect(configRefusals(config(GITHUB, 'https://github.com/Acme/*', delivery('Acme')))).toEqual([]);
  });
});
