import type { Environment, Phase, PolicyName, Signer } from '../model/environment';
import { MANAGED_BY_LABEL, PHASE_LABEL } from '../model/labels';
import type { AttestationCheck, CheckKind, ImageVerification, PolicyDefinition, RegistryRestriction, ResolvedCheck } from './definition';

/** What a guardrail states itself; everything else in its definition comes from the environment. */
type OwnParts = Pick<PolicyDefinition, 'description' | 'message'>;

/** The parts of an image verification a guardrail states (`signer` defaults to the environment's). */
export interface OwnImageVerification extends OwnParts {
  readonly signer?: Signer;
  readonly attestation?: AttestationCheck;
}

/** The parts of a registry restriction a guardrail states. */
export interface OwnRegistryRestriction extends OwnParts {
  readonly allowedImages: readonly string[];
}

interface OwnDefinitions {
  readonly imageVerification: OwnImageVerification;
  readonly registryRestriction: OwnRegistryRestriction;
}

/** One guardrail as data: its names, what it judges, the check it is, and what it asks of one environment. */
export type Guardrail = {
  [C in CheckKind]: {
    /** `metadata.name` of the policy object in every engine (also its file name in `dist/<env>/`). */
    readonly policyName: PolicyName;
    /**
     * The ClusterPolicy rule name, as in policy reports. Kyverno autogen adds `autogen-<rule>` (Deployments, Jobs, …)
     * and `autogen-cronjob-<rule>` (CronJobs) for Pod controllers.
     */
    readonly clusterPolicyRule: string;
    /**
     * What the guardrail judges an image by: where it comes from (`registry`), or what signed it (`signature`,
     * which only looks at images the environment governs).
     */
    readonly judges: 'registry' | 'signature';
    /** The check it is; each engine renders each check as one policy kind. */
    readonly check: C;
    /** The guardrail's own parts of its definition for one environment. */
    define(env: Environment): OwnDefinitions[C];
  };
}[CheckKind];

/** What the API server does when Kyverno cannot answer: fail closed only while enforcing, unless configured. */
function failurePolicyOf(env: Environment, phase: Phase) {
  return env.webhook.failurePolicy ?? (phase === 'enforce' ? 'Fail' : 'Ignore');
}

/**
 * The guardrail's full definition for an environment in which it is enabled: its own parts plus the
 * environment's phase, webhook, scope and labels. `labels` are added to the managed-by and phase labels.
 */
export function resolveGuardrail(guardrail: Guardrail, env: Environment, labels: Readonly<Record<string, string>> = {}): ResolvedCheck {
  const settings = env.policies.get(guardrail.policyName);
  if (settings === undefined) throw new Error(`${guardrail.policyName} is not enabled in ${env.name}`);
  const { phase } = settings;
  const common = (own: OwnParts): PolicyDefinition => ({
    name: guardrail.policyName,
    ruleName: guardrail.clusterPolicyRule,
    description: own.description,
    message: own.message,
    phase,
    failurePolicy: failurePolicyOf(env, phase),
    timeoutSeconds: env.webhook.timeoutSeconds,
    namespaces: env.namespaces,
    excludeNamespaces: env.excludeNamespaces,
    labels: { [MANAGED_BY_LABEL]: 'supply-chain-guardrails', [PHASE_LABEL]: phase, ...labels },
  });
  if (guardrail.check === 'registryRestriction') {
    const own = guardrail.define(env);
    const definition: RegistryRestriction = { ...common(own), allowedImages: own.allowedImages };
    return { check: 'registryRestriction', definition };
  }
  const own = guardrail.define(env);
  const definition: ImageVerification = {
    ...common(own),
    imagePatterns: env.imagePatterns,
    signer: own.signer ?? env.signer,
    attestation: own.attestation,
  };
  return { check: 'imageVerification', definition };
}
