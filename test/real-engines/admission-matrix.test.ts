import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment, PolicyName } from '../../src/model/environment';
import { synthesizeTree } from '../../src/synthesize';
import { tempDir } from '../helpers';
import { refusalResult } from './support/admission';
import { writeObjects, writeTree } from './support/kyverno';
import {
  admissionEnvironments,
  evidenceOf,
  imageCases,
  PLANNED_REGISTRY,
  plannedAdmissionEnvironments,
  startPrivateSigstore,
  verdicts,
  type ImageCase,
} from './support/matrix';
import type { LocalRegistry } from './support/registry';
import { concurrency, runTool, type Ran } from './support/run';
import { FOR_BOTH_ENGINES, PrivateSigstore } from './support/sigstore';

/**
 * The admission matrix, decided by `kyverno apply --registry`: every case image is pushed to the test registry,
 * signed and attested (cosign v2, the legacy format) by the private Sigstore of this run, and put into Pods as a
 * container, an init container and an ephemeral container, and into a Deployment and a CronJob (Kyverno's autogen
 * rules). Each environment's policies, as the product renders them for the config's trust root of that private
 * Sigstore, judge every resource; the expected outcome of each comes from the config.
 */

/** Names known before the registry runs: the cases and environments do not depend on its port. */
const PLANNED = plannedAdmissionEnvironments();
const PLANNED_CASES = imageCases(PLANNED, PLANNED_REGISTRY.host).cases;

/** Where an image sits in a workload: every place Kyverno takes images from. */
const PLACEMENTS = ['container', 'init container', 'ephemeral container', 'Deployment', 'CronJob'] as const;
type Placement = (typeof PLACEMENTS)[number];

/**
 * A workload running `image` at `placement`. An init or ephemeral container runs beside an app container of the
 * trusted image, which every guardrail admits (the matrix's first case proves it), so a refusal is the image's.
 */
function workload(name: string, image: string, placement: Placement, trustedImage: string): any {
  const container = (n: string, i: string) => ({ name: n, image: i });
  const podSpec =
    placement === 'init container'
      ? { initContainers: [container('init', image)], containers: [container('app', trustedImage)] }
      : placement === 'ephemeral container'
        ? { ephemeralContainers: [container('debug', image)], containers: [container('app', trustedImage)] }
        : { containers: [container('app', image)] };
  const metadata = { name, namespace: 'default', labels: { app: name } };
  if (placement === 'Deployment')
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: { selector: { matchLabels: { app: name } }, template: { metadata, spec: podSpec } },
    };
  if (placement === 'CronJob')
    return {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata,
      spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { metadata, spec: { ...podSpec, restartPolicy: 'Never' } } } } },
    };
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec };
}

const resourceName = (caseIndex: number, placement: Placement) => `case-${caseIndex}-${placement.replace(/ /g, '-').toLowerCase()}`;

let registry: LocalRegistry;
let sigstore: PrivateSigstore;
let foreignCa: PrivateSigstore;
let environments: Environment[];
let images: { imageCase: ImageCase; image: string }[];
/** Each environment's and policy's report: results by `<Kind>/<name>`. */
const reports = new Map<string, Promise<Map<string, string[]>>>();
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  ({ registry, sigstore } = await startPrivateSigstore());
  environments = admissionEnvironments(dir, registry, sigstore).environments;
  const { cases } = imageCases(environments, registry.host);
  // Another CA, whose signatures carry the trusted instance's timestamps: only its certificates differ.
  foreignCa = PrivateSigstore.create(registry.env);
  foreignCa.timestampWith(sigstore);
  // Two images at a time: each case's image is pushed, signed and attested on its own.
  const slot = concurrency(2);
  images = await Promise.all(
    cases.map((imageCase) =>
      slot(async () => {
        const pushed = await registry.pushRandomImage(`${registry.host}/${imageCase.repository}`, 'v1');
        const signing = imageCase.foreignCa ? foreignCa : sigstore;
        if (imageCase.signer) await signing.sign(pushed, imageCase.signer, FOR_BOTH_ENGINES);
        for (const { check, predicate, signer } of imageCase.attestations)
          await signing.attest(pushed, signer, FOR_BOTH_ENGINES, check.predicateType, predicate);
        return { imageCase, image: imageCase.otherRegistry ? pushed.replace(registry.host, registry.otherHost) : pushed };
      }),
    ),
  );
  // A repository is pushed once: the other-registry case reuses the trusted image (same digest, other name).
  const resources = images.flatMap(({ image }, i) =>
    PLACEMENTS.map((placement) => workload(resourceName(i, placement), image, placement, images[0].image)),
  );
  writeObjects(join(dir, 'resources.yaml'), resources);
  // The synthesized output as synth writes it: every verdict below is on the product's own bytes.
  writeTree(synthesizeTree(environments), dir);
  // Every report is started now, two `kyverno apply` at a time (each mostly waits for the registry and the TUF
  // repository), in the order the tests read them.
  const applying = concurrency(2);
  for (const env of environments)
    for (const policy of env.policies.keys()) {
      const report = applying(() => applyPolicy(env, policy));
      report.catch(() => {}); // a failure is the test's to report, when it reads this report
      reports.set(`${env.name}/${policy}`, report);
    }
}, 900_000);

