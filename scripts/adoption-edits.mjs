// The edits a team makes to environments.yaml when it adopts the project, as functions of the parsed
// `environments` list of the shipped sample. test/adopt.test.ts checks what the lock says about each;
// scripts/prove-adoption.mjs makes each in a copy of the project and runs the whole suite there.

/** An environment of the team's own, in the shape the README shows. */
export function ownEnvironment(name, phase) {
  return {
    name,
    imagePatterns: ['registry.example.com/shop/*'],
    signer: { issuer: 'https://gitlab.example.com', subject: 'https://gitlab.example.com/shop/*' },
    policies: { 'verify-image-signatures': { phase }, 'restrict-image-registries': { phase } },
  };
}

const named = (environments, name) => {
  const found = environments.find((env) => env.name === name);
  if (!found) throw new Error(`the config has no environment ${name}`);
  return found;
};

/**
 * Each edit: `name`, `edit(environments)` returning the edited list (it may change its argument), and
 * `allowWeakening`, the enforced policies it weakens on purpose, here by removing them (synth's regression gate asks for
 * each by name).
 */
export const ADOPTION_EDITS = [
  {
    name: 'add an environment qa',
    edit: (envs) => [...envs, { ...named(envs, 'staging'), name: 'qa' }],
    allowWeakening: [],
  },
  {
    name: 'rename an environment',
    edit: (envs) => envs.map((env) => (env.name === 'staging' ? { ...env, name: 'preprod' } : env)),
    allowWeakening: [],
  },
  {
    name: 'remove an environment',
    edit: (envs) => envs.filter((env) => env.name !== 'develop'),
    allowWeakening: [],
  },
  {
    name: 'promote a policy',
    edit: (envs) => {
      named(envs, 'staging').policies['verify-image-signatures'] = { phase: 'enforce' };
      return envs;
    },
    allowWeakening: [],
  },
  {
    name: 'disable a policy',
    edit: (envs) => {
      delete named(envs, 'production').policies['require-provenance-attestation'];
      return envs;
    },
    allowWeakening: [],
  },
  {
    name: "replace the file with one's own dev and prod",
    edit: () => [ownEnvironment('dev', 'audit'), ownEnvironment('prod', 'enforce')],
    // Dropping production's enforcement is what synth's guard exists to question.
    allowWeakening: ['production/verify-image-signatures', 'production/require-sbom-attestation', 'production/restrict-image-registries'],
  },
];
