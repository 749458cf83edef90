import { SUPPLY_CHAIN_HIGH } from './definition';
import type { Guardrail } from './guardrail';

/**
 * Every container, init container and ephemeral container image must match the environment's image patterns
 * or its third-party allow-list (`thirdPartyImages`, admitted without verification). The verification
 * guardrails only look at images matching the patterns, so without this one an image from any other registry
 * would be admitted unverified.
 */
export const restrictImageRegistries = {
  policyName: 'restrict-image-registries',
  clusterPolicyRule: 'restrict-image-registries',
  judges: 'registry',
  check: 'registryRestriction',
  define: ({ imagePatterns, thirdPartyImages }) => {
    const allowedImages = [...imagePatterns, ...thirdPartyImages];
    return {
      description: {
        title: 'Restrict image registries',
        ...SUPPLY_CHAIN_HIGH,
        description:
          'Pods may only run images from the registries the signature and attestation policies verify, ' +
          'or from explicitly allowed third-party images. Any other image would be admitted unverified.',
      },
      message: `image is not from an allowed registry (allowed: ${allowedImages.join(', ')})`,
      allowedImages,
    };
  },
} satisfies Guardrail;
