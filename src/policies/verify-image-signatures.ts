import { SUPPLY_CHAIN_HIGH } from './definition';
import type { Guardrail } from './guardrail';

/**
 * Every governed image must carry a cosign keyless signature from the configured identity,
 * recorded in the Rekor transparency log. In enforce, images are also pinned to the verified digest.
 */
export const verifyImageSignatures = {
  policyName: 'verify-image-signatures',
  clusterPolicyRule: 'verify-image-signatures',
  judges: 'signature',
  check: 'imageVerification',
  define: () => ({
    description: {
      title: 'Verify image signatures',
      ...SUPPLY_CHAIN_HIGH,
      description:
        'Pods may only run images signed with cosign keyless signing by the trusted CI identity, ' +
        'with the signature recorded in the Rekor transparency log. Enforced, images are pinned by digest.',
    },
    message: 'image is not signed by the trusted identity',
  }),
} satisfies Guardrail;
