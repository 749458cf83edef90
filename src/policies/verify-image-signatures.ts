import { Construct } from 'constructs';
import { GUARDRAIL_CATALOGUE } from './catalogue';
import { resolveImageVerification, SUPPLY_CHAIN_HIGH, type GuardrailProps } from './guardrail';

const { policyName, clusterPolicyRule } = GUARDRAIL_CATALOGUE['verify-image-signatures'];

/** Properties of {@link VerifyImageSignatures}. */
export interface VerifyImageSignaturesProps extends GuardrailProps {}

/**
 * Every governed image must carry a cosign keyless signature from the configured identity,
 * recorded in the Rekor transparency log. In enforce, images are also pinned to the verified digest.
 */
export class VerifyImageSignatures extends Construct {
  constructor(scope: Construct, id: string, props: VerifyImageSignaturesProps) {
    super(scope, id);
    props.engine.renderImageVerification(
      this,
      resolveImageVerification(props, {
        name: policyName,
        ruleName: clusterPolicyRule,
        description: {
          title: 'Verify image signatures',
          ...SUPPLY_CHAIN_HIGH,
          description:
            'Pods may only run images signed with cosign keyless signing by the trusted CI identity, ' +
            'with the signature recorded in the Rekor transparency log. Enforced, images are pinned by digest.',
        },
        message: 'image is not signed by the trusted identity',
      }),
    );
  }
}
