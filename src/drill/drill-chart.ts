import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { DrillImages, Environment } from '../model/environment';
import { drillNamespace } from '../model/system-namespaces';

/** The result a drill Deployment must get from a guardrail rule: `pass` is admitted, `fail` denied once enforced. */
export type DrillExpectation = 'pass' | 'fail';

/**
 * What a drill image is: `signed` (governed, signed and attested: every guardrail passes it), `unsigned`
 * (governed, unsigned: the signature guardrails fail it, the registry restriction passes it) or `foreign`
 * (from a registry the environment does not allow: the registry restriction fails it).
 */
export type DrillRole = 'signed' | 'unsigned' | 'foreign';

/** One drill workload: what it runs, and what it is. */
export interface DrillCase {
  /** Construct id and file name (`<id>.yaml`). */
  readonly id: string;
  /** The Deployment's `metadata.name`, which `kyverno-test.yaml` refers to. */
  readonly name: string;
  readonly image: string;
  readonly role: DrillRole;
}

/** The drill's workloads, one per role. */
function drillCases(drill: DrillImages): DrillCase[] {
  return [
    { id: 'signed-image', name: 'drill-signed-image', image: drill.signedImage, role: 'signed' },
    { id: 'unsigned-image', name: 'drill-unsigned-image', image: drill.unsignedImage, role: 'unsigned' },
    { id: 'foreign-image', name: 'drill-foreign-image', image: drill.foreignImage, role: 'foreign' },
  ];
}

/**
 * The result a guardrail must give a drill image, or undefined where it gives none worth stating: the
 * signature guardrails only look at governed images, so they skip a foreign one.
 */
export function expectedResult(judges: 'registry' | 'signature', role: DrillRole): DrillExpectation | undefined {
  if (judges === 'registry') return role === 'foreign' ? 'fail' : 'pass';
  return role === 'foreign' ? undefined : role === 'signed' ? 'pass' : 'fail';
}

/** A drill Pod only has to be admitted, not to do work: keep its footprint small. */
const DRILL_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
  memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
};

/** `cdk8s.io/metadata.addr` as a JSON pointer segment (`/` escaped as `~1`). */
const ADDRESS_LABEL_POINTER = kplus.Pod.ADDRESS_LABEL.replace(/~/g, '~0').replace(/\//g, '~1');

/** Properties of {@link DrillChart}. */
export interface DrillChartProps {
  /** The environment whose guardrails the drill exercises; must have `drill` images. */
  readonly environment: Environment & { readonly drill: DrillImages };
}

/**
 * One environment's admission drill: a Deployment per {@link DrillCase}, built with cdk8s-plus. Kyverno's
 * autogen applies the Pod rules to Deployments, so these exercise the `autogen-…` rules.
 */
export class DrillChart extends Chart {
  readonly cases: readonly DrillCase[];

  constructor(scope: Construct, props: DrillChartProps) {
    const env = props.environment;
    super(scope, `drill-${env.name}`, { disableResourceNameHashes: true, namespace: drillNamespace(env.namespaces) });
    this.cases = drillCases(env.drill);
    for (const drillCase of this.cases) {
      // Explicit name and selector: cdk8s-plus would otherwise derive them from the construct path with a hash.
      const labels = { 'app.kubernetes.io/name': drillCase.name, 'app.kubernetes.io/part-of': 'guardrails-drill' };
      const deployment = new kplus.Deployment(this, drillCase.id, {
        metadata: { name: drillCase.name, labels },
        replicas: 1,
        select: false,
        podMetadata: { labels },
        containers: [{ name: 'app', image: drillCase.image, resources: DRILL_RESOURCES }],
      });
      deployment.select(kplus.LabelSelector.of({ labels }));
      // cdk8s-plus always labels the pod template with a hash of the construct path; nothing selects it here.
      ApiObject.of(deployment).addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${ADDRESS_LABEL_POINTER}`));
    }
  }
}
