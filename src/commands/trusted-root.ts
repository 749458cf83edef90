import { loadConfig } from '../config/load';
import { UsageError, UserError } from '../errors';
import type { Environment } from '../model/environment';
import type { TrustRoot } from '../model/trust-root';
import { defineCommand } from './command';
import { CONFIG_OPTION } from './synth';

/** Every trust root the environments use, by name. */
function trustRootsOf(environments: readonly Environment[]): Map<string, TrustRoot> {
  const trustRoots = new Map<string, TrustRoot>();
  for (const env of environments) {
    const signers = [env.signer, env.provenance.provenanceSigner, env.delivery.mode === 'oci' ? env.delivery.signer : undefined];
    for (const signer of signers) if (signer) trustRoots.set(signer.trustRoot.name, signer.trustRoot);
  }
  return trustRoots;
}

/**
 * `trusted-root <name>`: prints the Sigstore trusted_root.json of a private trust root, the bytes the
 * ImageValidatingPolicy engine embeds: the file given, or the one synth builds from the instance's files. Flux's
 * source-controller reads it from a Secret the user creates (docs/private-sigstore.md); synth never writes Secrets.
 */
export const trustedRoot = defineCommand({
  name: 'trusted-root',
  usage: '<trust-root> [options]',
  summary: "Print a private trust root's Sigstore trusted_root.json, for the Secret Flux verifies published policies with.",
  details: [
    'npm run --silent trusted-root -- <trust-root> > trusted_root.json, then ' +
      'kubectl -n flux-system create secret generic <delivery.trustedRootSecret> --from-file=trusted_root.json (docs/private-sigstore.md)',
  ],
  positionals: [{ name: 'trust-root', description: 'a name under trustRoots that an environment uses' }],
  options: { ...CONFIG_OPTION },
  exitCodes: [
    { code: 0, meaning: 'printed' },
    { code: 1, meaning: 'invalid config, or a trust root that no environment uses, is public, or is a TUF repository' },
  ],
  run({ values, positionals }, output) {
    const used = trustRootsOf(loadConfig(values.config));
    if (positionals.length !== 1) throw new UsageError(`expected one trust root name, got ${positionals.length}`);
    const [name] = positionals;
    const trustRoot = used.get(name);
    const names = [...used.keys()].join(', ');
    if (trustRoot === undefined) throw new UserError(`no environment of ${values.config} uses a trust root "${name}" (used: ${names})`);
    if (trustRoot.kind === 'public')
      throw new UserError('the public instance has no trust root of this config: its trusted root comes from its TUF repository');
    if (trustRoot.trustedRoot === undefined) {
      throw new UserError(
        `trust root "${name}" is a TUF repository: its trusted root is the one ${trustRoot.source.form === 'tuf' ? trustRoot.source.mirror : 'it'} serves`,
      );
    }
    output.out(trustRoot.trustedRoot.trimEnd());
    return 0;
  },
});
