import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, EngineKind } from '../../src/model/environment';
import { synthesizeTree } from '../../src/synthesize';
import { tempDir } from '../helpers';
import { checkOf, predicateFor } from './support/admission';
import { writeObjects, writeTree } from './support/kyverno';
import { admissionEnvironments, imageCases, startPrivateSigstore } from './support/matrix';
import type { LocalRegistry } from './support/registry';
import { mustSucceed, runTool, toolVersion } from './support/run';
import { cosignFor, type PrivateSigstore, type SignatureFormat } from './support/sigstore';

/**
 * Which signature formats Kyverno v1.19.0 verifies, in each engine, measured: an image signed (and attested with
 * an SBOM) by cosign v2 in the legacy format, by cosign v3 in the legacy format and by cosign v3 as a Sigstore
 * bundle, with and without a signed timestamp of the private Sigstore's timestamp authority, each judged by the
 * enforced environments' policies as the product renders them for that Sigstore's trust root (no transparency log,
 * no SCTs). The table in docs/real-engines.md is what the run measured; the test fails when they differ (set
 * UPDATE_MEASUREMENTS=1 to write the run's table into the doc, then review the diff).
 */

const DOC = 'docs/real-engines.md';
const START = '<!-- bundle-formats:start -->';
const END = '<!-- bundle-formats:end -->';

/**
 * How the measured images are signed: a format, whether each signature carries a signed timestamp, and whether the
 * registry lacks the OCI referrers API (Sigstore bundles are then kept in the image's `sha256-<digest>` tag).
 */
const METHODS: readonly { readonly format: SignatureFormat; readonly timestamped: boolean; readonly withoutReferrers?: true }[] = [
  { format: 'legacy', timestamped: true },
  { format: 'legacy-by-v3', timestamped: true },
  { format: 'legacy-by-v3', timestamped: false },
  { format: 'bundle', timestamped: true },
  { format: 'bundle', timestamped: false },
  { format: 'bundle', timestamped: true, withoutReferrers: true },
];
const methodKey = ({ format, timestamped, withoutReferrers }: (typeof METHODS)[number]) =>
  `${format}${timestamped ? '' : '-untimestamped'}${withoutReferrers ? '-without-referrers' : ''}`;
const ENGINES: readonly EngineKind[] = ['ClusterPolicy', 'ImageValidatingPolicy'];
const WHAT = ['signature', 'SBOM attestation'] as const;
const POLICY = { signature: 'verify-image-signatures', 'SBOM attestation': 'require-sbom-attestation' } as const;

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
/** The measured cells: `<method> <what> <engine>` → Kyverno's result, with its message when not a pass. */
const measured = new Map<string, string>();

function enforcedEnvironment(environments: readonly Environment[], engine: EngineKind): Environment {
  const env = environments.find((e) => e.engine === engine && [...e.policies.values()].every((p) => p.phase === 'enforce'));
  if (!env) throw new Error(`the admission config has no enforced ${engine} environment`);
  return env;
}

