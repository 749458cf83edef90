import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, EngineKind } from '../../src/model/environment';
import { synthesizeTree } from '../../src/synthesize';
import { objectsIn, tempDir } from '../helpers';
import { checkOf, predicateFor, trustPrivateSigstore } from './support/admission';
import { writeObjects } from './support/kyverno';
import { admissionEnvironments, imageCases } from './support/matrix';
import { LocalRegistry } from './support/registry';
import { runTool, toolVersion } from './support/run';
import { cosignFor, PrivateSigstore, type Identity, type SignatureFormat } from './support/sigstore';

/**
 * Which signature formats Kyverno v1.19.0 verifies, in each engine, measured: an image signed (and one attested
 * with an SBOM) by cosign v2 in the legacy format and by cosign v3 as a Sigstore bundle, each judged by the
 * enforced environments' rendered policies with the private trust root added by hand (TEMPORARY, see
 * trustPrivateSigstore). The table in docs/real-engines.md is what the run measured; the test fails when they
 * differ (set UPDATE_MEASUREMENTS=1 to write the run's table into the doc, then review the diff).
 */

const DOC = 'docs/real-engines.md';
const START = '<!-- bundle-formats:start -->';
const END = '<!-- bundle-formats:end -->';

const FORMATS: readonly SignatureFormat[] = ['legacy', 'legacy-by-v3', 'bundle'];
const ENGINES: readonly EngineKind[] = ['ClusterPolicy', 'ImageValidatingPolicy'];
const WHAT = ['signature', 'SBOM attestation'] as const;
const POLICY = { signature: 'verify-image-signatures', 'SBOM attestation': 'require-sbom-attestation' } as const;

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
/** The measured cells: `<format> <what> <engine>` → Kyverno's result, with its message when not a pass. */
const measured = new Map<string, string>();

function enforcedEnvironment(environments: readonly Environment[], engine: EngineKind): Environment {
  const env = environments.find((e) => e.engine === engine && [...e.policies.values()].every((p) => p.phase === 'enforce'));
  if (!env) throw new Error(`the admission config has no enforced ${engine} environment`);
  return env;
}

beforeAll(async () => {
  const dir = tempDir();
  registry = await LocalRegistry.start();
  sigstore = await PrivateSigstore.create(registry.env);
  const { environments } = admissionEnvironments(dir, registry.host);
  const { trusted } = imageCases(environments, registry.host);
  const tree = synthesizeTree(environments);
  for (const format of FORMATS) {
    const image = await registry.pushRandomImage(`${registry.host}/acme/${format}`);
    await sigstore.sign(image, trusted, format);
    for (const engine of ENGINES) {
      const env = enforcedEnvironment(environments, engine);
      const sbom = checkOf(env, 'require-sbom-attestation');
      if (sbom.check !== 'imageVerification' || !sbom.definition.attestation) throw new Error('no SBOM attestation check');
      await attestOnce(image, trusted, format, sbom.definition.attestation.predicateType, predicateFor(sbom.definition.attestation));
      const pod = writeObjects(join(dir, `${format}-${engine}-pod.yaml`), [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'measured', namespace: 'default' },
          spec: { containers: [{ name: 'app', image }] },
        },
      ]);
      for (const what of WHAT) {
        const policy = trustPrivateSigstore(objectsIn(tree, `${env.name}/${POLICY[what]}.yaml`)[0], sigstore.rootPem);
        const file = writeObjects(join(dir, `${format}-${engine}-${POLICY[what]}.yaml`), [policy]);
        // -v 6 logs the verifier's own error, which an ImageValidatingPolicy's result message does not carry.
        const args = ['apply', file, '--resource', pod, '--registry', '-p', '--output-format', 'json', '-v', '6'];
        const ran = await runTool('kyverno', args, { env: registry.env });
        const results: any[] = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{'))).results ?? [];
        measured.set(`${format} ${what} ${engine}`, summarize(results, ran.stderr));
      }
    }
  }
}, 900_000);

const attested = new Set<string>();
/** Attests each predicate type once per image (both engines read the same attestation). */
async function attestOnce(image: string, signer: Identity, format: SignatureFormat, predicateType: string, predicate: unknown) {
  if (attested.has(`${image} ${predicateType}`)) return;
  attested.add(`${image} ${predicateType}`);
  await sigstore.attest(image, signer, format, predicateType, predicate);
}

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
  return `not verified: ${reason.length > 150 ? `${reason.slice(0, 147)}...` : reason}`;
}

function table(): string {
  const rows = FORMATS.flatMap((format) =>
    WHAT.map((what) => {
      const how = { legacy: 'legacy', 'legacy-by-v3': '`--new-bundle-format=false`: legacy', bundle: 'default: Sigstore bundle' }[format];
      const signedBy = `cosign ${toolVersion(cosignFor(format))} (${how})`;
      return `| ${signedBy} | ${what} | ${ENGINES.map((engine) => measured.get(`${format} ${what} ${engine}`)).join(' | ')} |`;
    }),
  );
  return [`| signed by | what | ${ENGINES.join(' | ')} |`, `| --- | --- | ${ENGINES.map(() => '---').join(' | ')} |`, ...rows].join('\n');
}

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
});

describe('bundle formats Kyverno v1.19.0 verifies', () => {
  it(`measures every format in both engines, and ${DOC} shows what was measured`, () => {
    expect(measured.size).toBe(FORMATS.length * WHAT.length * ENGINES.length);
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `${DOC} has the ${START} marker`).toBeGreaterThan(-1);
    const current = doc.slice(start + START.length, end).trim();
    if (process.env.UPDATE_MEASUREMENTS === '1') writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table()}\n${doc.slice(end)}`);
    else expect(current, `${DOC} differs from this run (UPDATE_MEASUREMENTS=1 writes it)`).toBe(table());
  });
});
