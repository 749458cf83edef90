import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTree } from '../src/output/write';
import { runCli, tempDir } from './helpers';

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

/** Synthesizes `configText` over an output directory that already holds the output of the valid config. */
function synthOverExistingOutput(configText: string) {
  const dir = tempDir();
  const config = join(dir, 'environments.yaml');
  const outdir = join(dir, 'dist');
  writeFileSync(config, VALID);
  expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
  writeFileSync(config, configText);
  const before = readTree(outdir);
  expect(before.size).toBeGreaterThan(0);
  const result = runCli('synth', '--config', config, '--outdir', outdir);
  return { ...result, config, unchanged: () => expect(readTree(outdir)).toEqual(before) };
}

const BAD_INPUTS: { name: string; config: string; line: number; environment?: string; field: string; message: RegExp }[] = [
  {
    name: 'a missing field',
    config: VALID.replace('    signer:\n      issuer: https://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: audit }', '    policies:\n      verify-image-signatures: { phase: audit }'),
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
    message: /"verify-image-signature" is not a known policy \(known: verify-image-signatures, require-sbom-attestation, restrict-image-registries, require-provenance-attestation\)/,
  },
  {
    name: 'an issuer that is not an https URL',
    config: VALID.replace('issuer: https://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: enforce }', 'issuer: http://token.actions.githubusercontent.com\n      subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: enforce }'),
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
    config: VALID.replace('subject: https://github.com/acme/*\n    policies:\n      verify-image-signatures: { phase: audit }', 'subject: https://github.com/acme/app?\n    policies:\n      verify-image-signatures: { phase: audit }'),
    line: 7,
    environment: 'develop',
    field: 'signer.subject',
    message: /must be a glob without whitespace or '\?'/,
  },
  {
    name: 'a third-party image glob that allows every registry',
    config: VALID.replace('    policies:\n      verify-image-signatures: { phase: audit }', '    thirdPartyImages: [mirror.acme.example/library/*, "*"]\n    policies:\n      verify-image-signatures: { phase: audit }'),
    line: 8,
    environment: 'develop',
    field: 'thirdPartyImages[1]',
    message: /"\*" governs every image of every registry: restrict-image-registries would admit such images unverified/,
  },
  {
    name: 'a third-party image glob that allows a whole public registry',
    config: VALID.replace('    policies:\n      verify-image-signatures: { phase: audit }', '    thirdPartyImages: [docker.io/*]\n    policies:\n      verify-image-signatures: { phase: audit }'),
    line: 8,
    environment: 'develop',
    field: 'thirdPartyImages[0]',
    message: /"docker\.io\/\*" admits every owner's images on the public registry docker\.io: name the owner \(e\.g\. docker\.io\/library\/\*\)/,
  },
  {
    name: 'a provenance source-repository glob that matches every owner on the forge',
    config: VALID.replace('    policies:\n      verify-image-signatures: { phase: audit }', '    provenance: { sourceRepositories: [https://github.com/acme/*, https://github.com/*] }\n    policies:\n      verify-image-signatures: { phase: audit }'),
    line: 8,
    environment: 'develop',
    field: 'provenance.sourceRepositories[1]',
    message: /"https:\/\/github\.com\/\*" matches more than one owner on github\.com/,
  },
  {
    name: 'a provenance builder id glob of "*"',
    config: VALID.replace('    policies:\n      verify-image-signatures: { phase: audit }', '    provenance: { builderIds: ["*"] }\n    policies:\n      verify-image-signatures: { phase: audit }'),
    line: 8,
    environment: 'develop',
    field: 'provenance.builderIds[0]',
    message: /"\*" matches more than one owner/,
  },
  {
    name: 'a YAML syntax error',
    config: VALID.replace('    policies:\n      verify-image-signatures: { phase: enforce }', '    policies:\n      verify-image-signatures: { phase: enforce'),
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
    VALID.replace('{ phase: enforce }', '{ phase: block }').replace('name: develop', 'name: Dev').replace('imagePatterns: [ghcr.io/acme/*]', 'imagePatterns: []'),
  );
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/environment "Dev": name: must be a DNS-1123 label/);
  expect(result.err).toMatch(/environment "production": imagePatterns: must list at least one image pattern/);
  expect(result.err).toMatch(/environment "production": policies.verify-image-signatures.phase: must be one of/);
  result.unchanged();
});

test('a missing config file is an error naming the file, not a crash', () => {
  const result = runCli('synth', '--config', join(tempDir(), 'nope.yaml'), '--outdir', join(tempDir(), 'out'));
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/nope\.yaml:0:0: \(file\): cannot read/);
});

test('the valid neighbour of these inputs synthesizes', () => {
  const result = synthOverExistingOutput(VALID);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
});
