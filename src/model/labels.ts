/** Labels every policy object carries; synth's guards read the phase back from committed output. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const PHASE_LABEL = 'guardrails/phase';
