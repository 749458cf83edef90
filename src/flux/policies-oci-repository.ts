import type { Construct } from 'constructs';
import {
  OciRepository,
  OciRepositorySpecLayerSelectorOperation,
  OciRepositorySpecVerifyProvider,
} from '../../imports/ocirepository-source.toolkit.fluxcd.io';
import { FLUX_CONTENT_MEDIA_TYPE, identityRegExp, type PublishedOciDelivery } from '../model/delivery';
import { renderFluxObject } from './flux-object';

/** Properties of {@link renderPoliciesOciRepository}. */
export interface PoliciesOciRepositoryProps {
  /** `metadata.name` (namespace `flux-system`); the policies Kustomization names it in `sourceRef`. */
  readonly name: string;
  /** A published delivery: an environment not yet published has no source (see NOT_YET_PUBLISHED). */
  readonly delivery: PublishedOciDelivery;
}

/**
 * Adds the OCIRepository the policies are pulled from when they are delivered as a signed artifact. source-controller
 * verifies the cosign keyless signature against the publishing workflow's identity before it stores an artifact,
 * so an unsigned artifact, or one signed by anyone else, never reaches kustomize-controller: the Kustomization
 * keeps what it applied last. `matchOIDCIdentity` takes regular expressions: each is the identity, anchored and
 * escaped, so it matches that one workflow run identity only.
 */
export function renderPoliciesOciRepository(scope: Construct, id: string, props: PoliciesOciRepositoryProps): OciRepository {
  const { delivery } = props;
  return renderFluxObject(scope, id, OciRepository, props.name, {
    url: `oci://${delivery.repository}`,
    ref: 'digest' in delivery.ref ? { digest: delivery.ref.digest } : { tag: delivery.ref.tag },
    interval: delivery.interval,
    // The layer `flux push artifact` writes, extracted; another layer an attacker adds is never read.
    layerSelector: { mediaType: FLUX_CONTENT_MEDIA_TYPE, operation: OciRepositorySpecLayerSelectorOperation.EXTRACT },
    secretRef: delivery.pullSecret === undefined ? undefined : { name: delivery.pullSecret },
    verify: {
      provider: OciRepositorySpecVerifyProvider.COSIGN,
      matchOidcIdentity: [{ issuer: identityRegExp(delivery.signer.issuer), subject: identityRegExp(delivery.signer.subject) }],
      trustedRootSecretRef: delivery.trustedRootSecret === undefined ? undefined : { name: delivery.trustedRootSecret },
    },
  });
}
