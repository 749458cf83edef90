import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../src/config/read';
import { readTree } from '../../src/output/write';
import { runCli, tempDir, testDigest } from '../helpers';

const VALID = `environments:
  - name: develop
    imagePatterns:
      - ghcr.io/acme/*
    signer:
      issuer: https://token.actions.githubusercontent.com
      subject: https://github.com/acme/*
    policies:
      verify-image-signatures: { phase: audit }
  - name: production
    imagePatterns: [ghcr.io/acme/*]
    signer:
      issuer: https://token.actions.githubusercontent.com
      subject: https://github.com/acme/*
    policies:
      verify-image-signatures: { phase: enforce }
      require-sbom-attestation: { phase: enforce }
`;

/** The output of the valid config, synthesized once for the file (each test copies it). */
const VALID_OUTPUT = (() => {
  const dir = tempDir();
  writeFileSync(join(dir, 'environments.yaml'), VALID);
  const result = runCli('synth', '--config', join(dir, 'environments.yaml'), '--outdir', join(dir, 'dist'));
  if (result.code !== 0) throw new Error(`the valid config does not synthesize: ${result.err}`);
  return join(dir, 'dist');
})();

/** Synthesizes `configText` (with `args`) over an output directory that already holds the output of the valid config. */
function synthOverExistingOutput(configText: string, ...args: string[]) {
  const dir = tempDir();
  const config = join(dir, 'environments.yaml');
  const outdir = join(dir, 'dist');
  cpSync(VALID_OUTPUT, outdir, { recursive: true });
  writeFileSync(config, configText);
  const before = readTree(outdir);
  expect(before.size).toBeGreaterThan(0);
  const result = runCli('synth', '--config', config, '--outdir', outdir, ...args);
  return { ...result, config, unchanged: () => expect(readTree(outdir)).toEqual(before) };
}

/** VALID with `extra` lines added to the develop environment, just before its policies (line 8). */
const withDevelop = (extra: string) =>
  VALID.replace(
    '    policies:\n      verify-image-signatures: { phase: audit }',
    `${extra}\n    policies:\n      verify-image-signatures: { phase: audit }`,
  );
const SHA256 = testDigest('app');

