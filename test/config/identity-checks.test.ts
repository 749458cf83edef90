import { describe, expect, it } from 'vitest';
import { signerProblems } from '../../src/config/identity-checks';
import { ConfigError, parseConfig } from '../../src/config/load';

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

/** The config's problems as printed (file:line:col: environment "x": field: message), or [] when it loads. */
function refusals(text: string): string[] {
  try {
    parseConfig(text, 'environments.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
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
    /every Google account with a gmail\.com address, which anyone can open/,
    undefined,
  ],
];

describe('signer identities a certificate of their issuer can carry', () => {
  it.each(HOLLOW)('refuses issuer %s with subject %s at signer.%s, naming the expected form', (issuer, subject, field, message, repair) => {
    const [line, ...rest] = refusals(config(issuer, subject));
    expect(rest).toEqual([]);
    expect(line).toMatch(new RegExp(`^environments\\.yaml:${field === 'issuer' ? 5 : 6}:\\d+: environment "dev": signer\\.${field}: `));
    expect(line).toMatch(message);
    expect(suggestion(line)).toBe(repair);
  });

  it('offers only suggestions that pass every check of the signer', () => {
    const offered = HOLLOW.flatMap(([issuer, subject, field]) => {
      const repaired = suggestion(refusals(config(issuer, subject))[0]);
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
    // An issuer this product does not know keeps the generic rules.
    ['https://issuer.example.com', 'https://ci.example.com/acme/anything'],
  ])('accepts issuer %s with subject %s', (issuer, subject) => expect(refusals(config(issuer, subject))).toEqual([]));

  it('applies to the provenance signer and the provenance allow-lists on github.com', () => {
    const lines = refusals(
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

  it("refuses provenance defaults under another known issuer, whose provenance is not GitHub's", () => {
    const lines = refusals(
      config('https://gitlab.com', 'https://gitlab.com/acme/*', '', 'require-provenance-attestation: { phase: audit }'),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /environment "dev": policies\.require-provenance-attestation: .*set provenance\.builderIds and provenance\.sourceRepositories$/,
      ),
    ]);
    const named = '    provenance: { builderIds: ["https://gitlab.com/acme/*"], sourceRepositories: ["https://gitlab.com/acme/*"] }';
    expect(
      refusals(config('https://gitlab.com', 'https://gitlab.com/acme/*', named, 'require-provenance-attestation: { phase: audit }')),
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
    expect(refusals(config(GITHUB, 'https://github.com/Acme/*', delivery('acme')))).toEqual([
      expect.stringMatching(
        /:11:\d+: environment "dev": delivery\.signer\.subject: spells the GitHub owner "acme", environment "dev" signer\.subject spells it "Acme": .*one of the two matches nothing/,
      ),
    ]);
  });

  it('accepts one spelling everywhere, whatever the case of the lower-case ghcr.io names', () => {
    expect(refusals(config(GITHUB, 'https://github.com/Acme/*', delivery('Acme')))).toEqual([]);
  });
});
