import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { blobId, MANIFEST_FILE } from '../../src/output/manifest';
import { checkedConfigBeside, readTree } from '../../src/output/write';
import { PRIVATE_SIGSTORE_CONFIG, runCli, tempDir } from '../helpers';

// The incremental drift gate (`check`: only environments whose recorded inputs or files differ are rendered) and
// the full one (`check --full`: every environment rendered, every byte compared) must agree on every kind of change;
// so must `synth` and `synth --full` on what they write.

/** Two environments of two engines, each with a policy of its own, so each edit stays in one. */
const CONFIG = `environments:
  - name: blue
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { verify-image-signatures: { phase: audit } }
  - name: teal
    engine: ImageValidatingPolicy
    imagePatterns: [ghcr.io/acme/*]
    signer: { issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/* }
    policies: { require-sbom-attestation: { phase: enforce } }
`;

/** Kept for the whole file (made outside any test), filled by the first project(). */
const TEMPLATE = tempDir();
let synthesized = false;

/** A project holding CONFIG and what synth wrote for it (dist/, clusters/): a fresh copy per call. */
function project(): { dir: string; config: string; outdir: string } {
  if (!synthesized) {
    writeFileSync(join(TEMPLATE, 'environments.yaml'), CONFIG);
    expect(runCli('synth', '--config', join(TEMPLATE, 'environments.yaml'), '--outdir', join(TEMPLATE, 'dist')).code).toBe(0);
    synthesized = true;
  }
  const dir = tempDir();
  cpSync(TEMPLATE, dir, { recursive: true });
  return { dir, config: join(dir, 'environments.yaml'), outdir: join(dir, 'dist') };
}

