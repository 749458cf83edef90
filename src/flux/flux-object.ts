import type { ApiObject, ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import { FLUX_NAMESPACE } from '../model/cluster-naming';

/** A Flux kind's construct class, as `npm run import` generates it from the pinned CRD. */
export type FluxKind<S, T extends ApiObject> = new (
  scope: Construct,
  id: string,
  props: { readonly metadata?: ApiObjectMetadata; readonly spec?: S },
) => T;

/**
 * Adds the Flux object `name` of `kind` with its `spec`. Every Flux object synth writes lives in `flux-system`,
 * beside bootstrap's own: Flux's controllers watch it, and the entry point and the policies' Kustomization name
 * their sources there.
 */
export function renderFluxObject<S, T extends ApiObject>(scope: Construct, id: string, kind: FluxKind<S, T>, name: string, spec: S): T {
  return new kind(scope, id, { metadata: { name, namespace: FLUX_NAMESPACE }, spec });
}
