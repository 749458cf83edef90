import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfigKept } from '../../src/config/checked-cache';
import { ConfigError, type ConfigFiles } from '../../src/config/load';
import type { PrivateTrustRoot } from '../../src/model/trust-root';
import { tempDir } from '../helpers';

const CONFIG = `trustRoots:
  lab-ca:
    fulcio: { roots: sigstore/root.pem }
    insecureIgnoreTlog: the lab signs without a Rekor instance
    insecureIgnoreSCT: the lab CA runs no CT log
environments:
  - name: lab
    trustRoot: lab-ca
    imagePatterns: [registry.lab.test/apps/*]
    signer: { issuer: https://issuer.lab.test, subject: https://git.lab.test/apps/* }
    policies: { verify-image-signatures: { phase: enforce } }
`;

const fixture = (name: string) => readFileSync(join('test/fixtures/sigstore', name));

/** Files as the git index gives them to the pre-commit check: from memory, whatever the working tree holds. */
function filesOf(root: Buffer): ConfigFiles & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    read(path) {
      asked.push(path);
      return path === 'sigstore/root.pem' ? { bytes: root } : { problem: `"${path}" is not in the git index` };
    },
  };
}

const rootsOf = (environments: ReturnType<typeof parseConfigKept>['environments']) =>
  (environments[0].signer.trustRoot as PrivateTrustRoot).material?.fulcio.roots.pem;

test('a kept config reads the files it names from the source it is given, every time: a changed certificate is never taken from what was kept', () => {
  // A working tree holding the first root: the source given (the index, say) holds another.
  const dir = tempDir();
  const configFile = join(dir, 'environments.yaml');
  writeFileSync(configFile, CONFIG);
  mkdirSync(join(dir, 'sigstore'));
  cpSync('test/fixtures/sigstore/fulcio-root.pem', join(dir, 'sigstore/root.pem'));
  const kept = join(dir, 'checked-config');
  const first = parseConfigKept(CONFIG, configFile, kept, filesOf(fixture('fulcio-root.pem')));
  first.keep();
  // Marks what was kept, to tell it was used: an image pattern the text does not hold.
  writeFileSync(kept, readFileSync(kept, 'utf8').replace('registry.lab.test/apps/*', 'registry.lab.test/kept/*'));

  // The same text: the kept config is used, and its root read again from the source given.
  const grown = filesOf(Buffer.concat([fixture('fulcio-root.pem'), fixture('fulcio-intermediate.pem')]));
  const again = parseConfigKept(CONFIG, configFile, kept, grown);
  expect(again.environments[0].imagePatterns).toEqual(['registry.lab.test/kept/*']);
  expect(grown.asked).toEqual(['sigstore/root.pem']);
  expect(rootsOf(again.environments)).not.toBe(rootsOf(first.environments));
  expect(rootsOf(again.environments)).toContain(rootsOf(first.environments));

  // A root that no longer parses is refused at its field, as with nothing kept.
  const refusal = (files: ConfigFiles) => {
    try {
      parseConfigKept(CONFIG, configFile, kept, files);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };
  const broken = refusal(filesOf(fixture('garbage.pem')));
  expect(broken).toContain(`${configFile}:3:22: environment "lab": trustRoots.lab-ca.fulcio.roots: `);
  expect(broken).toBe(refusal(filesOf(fixture('garbage.pem'))));
});