afterAll(async () => {
  await registry?.stop();
  sigstore?.dispose();
  foreignCa?.dispose();
});

/**
 * `kyverno apply --registry --audit-warn` of one policy of an environment over every resource, once. One policy
 * at a time: given several verifyImages policies at once, the CLI's validate step of one policy reports the
 * images another policy verified as `unverified image` (each policy's mutate step writes the resource's
 * kyverno.io/verify-images annotation, and the CLI does not carry one policy's result over to the next), which
 * an admission webhook, seeing every policy's annotation, does not.
 */
async function applyPolicy(env: Environment, policy: PolicyName): Promise<Map<string, string[]>> {
  const key = `${env.name}/${policy}`;
  const args = ['apply', join(dir, env.name, `${policy}.yaml`), '--resource', join(dir, 'resources.yaml')];
  const ran = await runKyvernoSurvivingImageRace(
    [...args, '--registry', '--audit-warn', '-p', '--output-format', 'json'],
    registry.envOfItsOwn(key),
  );
  const json = ran.stdout.slice(ran.stdout.indexOf('{'));
  if (!json) throw new Error(`kyverno apply printed no report for ${key}:\n${ran.output}`);
  const results = new Map<string, string[]>();
  for (const result of JSON.parse(json).results ?? []) {
    const resource = `${result.resources[0].kind}/${result.resources[0].name}`;
    results.set(resource, [...(results.get(resource) ?? []), `${result.result}: ${result.message ?? ''}`]);
  }
  return results;
}

/**
 * Runs the Kyverno CLI, again (three tries in all) when it died of the ImageValidatingPolicy engine's image data
 * race: kyverno/sdk's imagedataloader (the release Kyverno v1.19.0 requires, extensions/imagedataloader/context.go
 * AddImages) fetches a resource's images in parallel goroutines that all write one map, so a resource with two
 * images now and then ends the process with `fatal error: concurrent map writes` (see docs/real-engines.md). Any
 * other failure is the caller's to judge.
 */
async function runKyvernoSurvivingImageRace(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  let ran = await runTool('kyverno', args, { env });
  for (let retry = 0; retry < 2 && IMAGE_DATA_RACE.test(ran.output); retry++) ran = await runTool('kyverno', args, { env });
  return ran;
}

const IMAGE_DATA_RACE = /fatal error: concurrent map writes[\s\S]*imagedataloader\.\(\*imageContext\)\.AddImages/;

describe.each(PLANNED.map((env) => [env.name, env] as const))('%s', (envName, plannedEnv) => {
  PLANNED_CASES.forEach((plannedCase, index) => {
    for (const policy of plannedEnv.policies.keys()) {
      it(`${plannedCase.name}: ${policy}`, async () => {
        const env = environments.find((e) => e.name === envName)!;
        const { imageCase, image } = images[index];
        const results = await reports.get(`${env.name}/${policy}`)!;
        const verdict = verdicts(env, image, evidenceOf(imageCase)).get(policy)!;
        const refusal = refusalResult(env.engine, env.policies.get(policy)!.phase);
        const problems: string[] = [];
        for (const placement of PLACEMENTS) {
          const resource = workload(resourceName(index, placement), image, placement, images[0].image);
          const got = results.get(`${resource.kind}/${resource.metadata.name}`) ?? [];
          const outcomes = got.map((r) => r.split(':')[0]);
          const failed = outcomes.some((o) => ['fail', 'warn', 'error'].includes(o));
          // Admitted: Kyverno judged the image and passed it; not governed: nothing failed (a skip or no result).
          const ok =
            verdict === 'refuse' ? outcomes.includes(refusal) : verdict === 'admit' ? outcomes.includes('pass') && !failed : !failed;
          if (!ok)
            problems.push(`${placement}: expected ${verdict === 'refuse' ? refusal : verdict}, Kyverno reported [${got.join('; ')}]`);
        }
        expect(problems, `${envName} (${env.engine}) ${policy}, ${image}`).toEqual([]);
      });
    }
  });
});