beforeAll(async () => {
  const dir = tempDir();
  ({ registry, sigstore } = await startPrivateSigstore());
  const { environments } = admissionEnvironments(dir, registry, sigstore);
  const { trusted } = imageCases(environments, registry.host);
  writeTree(synthesizeTree(environments), dir);
  for (const method of METHODS) {
    const { format, timestamped } = method;
    const key = methodKey(method);
    const image = await registry.pushRandomImage(`${method.withoutReferrers ? registry.hostWithoutReferrers : registry.host}/acme/${key}`);
    await sigstore.sign(image, trusted, [format], { timestamped });
    if (method.withoutReferrers) {
      // The layout measured: the bundle is kept in the image's referrers tag, as without the API it must be.
      const tags = mustSucceed(await runTool('crane', ['ls', image.split('@')[0]], { env: registry.env }), 'crane ls').stdout;
      const fallbackTag = image.split('@')[1].replace(':', '-');
      if (!tags.split('\n').includes(fallbackTag)) throw new Error(`no referrers tag ${fallbackTag} for ${image}: ${tags}`);
    }
    const attested = new Set<string>();
    for (const engine of ENGINES) {
      const env = enforcedEnvironment(environments, engine);
      const sbom = checkOf(env, 'require-sbom-attestation');
      if (sbom.check !== 'imageVerification' || !sbom.definition.attestation) throw new Error('no SBOM attestation check');
      // Each predicate type once per image: both engines read the same attestation.
      const { predicateType } = sbom.definition.attestation;
      if (!attested.has(predicateType))
        await sigstore.attest(image, trusted, [format], predicateType, predicateFor(sbom.definition.attestation), { timestamped });
      attested.add(predicateType);
      const pod = writeObjects(join(dir, `${key}-${engine}-pod.yaml`), [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'measured', namespace: 'default' },
          spec: { containers: [{ name: 'app', image }] },
        },
      ]);
      for (const what of WHAT) {
        const file = join(dir, env.name, `${POLICY[what]}.yaml`);
        // -v 6 logs the verifier's own error, which an ImageValidatingPolicy's result message does not carry.
        const args = ['apply', file, '--resource', pod, '--registry', '-p', '--output-format', 'json', '-v', '6'];
        const ran = await runTool('kyverno', args, { env: registry.env });
        const results: any[] = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{'))).results ?? [];
        measured.set(`${key} ${what} ${engine}`, summarize(results, ran.stderr));
      }
    }
  }
}, 900_000);

/**
 * A cell: `verified` when every result passed, otherwise why not: the verifier's logged error when there is one,
 * else the failed result's message; the run's registry port and digests are masked so the table is stable.
 */
function summarize(results: readonly any[], log: string): string {
  if (results.length > 0 && results.every((r) => r.result === 'pass')) return 'verified';
  // The verification's own failure, not its consequence: `unverified image` is the validate step's report that the
  // verification step did not pass (the order of the two results varies between runs).
  const failures = results.filter((r) => r.result !== 'pass');
  const failed = failures.find((r) => !String(r.message).startsWith('unverified image')) ?? failures[0];
  const verifierError = /image verification failed.*?error="((?:[^"\\]|\\.)*)"/.exec(stripVTControlCharacters(log))?.[1];
  const reason = (verifierError ?? String(failed?.message ?? 'no result'))
    .replace(/\\"/g, '"')
    .replace(/(localhost|127\.0\.0\.1):\d+/g, '<registry>')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<digest>')
    .replace(/\s+/g, ' ')
    .replaceAll('|', '\\|')
    .trim();
  return `not verified: ${reason.length > 200 ? `${reason.slice(0, 197)}...` : reason}`;
}

function table(): string {
  const rows = METHODS.flatMap((method) =>
    WHAT.map((what) => {
      const how = {
        legacy: 'legacy',
        'legacy-by-v3': '`--new-bundle-format=false`: legacy',
        bundle: `default: Sigstore bundle${method.withoutReferrers ? ', registry without the referrers API' : ''}`,
      }[method.format];
      const signedBy = `cosign ${toolVersion(cosignFor(method.format))} (${how})`;
      const cells = ENGINES.map((engine) => measured.get(`${methodKey(method)} ${what} ${engine}`));
      return `| ${signedBy} | ${method.timestamped ? 'yes' : 'no'} | ${what} | ${cells.join(' | ')} |`;
    }),
  );
  const header = `| signed by | signed timestamp | what | ${ENGINES.join(' | ')} |`;
  return [header, `| --- | --- | --- | ${ENGINES.map(() => '---').join(' | ')} |`, ...rows].join('\n');
}

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

describe('bundle formats Kyverno v1.19.0 verifies', () => {
  it(`measures every format in both engines, and ${DOC} shows what was measured`, () => {
    expect(measured.size).toBe(METHODS.length * WHAT.length * ENGINES.length);
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `${DOC} has the ${START} marker`).toBeGreaterThan(-1);
    const current = doc.slice(start + START.length, end).trim();
    if (process.env.UPDATE_MEASUREMENTS === '1') writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table()}\n${doc.slice(end)}`);
    else expect(current, `${DOC} differs from this run (UPDATE_MEASUREMENTS=1 writes it)`).toBe(table());
  });
});