const BAD_INPUTS: { name: string; config: string; line: number; environment?: string; field: string; message: RegExp }[] = [
  {
    name: 'a missing field',
    config: VALID.replace(
      '    signer:\n      issuer: https://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: audit }',
      '    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 2,
    environment: 'develop',
    field: 'signer',
    message: /missing required field "signer"/,
  },
  {
    name: 'an unknown field',
    config: VALID.replace('    imagePatterns:\n      - ghcr.io', '    imagePaterns: [x]\n    imagePatterns:\n      - ghcr.io'),
    line: 3,
    environment: 'develop',
    field: 'imagePaterns',
    message: /unknown field "imagePaterns" \(known fields: .*imagePatterns/,
  },
  {
    name: 'an unknown phase',
    config: VALID.replace('{ phase: enforce }', '{ phase: Enforce }'),
    line: 16,
    environment: 'production',
    field: 'policies.verify-image-signatures.phase',
    message: /must be one of "audit", "enforce" \(got "Enforce"\)/,
  },
  {
    name: 'an unknown policy name',
    config: VALID.replace('      verify-image-signatures: { phase: enforce }', '      verify-image-signature: { phase: enforce }'),
    line: 16,
    environment: 'production',
    field: 'policies.verify-image-signature',
    message:
      /"verify-image-signature" is not a known policy \(known: verify-image-signatures, require-sbom-attestation, restrict-image-registries, require-provenance-attestation\)/,
  },
  {
    name: 'an issuer that is not an https URL',
    config: VALID.replace(
      'issuer: https://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: enforce }',
      'issuer: http://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: enforce }',
    ),
    line: 13,
    environment: 'production',
    field: 'signer.issuer',
    message: /must be an https URL/,
  },
  {
    name: 'an environment name that is not a DNS-1123 label',
    config: VALID.replace('name: production', 'name: Production_1'),
    line: 10,
    environment: 'Production_1',
    field: 'name',
    message: /must be a DNS-1123 label/,
  },
  {
    name: 'a duplicate environment',
    config: VALID.replace('name: production', 'name: develop'),
    line: 10,
    environment: 'develop',
    field: 'name',
    message: /duplicate environment: already declared as environments\[0\]/,
  },
  {
    name: 'an empty image pattern list',
    config: VALID.replace('imagePatterns: [ghcr.io/acme/*]', 'imagePatterns: []'),
    line: 11,
    environment: 'production',
    field: 'imagePatterns',
    message: /must list at least one image pattern/,
  },
  {
    name: "a '?' in a signer subject (a wildcard to Kyverno, a literal to the other engine and cosign)",
    config: VALID.replace(
      'subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: audit }',
      'subject: https://github.com/acme/app?\n    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 7,
    environment: 'develop',
    field: 'signer.subject',
    message: /must be a glob without whitespace or '\?'/,
  },
  {
    name: 'a third-party image glob that allows every registry',
    config: VALID.replace(
      '    policies:\n      verify-image-signatures: { phase: audit }',
      '    thirdPartyImages: [mirror.acme.example/library/*, "*"]\n    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 8,
    environment: 'develop',
    field: 'thirdPartyImages[1]',
    message: /"\*" governs every image of every registry: restrict-image-registries would admit such images unverified/,
  },
  {
    name: 'a third-party image glob that allows a whole public registry',
    config: VALID.replace(
      '    policies:\n      verify-image-signatures: { phase: audit }',
      '    thirdPartyImages: [docker.io/*]\n    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 8,
    environment: 'develop',
    field: 'thirdPartyImages[0]',
    message:
      /"docker\.io\/\*" admits every owner's images on the public registry docker\.io: name the owner \(docker\.io\/<owner>\/\*, or an official image: docker\.io\/library\/<image>@\*\)/,
  },
  {
    name: 'a provenance source-repository glob that matches every owner on the forge',
    config: VALID.replace(
      '    policies:\n      verify-image-signatures: { phase: audit }',
      '    provenance: { sourceRepositories: [https://github.com/acme/*, https://github.com/*] }\n    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 8,
    environment: 'develop',
    field: 'provenance.sourceRepositories[1]',
    message: /"https:\/\/github\.com\/\*" matches more than one owner on github\.com/,
  },
  {
    name: 'a provenance builder id glob of "*"',
    config: VALID.replace(
      '    policies:\n      verify-image-signatures: { phase: audit }',
      '    provenance: { builderIds: ["*"] }\n    policies:\n      verify-image-signatures: { phase: audit }',
    ),
    line: 8,
    environment: 'develop',
    field: 'provenance.builderIds[0]',
    message: /"\*" matches more than one owner/,
  },
  {
    name: 'a NUL character in a signer subject',
    config: VALID.replace('subject: https://github.com/acme/*', 'subject: "https://github.com/acme/\\0*"'),
    line: 7,
    environment: 'develop',
    field: 'signer.subject',
    message: /contains the control character U\+0000/,
  },
  {
    name: 'a C1 control character in an image pattern',
    config: VALID.replace('      - ghcr.io/acme/*', '      - "ghcr.io/acme/\\x85*"'),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /contains the control character U\+0085/,
  },
  {
    name: 'a homoglyph (non-ASCII) registry host',
    config: VALID.replace('      - ghcr.io/acme/*', '      - ghcr.\u0456o/acme/*'),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /"ghcr\.\u0456o\/acme\/\*" has the non-ASCII registry host "ghcr\.\u0456o".*punycode form is ghcr\.xn--o-evb/,
  },
  {
    name: 'a registry host with a trailing dot',
    config: VALID.replace('      - ghcr.io/acme/*', '      - ghcr.io./acme/*'),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /"ghcr\.io\.\/acme\/\*" has a registry host ending with a dot, "ghcr\.io\.".*: did you mean ghcr\.io\/acme\/\*\?$/,
  },
  {
    name: 'a non-ASCII registry host in a drill image',
    config: withDevelop(
      `    drill: { signedImage: "ghcr.io/acme/app@${SHA256}", unsignedImage: ghcr.io/acme/app:1, foreignImage: "d\u00f6cker.io/library/busybox:1" }`,
    ),
    line: 8,
    environment: 'develop',
    field: 'drill.foreignImage',
    message: /has the non-ASCII registry host "d\u00f6cker\.io"/,
  },
  {
    name: 'an image pattern for every owner of a public registry, with only the registry restriction enabled',
    config: VALID.replace('imagePatterns: [ghcr.io/acme/*]', 'imagePatterns: [ghcr.io/*]').replace(
      '      verify-image-signatures: { phase: enforce }\n      require-sbom-attestation: { phase: enforce }',
      '      restrict-image-registries: { phase: enforce }',
    ),
    line: 11,
    environment: 'production',
    field: 'imagePatterns[0]',
    message: /"ghcr\.io\/\*" admits every owner's images on the public registry ghcr\.io: name the owner/,
  },
  {
    name: 'an image pattern without wildcard, tag or digest',
    config: VALID.replace('      - ghcr.io/acme/*', '      - ghcr.io/acme'),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /"ghcr\.io\/acme" has no wildcard, tag or digest.*: did you mean ghcr\.io\/acme\/\* \(every image under it\)\?$/,
  },
  {
    name: 'an image pattern with a URL scheme',
    config: VALID.replace('      - ghcr.io/acme/*', '      - https://registry.example.io/apps/*'),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /starts with the URL scheme "https:\/\/".*: did you mean registry\.example\.io\/apps\/\*\?$/,
  },
  {
    name: 'a third-party image glob ending with a slash',
    config: withDevelop('    thirdPartyImages: [registry.example.io/apps/]'),
    line: 8,
    environment: 'develop',
    field: 'thirdPartyImages[0]',
    message: /"registry\.example\.io\/apps\/" ends its path with "\/".*: did you mean registry\.example\.io\/apps\/\*\?$/,
  },
  {
    name: 'a drill image with an upper-case registry host',
    config: withDevelop(`    drill: { signedImage: "GHCR.IO/acme/app@${SHA256}", unsignedImage: ghcr.io/acme/app:1 }`),
    line: 8,
    environment: 'develop',
    field: 'drill.signedImage',
    message: /upper-case registry host "GHCR\.IO".*: did you mean ghcr\.io\/acme\/app@sha256:[0-9a-f]{64}\?$/,
  },
  {
    name: 'an image pattern longer than the schema allows',
    config: VALID.replace('      - ghcr.io/acme/*', `      - ghcr.io/acme/${'a'.repeat(600)}*`),
    line: 4,
    environment: 'develop',
    field: 'imagePatterns[0]',
    message: /is 614 characters long, more than the 512 allowed/,
  },
  {
    name: 'an SBOM age beyond what Kyverno parses',
    config: withDevelop('    sbom: { maxAge: 999999d }'),
    line: 8,
    environment: 'develop',
    field: 'sbom.maxAge',
    message: /999999d is 23999976h, longer than Kyverno's duration parser accepts: at most 106751d \(2562047h\)/,
  },
  {
    name: 'a namespace both included and excluded',
    config: withDevelop('    namespaces: [apps, sandbox]\n    excludeNamespaces: [sandbox]'),
    line: 8,
    environment: 'develop',
    field: 'namespaces[1]',
    message: /"sandbox" is also in excludeNamespaces: the policies would never check it/,
  },
  {
    name: 'a scope of only always-excluded namespaces',
    config: withDevelop('    namespaces: [kube-system]'),
    line: 8,
    environment: 'develop',
    field: 'namespaces',
    message: /every listed namespace is excluded: the policies could never match a Pod/,
  },
  {
    name: 'a scope that lists the Kyverno namespace',
    config: withDevelop('    kyvernoNamespace: policy-engine\n    namespaces: [apps, policy-engine]'),
    line: 9,
    environment: 'develop',
    field: 'namespaces[1]',
    message: /"policy-engine" is the Kyverno namespace, which is always excluded/,
  },
  {
    name: 'a scope listing flux-system, a system namespace by default',
    config: withDevelop('    namespaces: [apps, flux-system]'),
    line: 8,
    environment: 'develop',
    field: 'namespaces[1]',
    message:
      /"flux-system" is a system namespace by default \(systemNamespaces: \[flux-system\]\); to check it, set systemNamespaces without it/,
  },
  {
    name: 'a scope listing a namespace of systemNamespaces',
    config: withDevelop('    systemNamespaces: [flux-system, cert-manager]\n    namespaces: [apps, cert-manager]'),
    line: 9,
    environment: 'develop',
    field: 'namespaces[1]',
    message: /"cert-manager" is in systemNamespaces: the policies would never check it/,
  },
  {
    name: 'a controller image whose registry host ends with a dot',
    config: withDevelop('    controllers: { cert-manager: [quay.io./jetstack/cert-manager-controller:v1.16.2] }'),
    line: 8,
    environment: 'develop',
    field: 'controllers.cert-manager[0]',
    message: /"quay\.io\.\/jetstack\/cert-manager-controller:v1\.16\.2" has a registry host ending with a dot/,
  },
  {
    name: 'a controller image written as a glob',
    config: withDevelop('    controllers: { cert-manager: [quay.io/jetstack/*] }'),
    line: 8,
    environment: 'develop',
    field: 'controllers.cert-manager[0]',
    message: /must be an image reference as a Pod writes it, without whitespace or wildcards/,
  },
  {
    name: 'controllers of something that is not a namespace name',
    config: withDevelop('    controllers: { Cert_Manager: [quay.io/jetstack/cert-manager-controller:v1.16.2] }'),
    line: 8,
    environment: 'develop',
    field: 'controllers.Cert_Manager',
    message: /key "Cert_Manager" must be a namespace name \(a DNS-1123 label\)/,
  },
  {
    name: 'a drill image with an upper-case digest',
    config: withDevelop(`    drill: { signedImage: "ghcr.io/acme/app@sha256:${'A'.repeat(64)}", unsignedImage: ghcr.io/acme/app:1 }`),
    line: 8,
    environment: 'develop',
    field: 'drill.signedImage',
    message: /has a malformed digest: write sha256:<64 lower-case hex digits> or sha512:<128 lower-case hex digits>/,
  },
  {
    name: 'a drill image with an md5 digest',
    config: withDevelop(
      `    drill: { signedImage: "ghcr.io/acme/app@${SHA256}", unsignedImage: "ghcr.io/acme/app@md5:${'a'.repeat(32)}" }`,
    ),
    line: 8,
    environment: 'develop',
    field: 'drill.unsignedImage',
    message: /has a malformed digest/,
  },
  {
    name: 'a signer subject that matches every owner on the forge',
    config: VALID.replace('subject: https://github.com/acme/*', 'subject: https://github.com/*'),
    line: 7,
    environment: 'develop',
    field: 'signer.subject',
    message: /"https:\/\/github\.com\/\*" matches more than one owner on github\.com/,
  },
  {
    name: 'a provenance signer subject of "*"',
    config: withDevelop('    provenance: { signer: { issuer: https://token.actions.githubusercontent.com, subject: "*" } }'),
    line: 8,
    environment: 'develop',
    field: 'provenance.signer.subject',
    message: /"\*" matches more than one owner/,
  },
  {
    name: 'an issuer glob',
    config: VALID.replace('issuer: https://token.actions.githubusercontent.com', 'issuer: https://*.githubusercontent.com'),
    line: 6,
    environment: 'develop',
    field: 'signer.issuer',
    message: /matches more than one issuer: name exactly one/,
  },
  {
    name: 'template syntax in a signer subject',
    config: VALID.replace('subject: https://github.com/acme/*', 'subject: https://github.com/acme/${repo}'),
    line: 7,
    environment: 'develop',
    field: 'signer.subject',
    message: /contains template syntax/,
  },
  {
    name: 'fail-open enforcement without an acknowledgement',
    config: VALID.replace(
      '      require-sbom-attestation: { phase: enforce }',
      '      require-sbom-attestation: { phase: enforce }\n    webhook: { failurePolicy: Ignore }',
    ),
    line: 18,
    environment: 'production',
    field: 'webhook.failurePolicy',
    message: /enforces with failurePolicy Ignore \(fails open\)/,
  },
  {
    name: 'a YAML alias bomb',
    config: `${VALID}x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n${Array.from({ length: 8 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(10).fill(`*x${i}`).join(', ')}]`).join('\n')}\n`,
    line: 19,
    field: '(yaml)',
    message: /resolves more than 100 aliases/,
  },
  {
    name: 'a YAML syntax error',
    config: VALID.replace(
      '    policies:\n      verify-image-signatures: { phase: enforce }',
      '    policies:\n      verify-image-signatures: { phase: enforce',
    ),
    line: 17,
    field: '(yaml)',
    message: /./,
  },
];

describe.each(BAD_INPUTS)('$name', (bad) => {
  test('is reported with file, line, environment and field; exit is non-zero; the output is untouched', () => {
    const result = synthOverExistingOutput(bad.config);
    expect(result.code).toBe(1);
    const line = result.err.split('\n').find((l) => l.startsWith(`${result.config}:${bad.line}:`));
    expect(line, result.err).toBeDefined();
    if (bad.environment) expect(line).toContain(`environment "${bad.environment}": ${bad.field}: `);
    else expect(line).toContain(`: ${bad.field}: `);
    expect(line).toMatch(bad.message);
    expect(result.err).toMatch(/was not changed/);
    result.unchanged();
  });
});

test('every problem of a config is reported in one run', () => {
  const result = synthOverExistingOutput(
    VALID.replace('{ phase: enforce }', '{ phase: block }')
      .replace('name: develop', 'name: Dev')
      .replace('imagePatterns: [ghcr.io/acme/*]', 'imagePatterns: []'),
  );
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/environment "Dev": name: must be a DNS-1123 label/);
  expect(result.err).toMatch(/environment "production": imagePatterns: must list at least one image pattern/);
  expect(result.err).toMatch(/environment "production": policies.verify-image-signatures.phase: must be one of/);
  result.unchanged();
});

test('invalid UTF-8 is refused at the line and column of the first bad byte, not turned into U+FFFD', () => {
  const result = synthOverExistingOutput(VALID);
  const bytes = Buffer.concat([
    Buffer.from(VALID.replace('subject: https://github.com/acme/*', 'subject: https://github.com/\u00e9acme/')),
    Buffer.from([0xff]),
  ]);
  const at = bytes.indexOf('/\u00e9acme/');
  writeFileSync(result.config, Buffer.concat([bytes.subarray(0, at + 1), Buffer.from([0xc3, 0x28]), bytes.subarray(at + 1)]));
  const { code, err } = runCli('synth', '--config', result.config, '--outdir', join(result.config, '..', 'dist'));
  expect(code).toBe(1);
  // Line 7 is `      subject: https://github.com/` (34 characters), then the bad sequence: column 35.
  expect(err).toMatch(new RegExp(`^${result.config}:7:35: \\(file\\): is not valid UTF-8 \\(byte 0xC3\\)`, 'm'));
  result.unchanged();
});

test('a config larger than the size bound is refused before it is parsed', () => {
  const result = synthOverExistingOutput(VALID);
  writeFileSync(result.config, `${VALID}${'#'.repeat(MAX_CONFIG_BYTES)}\n`);
  const { code, err } = runCli('synth', '--config', result.config, '--outdir', join(result.config, '..', 'dist'));
  expect(code).toBe(1);
  expect(err).toBe(
    `${result.config}: (file): is larger than the ${MAX_CONFIG_BYTES} bytes a config may have\n${join(result.config, '..', 'dist')}/ was not changed.`,
  );
  result.unchanged();
});

test('an identity broad in several environments is reported once per config field, at its line, and never per generated file', () => {
  const broad = VALID.replaceAll('subject: https://github.com/acme/*', 'subject: https://github.com/*').replace(
    '      require-sbom-attestation: { phase: enforce }',
    '      require-sbom-attestation: { phase: enforce }\n      require-provenance-attestation: { phase: audit }',
  );
  const result = synthOverExistingOutput(broad);
  expect(result.code).toBe(1);
  const lines = result.err.split('\n').filter((l) => l.includes('matches more than one owner'));
  expect(lines.map((l) => l.slice(result.config.length))).toEqual([
    ':7:16: environment "develop": signer.subject: "https://github.com/*" matches more than one owner on github.com: the part before the first wildcard must end with "/<owner>/": anyone who can run a workflow there could sign',
    ':14:16: environment "production": signer.subject: "https://github.com/*" matches more than one owner on github.com: the part before the first wildcard must end with "/<owner>/": anyone who can run a workflow there could sign',
  ]);
  expect(result.err).not.toMatch(/\.yaml: spec\./);
  result.unchanged();
});

test.each([
  ['a punycode registry host', VALID.replace('      - ghcr.io/acme/*', '      - ghcr.xn--o-evb/acme/*')],
  ['a literal image pattern with a tag', VALID.replace('      - ghcr.io/acme/*', '      - ghcr.io/acme/*\n      - ghcr.io/acme/app:1.0')],
  [
    'a literal image pattern with a digest',
    VALID.replace('      - ghcr.io/acme/*', `      - ghcr.io/acme/*\n      - ghcr.io/acme/app@${SHA256}`),
  ],
  ['a whole registry of your own', VALID.replace('      - ghcr.io/acme/*', '      - registry.acme.example/*')],
  ['the longest SBOM age Kyverno parses', withDevelop('    sbom: { maxAge: 106751d }')],
  ['a scope besides the excluded namespaces', withDevelop('    namespaces: [apps]\n    excludeNamespaces: [sandbox]')],
  ['a scope of flux-system once systemNamespaces leaves it out', withDevelop('    systemNamespaces: []\n    namespaces: [flux-system]')],
  [
    'controllers declared for a namespace',
    withDevelop(
      '    systemNamespaces: [flux-system, cert-manager]\n    controllers: { cert-manager: [quay.io/jetstack/cert-manager-controller:v1.16.2] }',
    ),
  ],
  [
    'drill images pinned by sha512, tagged, and the default foreign image',
    withDevelop(`    drill: { signedImage: "ghcr.io/acme/app@${testDigest('app', 'sha512')}", unsignedImage: ghcr.io/acme/app:1 }`),
  ],
  [
    'a tab and a line break in free text',
    VALID.replace(
      '      require-sbom-attestation: { phase: enforce }',
      '      require-sbom-attestation: { phase: enforce }\n    webhook:\n      failurePolicy: Ignore\n      acknowledgeFailOpen: "outages\\tmust not\\nstop deploys"',
    ),
    // Failing open weakens what production enforces.
    ['--allow-weakening', 'production/verify-image-signatures', '--allow-weakening', 'production/require-sbom-attestation'],
  ],
])('accepted neighbour: %s', (_name, config, args: string[] = []) => {
  const result = synthOverExistingOutput(config, ...args);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
});

test('a missing config file is an error naming the file, not a crash', () => {
  const result = runCli('synth', '--config', join(tempDir(), 'nope.yaml'), '--outdir', join(tempDir(), 'out'));
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/nope\.yaml: \(file\): cannot read/);
});

test('an endless stream as the config (a device with no size) is refused once the size bound is read, not read forever', () => {
  const outdir = join(tempDir(), 'out');
  const result = runCli('check', '--config', '/dev/zero', '--outdir', outdir);
  expect(result.code).toBe(1);
  expect(result.err.split('\n')[0]).toBe(`/dev/zero: (file): is larger than the ${MAX_CONFIG_BYTES} bytes a config may have`);
});

test('the valid neighbour of these inputs synthesizes', () => {
  const result = synthOverExistingOutput(VALID);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
});
