import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import { safetyWarnings } from '../../src/commands/warnings';
import { KNOWN_ISSUERS, issuedByPublicInstance } from '../../src/model/oidc-issuers';
import { runCli, tempDir, writeConfig } from '../helpers';

/** The warnings synth prints for one environment whose signers have these issuers, beside the given config lines. */
function warningsFor(issuer: string, { extra = '', provenanceIssuer = 'https://token.actions.githubusercontent.com' } = {}): string[] {
  const text = [
    'trustRoots:',
    '  corp:',
    '    trustedRoot: test/fixtures/sigstore/trusted_root.json',
    'environments:',
    '  - name: dev',
    '    imagePatterns: [ghcr.io/acme/*]',
    `    signer: { issuer: "${issuer}", subject: "https://github.com/acme/*" }`,
    `    provenance: { signer: { issuer: "${provenanceIssuer}", subject: "https://github.com/acme/*" } }`,
    ...(extra === '' ? [] : [extra]),
    '    policies: { verify-image-signatures: { phase: audit } }',
    '',
  ].join('\n');
  return safetyWarnings(parseConfig(text, 'environments.yaml'), []);
}

const UNKNOWN = 'none of the issuers the public Sigstore instance certifies (Fulcio v1.8.8), so no signature of that instance can match it';

describe('a signer on the public instance whose issuer that instance does not certify', () => {
  it.each([
    ['https://www.accounts.google.com', 'https://accounts.google.com'],
    ['https://token.actions.githubusercontent.co', 'https://token.actions.githubusercontent.com'],
    ['https://gitlab.example.com', 'https://gitlab.com'],
    ['https://login.microsoftonline.com/acme', 'https://login.microsoftonline.com'],
    ['https://idp.example.com', undefined],
  ])('%s is warned of, naming the closest issuer it certifies (%s)', (issuer, closest) => {
    expect(warningsFor(issuer)).toEqual([
      `environment "dev": signer.issuer "${issuer}" is ${UNKNOWN}` +
        (closest === undefined ? '' : ` (did you mean ${closest}?)`) +
        '; if it is an identity provider of your own, give the signer its private trust root (trustRoot, docs/private-sigstore.md)',
    ]);
  });

  it.each([...KNOWN_ISSUERS.map(({ url }) => url), 'https://issuer.enforce.dev'])('%s is certified by the public instance', (issuer) => {
    expect(issuedByPublicInstance(issuer)).toBe(true);
  });

  it.each([
    'https://issuer.enforce.dev',
    // Meta-issuers: GitHub Enterprise, a cluster's service accounts, a CircleCI organisation.
    'https://token.actions.githubusercontent.com/acme-corp',
    'https://oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D4E',
    'https://container.googleapis.com/v1/projects/acme-prod/locations/europe-west1/clusters/main',
    'https://oidc.circleci.com/org/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab',
  ])('%s is certified by the public instance: no warning', (issuer) => {
    expect(warningsFor(issuer)).toEqual([]);
  });

  it('a meta-issuer wildcard stands for one path segment of its characters, not more', () => {
    expect(issuedByPublicInstance('https://token.actions.githubusercontent.com/acme/x')).toBe(false);
    expect(issuedByPublicInstance('https://oidc.eks.evil.example/x.amazonaws.com/id/1')).toBe(false);
  });

  it('warns of the provenance signer too, at its field', () => {
    expect(
      warningsFor('https://www.accounts.google.com', { provenanceIssuer: 'https://idp.example.com' }).map((w) => w.split(' is none')[0]),
    ).toEqual([
      'environment "dev": signer.issuer "https://www.accounts.google.com"',
      'environment "dev": provenance.signer.issuer "https://idp.example.com"',
    ]);
  });

  it('an issuer of a private instance is its own: no warning', () => {
    expect(warningsFor('https://idp.example.com', { extra: '    trustRoot: corp', provenanceIssuer: 'https://idp.example.com' })).toEqual(
      [],
    );
  });

  it('synth prints the warning and writes the output', () => {
    const config = writeConfig(
      [
        'environments:',
        '  - name: dev',
        '    imagePatterns: [ghcr.io/acme/*]',
        '    signer: { issuer: "https://www.accounts.google.com", subject: "*@acme.example" }',
        '    policies: { verify-image-signatures: { phase: audit } }',
        '',
      ].join('\n'),
    );
    const { code, out } = runCli('synth', '--config', config, '--outdir', `${tempDir()}/dist`);
    expect(code).toBe(0);
    expect(out).toContain(
      'warning: environment "dev": signer.issuer "https://www.accounts.google.com" is none of the issuers the public Sigstore instance certifies',
    );
  });
});