/** Replaces one line of the manifest (its generator or pinned CRDs, or a file's id) as another synth would have written it. */
function rewriteManifest(outdir: string, edit: (text: string) => string): void {
  const file = join(outdir, MANIFEST_FILE);
  const text = readFileSync(file, 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
}

/**
 * The state another generator (or other pinned CRDs) leaves: a file with other bytes, the manifest recording their
 * id, and the generator's or the CRDs' hash of its own. Consistent in itself: only the recorded hash tells.
 */
function renderedByAnother(outdir: string, line: 'generator' | 'crds'): void {
  const path = 'blue/verify-image-signatures.yaml';
  const before = readFileSync(join(outdir, path), 'utf8');
  const after = before.replace('verify-image-signatures', 'verify-image-signature');
  writeFileSync(join(outdir, path), after);
  rewriteManifest(outdir, (text) =>
    text
      .replace(`${blobId(before)} ${path}`, `${blobId(after)} ${path}`)
      .replace(new RegExp(`^${line} [0-9a-f]{64}$`, 'm'), `${line} ${'0'.repeat(64)}`),
  );
}

/** Every kind of change the drift gate must see, and how to make it in a project. */
const CHANGES: [string, (p: ReturnType<typeof project>) => void][] = [
  ['nothing', () => {}],
  // Of a policy in audit: synth's regression gate refuses any change to an enforced one it cannot judge (no git here).
  ['a hand edit of a policy', ({ outdir }) => appendFileSync(join(outdir, 'blue/verify-image-signatures.yaml'), '# tweak\n')],
  ['a hand edit of an entry point', ({ dir }) => appendFileSync(join(dir, 'clusters/blue/guardrails.yaml'), '# tweak\n')],
  ['a deleted file', ({ outdir }) => rmSync(join(outdir, 'flux/teal/policies.yaml'))],
  ['an extra file', ({ outdir }) => writeFileSync(join(outdir, 'blue/extra.yaml'), 'kind: ConfigMap\n')],
  ['a config edit', ({ config }) => writeFileSync(config, CONFIG.replace('phase: enforce', 'phase: audit'))],
  ['a removed environment', ({ config }) => writeFileSync(config, CONFIG.slice(0, CONFIG.indexOf('  - name: teal')))],
  ['a generator change', ({ outdir }) => renderedByAnother(outdir, 'generator')],
  ['a CRD pin change', ({ outdir }) => renderedByAnother(outdir, 'crds')],
];

/** The drift gate's verdict: exit code and every line naming a file; the summary line differs by design. */
function check(p: ReturnType<typeof project>, ...extra: string[]) {
  const { code, err } = runCli('check', '--config', p.config, '--outdir', p.outdir, ...extra);
  return { code, lines: err.split('\n').filter(Boolean) };
}

describe('check and check --full agree', () => {
  test.each(CHANGES)('on %s', (_, change) => {
    const p = project();
    change(p);
    const before = readTree(p.outdir);
    const incremental = check(p);
    expect(incremental).toEqual(check(p, '--full'));
    expect(readTree(p.outdir)).toEqual(before); // neither wrote anything
    expect(incremental.code).toBe(_ === 'nothing' ? 0 : 1);
  });
});

describe('synth and synth --full write the same', () => {
  // synth refuses a file it did not write; every other change is written over alike.
  test.each(
    CHANGES.filter(([name]) => ['a hand edit of a policy', 'a deleted file', 'a generator change', 'a CRD pin change'].includes(name)),
  )('after %s', (_, change) => {
    const [incremental, full] = [project(), project()];
    change(incremental);
    change(full);
    expect(runCli('synth', '--config', incremental.config, '--outdir', incremental.outdir).code).toBe(0);
    expect(runCli('synth', '--config', full.config, '--outdir', full.outdir, '--full').code).toBe(0);
    expect(readTree(incremental.outdir)).toEqual(readTree(full.outdir));
    expect(readTree(join(incremental.dir, 'clusters'))).toEqual(readTree(join(full.dir, 'clusters')));
    expect(check(incremental, '--full').code).toBe(0);
  });
});

describe('what synth does not render', () => {
  const inode = (path: string) => statSync(path).ino;

  test('an unchanged environment is not rendered again, and its files are the same files (not rewritten)', () => {
    const p = project();
    const blue = join(p.outdir, 'blue/verify-image-signatures.yaml');
    const teal = join(p.outdir, 'teal/require-sbom-attestation.yaml');
    const [blueBefore, tealBefore] = [inode(blue), inode(teal)];
    writeFileSync(p.config, CONFIG.replace('verify-image-signatures: { phase: audit }', 'verify-image-signatures: { phase: enforce }'));
    const { code, out } = runCli('synth', '--config', p.config, '--outdir', p.outdir);
    expect(code).toBe(0);
    expect(out).toContain(`changed: ${p.outdir}/blue/verify-image-signatures.yaml`);
    expect(out).toMatch(/^teal \[ImageValidatingPolicy\]: .*; unchanged, not rendered again$/m);
    expect(inode(blue)).not.toBe(blueBefore);
    expect(inode(teal)).toBe(tealBefore);
  });

  test('an unchanged fleet writes nothing, not even its manifest', () => {
    const p = project();
    const manifest = join(p.outdir, MANIFEST_FILE);
    const before = { inode: inode(manifest), mtime: statSync(manifest).mtimeMs };
    const { code, out } = runCli('synth', '--config', p.config, '--outdir', p.outdir);
    expect(code).toBe(0);
    expect(out).toContain('are up to date');
    expect({ inode: inode(manifest), mtime: statSync(manifest).mtimeMs }).toEqual(before);
  });

  test('environments of a shared cluster are rendered together, so a collision with an unchanged one is still found', () => {
    const shared = (policy: string) =>
      CONFIG.replace('    engine: ImageValidatingPolicy\n', '    cluster: blue\n').replace(
        'require-sbom-attestation: { phase: enforce }',
        policy,
      );
    const dir = tempDir();
    const [config, outdir] = [join(dir, 'environments.yaml'), join(dir, 'dist')];
    writeFileSync(config, shared('require-sbom-attestation: { phase: enforce }'));
    expect(runCli('synth', '--config', config, '--outdir', outdir).code).toBe(0);
    // blue is unchanged; teal, on the same cluster and engine, now renders blue's policy too: the same ClusterPolicy.
    writeFileSync(config, shared('verify-image-signatures: { phase: audit }'));
    const { code, err } = runCli('synth', '--config', config, '--outdir', outdir);
    expect(code).toBe(1);
    expect(err).toContain('environments "blue" and "teal" are both applied to cluster "blue"');
  });
});

test('the warnings of an environment not rendered again are printed again, as the manifest recorded them', () => {
  const outdir = join(tempDir(), 'dist');
  const warnings = () => {
    const { code, out } = runCli('synth', '--config', PRIVATE_SIGSTORE_CONFIG, '--outdir', outdir);
    expect(code).toBe(0);
    // Validation's warnings; those of the regression gate compare with the output as it was (new environments).
    return out.split('\n').filter((line) => line.startsWith('warning: ') && line.endsWith('[lint/insecure-verification]'));
  };
  const rendered = warnings();
  expect(rendered.length).toBeGreaterThan(0);
  expect(warnings()).toEqual(rendered);
  expect(readFileSync(join(outdir, MANIFEST_FILE), 'utf8')).toContain('\nwarning {');
});

describe('the files a config names', () => {
  /** A project of PRIVATE_SIGSTORE_CONFIG and its certificates and keys, synthesized (synth keeps its checked config). */
  function trustRootProject(): { dir: string; config: string; outdir: string } {
    const dir = tempDir();
    cpSync(PRIVATE_SIGSTORE_CONFIG, join(dir, 'environments.yaml'));
    cpSync(join(dirname(PRIVATE_SIGSTORE_CONFIG), 'sigstore'), join(dir, 'sigstore'), { recursive: true });
    const p = { dir, config: join(dir, 'environments.yaml'), outdir: join(dir, 'dist') };
    expect(runCli('synth', '--config', p.config, '--outdir', p.outdir).code).toBe(0);
    expect(existsSync(checkedConfigBeside(p.outdir)!)).toBe(true);
    return p;
  }

  test('a trust root file changed in place is seen by check and check --full alike, though the config text is kept', () => {
    const p = trustRootProject();
    const root = join(p.dir, 'sigstore/fulcio-root.pem');
    appendFileSync(root, readFileSync(join(dirname(PRIVATE_SIGSTORE_CONFIG), 'sigstore/fulcio-intermediate.pem')));
    const incremental = check(p);
    expect(incremental).toEqual(check(p, '--full'));
    expect(incremental.code).toBe(1);
    expect(incremental.lines).toContain(`changed: ${p.outdir}/lab/verify-image-signatures.yaml`);

    // A root that no longer parses is refused at its field, as it is with nothing kept.
    cpSync(join(dirname(PRIVATE_SIGSTORE_CONFIG), 'sigstore/garbage.pem'), root);
    const refused = runCli('check', '--config', p.config, '--outdir', p.outdir);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/environment "lab", "lab-next".*: trustRoots\.lab-ca\.fulcio\.roots: /);
    expect(runCli('check', '--config', p.config, '--outdir', p.outdir, '--full')).toEqual(refused);
  });

  test('the manifest is the same wherever the checkout lies', () => {
    const [one, other] = [trustRootProject(), trustRootProject()];
    expect(readFileSync(join(one.outdir, MANIFEST_FILE), 'utf8')).toBe(readFileSync(join(other.outdir, MANIFEST_FILE), 'utf8'));
  });
});
