import type { Environment, NamespaceControllers, PolicyName } from '../model/environment';
import { matchesImageGlob } from '../model/image-spellings';
import { checksNamespace, type CheckKind, type Definitions } from './definition';
import { resolveGuardrail } from './guardrail';
import { GUARDRAILS } from './index';

// Do no harm to the cluster: an enforced guardrail that checks the namespace of the cluster's own controllers (Flux,
// which delivers the guardrails; a team's cert-manager) and would deny their images stops them at their next restart
// or upgrade, and with Flux stops the GitOps that would roll the mistake back.

/** An enforced guardrail that would deny images of the controllers running in one namespace it checks. */
export interface ControllerDenial {
  readonly policy: PolicyName;
  readonly controllers: NamespaceControllers;
  /** The controllers' images it would deny, in their declared order. */
  readonly images: readonly string[];
  /** Why, and what to do, in the words of the check it is. */
  readonly reason: string;
  readonly remedy: string;
}

/** How one check kind judges an image it sees at admission: whether it would deny it, and what to do then. */
interface ImageJudgement<C extends CheckKind> {
  /** Whether a Pod running `image` would be denied, as far as synth can know (signatures are not known before admission). */
  denies(definition: Definitions[C], image: string): boolean;
  reason(definition: Definitions[C]): string;
  remedy(definition: Definitions[C], namespace: string): string;
}

const JUDGEMENTS: { readonly [C in CheckKind]: ImageJudgement<C> } = {
  registryRestriction: {
    denies: (restriction, image) => !restriction.allowedImages.some((glob) => matchesImageGlob(glob, image)),
    reason: (restriction) => `they match none of its allowed images (${restriction.allowedImages.join(', ')})`,
    remedy: (_, namespace) => `keep ${namespace} in systemNamespaces, or allow these images in thirdPartyImages`,
  },
  imageVerification: {
    // A governed image must carry the signer's signature (and attestation): controllers someone else built do not.
    denies: (verification, image) => verification.imagePatterns.some((glob) => matchesImageGlob(glob, image)),
    reason: (verification) =>
      `imagePatterns govern them, so each must be signed by ${verification.signer.subject} (issuer ${verification.signer.issuer})` +
      (verification.attestation ? ` with a signed ${verification.attestation.predicateType} attestation` : ''),
    remedy: (_, namespace) => `keep ${namespace} in systemNamespaces, or narrow imagePatterns so they do not govern these images`,
  },
};

/**
 * What each enforced guardrail of the environment would deny of the cluster's own controllers (`env.controllers`), per
 * guardrail and namespace: the images the registry restriction does not allow, and the images a signature check governs.
 */
export function controllerDenials(env: Environment): ControllerDenial[] {
  return [...env.policies].flatMap(([name, { phase }]) => {
    if (phase !== 'enforce') return [];
    const { check, definition } = resolveGuardrail(GUARDRAILS[name], env);
    return env.controllers.flatMap((controllers) =>
      checksNamespace(definition, controllers.namespace) ? denialsOf(name, check, definition, controllers) : [],
    );
  });
}

/** The denial of one guardrail for the controllers of one namespace it checks, judged as its check kind judges. */
function denialsOf<C extends CheckKind>(
  policy: PolicyName,
  check: C,
  definition: Definitions[C],
  controllers: NamespaceControllers,
): ControllerDenial[] {
  const judgement: ImageJudgement<C> = JUDGEMENTS[check];
  const images = controllers.images.filter((image) => judgement.denies(definition, image));
  if (images.length === 0) return [];
  return [
    { policy, controllers, images, reason: judgement.reason(definition), remedy: judgement.remedy(definition, controllers.namespace) },
  ];
}
