import { Construct } from 'constructs';
import { GUARDRAIL_CATALOGUE } from './catalogue';
import { resolvePolicyDefinition, SUPPLY_CHAIN_HIGH, type GuardrailProps } from './guardrail';

const { policyName, clusterPolicyRule } = GUARDRAIL_CATALOGUE['restrict-image-registries'];

/** Properties of {@link RestrictImageRegistries}. */
export interface RestrictImageRegistriesProps extends GuardrailProps {
  /**
   * Image reference globs of third-party images admitted besides `imagePatterns`, e.g. a mirrored base-image
   * registry. They are admitted without verification: the other guardrails only check `imagePatterns`.
   * @default []
   */
  readonly thirdPartyImages?: readonly string[];
}

/**
 * Every container, init container and ephemeral container image must match the environment's image patterns
 * or the third-party allow-list. The verification guardrails only look at images matching the patterns, so
 * without this one an image from any other registry would be admitted unverified.
 */
export class RestrictImageRegistries extends Construct {
  constructor(scope: Construct, id: string, props: RestrictImageRegistriesProps) {
    super(scope, id);
    const allowedImages = [...props.imagePatterns, ...(props.thirdPartyImages ?? [])];
    props.engine.renderRegistryRestriction(this, {
      ...resolvePolicyDefinition(props, {
        name: policyName,
        ruleName: clusterPolicyRule,
        description: {
          title: 'Restrict image registries',
          ...SUPPLY_CHAIN_HIGH,
          description:
            'Pods may only run images from the registries the signature and attestation policies verify, ' +
            'or from explicitly allowed third-party images. Any other image would be admitted unverified.',
        },
        message: `image is not from an allowed registry (allowed: ${allowedImages.join(', ')})`,
      }),
      allowedImages,
    });
  }
}
