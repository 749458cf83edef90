/** Kyverno limits rule names (including the ones autogen derives) to 63 characters and cuts longer ones. */
const MAX_RULE_NAME_LENGTH = 63;

/**
 * The rule name Kyverno's autogen gives a Pod rule when it applies it to Pod controllers:
 * `autogen-<rule>` for Deployments, StatefulSets, Jobs and the like, `autogen-cronjob-<rule>` for CronJobs.
 */
export function autogenRuleName(rule: string, controller: 'pod-controller' | 'cronjob'): string {
  const prefix = controller === 'cronjob' ? 'autogen-cronjob-' : 'autogen-';
  return `${prefix}${rule}`.slice(0, MAX_RULE_NAME_LENGTH);
}

/** Every rule name a report result of this Pod rule can carry. */
export function reportedRuleNames(rule: string): string[] {
  return [rule, autogenRuleName(rule, 'pod-controller'), autogenRuleName(rule, 'cronjob')];
}
