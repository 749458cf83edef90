import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_LABEL } from '../../src/environment-chart';
import { BUNDLE_INPUTS, bundleInputsHash, CRD_PINS, generatorIdentity } from '../../scripts/bundle-inputs.mjs';
import { projectCopy, tempDir } from '../helpers';

function run(dir: string, ...args: string[]): string {
  try {
    return execFileSync(process.execPath, ['scripts/run.mjs', ...args], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return stdout + stderr;
  }
}

/** Replaces `from` by `to` (same length) and puts the modification time back, as a quick edit or a checkout can. */
function editKeepingSizeAndTime(file: string, from: string, to: string): void {
  expect(to).toHaveLength(from.length);
  const { atime, mtime } = statSync(file);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  utimesSync(file, atime, mtime);
}

describe("the bundle's inputs hash", () => {
  /** A tree holding every input (a directory holds one file), and a file that is not an input. */
  function inputsTree(): string {
    const dir = tempDir();
    for (const input of [...BUNDLE_INPUTS, ...CRD_PINS] as string[]) {
      const isDirectory = !input.includes('.');
      mkdirSync(join(dir, isDirectory ? input : dirname(input)), { recursive: true });
      if (!isDirectory) writeFileSync(join(dir, input), `${input}\n`);
    }
    writeFileSync(join(dir, 'src', 'load.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'environments.schema.json'), '{"description": "must be a DNS-1123 label"}\n');
    writeFileSync(join(dir, 'crds', 'kyverno.yaml'), 'version: v1.19.0\n');
    writeFileSync(join(dir, 'README.md'), 'not an input\n');
    return dir;
  }

  it('names the generator and the pinned CRDs apart: an edit of either changes the stamp, and only its own hash', () => {
    const dir = inputsTree();
    const before = { identity: generatorIdentity(dir), stamp: bundleInputsHash(dir) };
    editKeepingSizeAndTime(join(dir, 'crds', 'kyverno.yaml'), 'v1.19.0', 'v1.19.1');
    const pinned = generatorIdentity(dir);
    expect(pinned.crds).not.toBe(before.identity.crds);
    expect(pinned.generator).toBe(before.identity.generator);
    expect(bundleInputsHash(dir)).not.toBe(before.stamp);
    editKeepingSizeAndTime(join(dir, 'src', 'load.ts'), 'a = 1', 'a = 2');
    expect(generatorIdentity(dir)).toEqual({ generator: expect.not.stringMatching(before.identity.generator), crds: pinned.crds });
  });

  it('is the same whatever line endings the checkout has', () => {
    const dir = inputsTree();
    const before = generatorIdentity(dir);
    writeFileSync(join(dir, 'src', 'load.ts'), 'export const a = 1;\r\n');
    expect(generatorIdentity(dir)).toEqual(before);
  });

  it.each([
    ['a source', 'src/load.ts', 'a = 1', 'a = 2'],
    ['the config schema', 'environments.schema.json', 'must be', 'MUST be'],
  ])('changes with the content of %s, even at the same size and modification time', (_, file, from, to) => {
    const dir = inputsTree();
    const before = bundleInputsHash(dir);
    editKeepingSizeAndTime(join(dir, file), from, to);
    expect(bundleInputsHash(dir)).not.toBe(before);
  });

  it('ignores files that are not inputs, and is the same wherever the checkout lies', () => {
    const dir = inputsTree();
    const before = bundleInputsHash(dir);
    writeFileSync(join(dir, 'README.md'), 'edited\n');
    expect(bundleInputsHash(dir)).toBe(before);
    const elsewhere = tempDir();
    cpSync(dir, elsewhere, { recursive: true });
    expect(bundleInputsHash(elsewhere)).toBe(before);
  });
});

describe('scripts/run.mjs', () => {
  it('rebuilds the bundle when a source changes, even with the same size and modification time', () => {
    const dir = projectCopy();
    const policyFile = join(dir, 'dist', 'production', 'verify-image-signatures.yaml');
    expect(readFileSync(policyFile, 'utf8')).toContain(`${ENVIRONMENT_LABEL}: production`);

    const editedLabel = ENVIRONMENT_LABEL.replace(/.$/, '_');
    editKeepingSizeAndTime(join(dir, 'src', 'environment-chart.ts'), `'${ENVIRONMENT_LABEL}'`, `'${editedLabel}'`);
    // The copy is no git repository: synth cannot tell that production's enforced policies only change a label.
    const enforced = ['verify-image-signatures', 'require-sbom-attestation', 'restrict-image-registries'];
    run(dir, 'synth', ...enforced.flatMap((policy) => ['--allow-weakening', `production/${policy}`]));
    const edited = readFileSync(policyFile, 'utf8');
    expect(edited).toContain(`${editedLabel}: production`);
    expect(edited).not.toContain(`${ENVIRONMENT_LABEL}:`);
  }, 60_000); // a ceiling for a bundle build on a busy machine, not a speed check

  it('a bundle that cannot be built is a message naming the cause and the remedy, not a stack', () => {
    const dir = projectCopy();
    const build = () => spawnSync(process.execPath, ['scripts/run.mjs', 'check'], { cwd: dir, encoding: 'utf8' });

    appendFileSync(join(dir, 'src', 'cli.ts'), '\nexport const broken = ;\n');
    const syntaxError = build();
    expect(syntaxError.status).toBe(1);
    expect(syntaxError.stderr).toMatch(/^cannot build the app into \S+main\.cjs: src\/cli\.ts:\d+:\d+: Unexpected ";"\nfix the source/);
    expect(syntaxError.stderr).not.toMatch(/^\s+at /m);

    writeFileSync(join(dir, 'src', 'cli.ts'), readFileSync('src/cli.ts'));
    rmSync(join(dir, '.build'), { recursive: true, force: true });
    writeFileSync(join(dir, '.build'), 'a file where the build directory goes\n');
    const notADirectory = build();
    expect(notADirectory.status).toBe(1);
    expect(notADirectory.stderr).toMatch(
      /^cannot build the app into \S+main\.cjs: EEXIST: .*\n\S+\.build holds only the compiled app: make it writable, or delete it\n$/,
    );
  }, 60_000); // a ceiling for a failing build on a busy machine, not a speed check

  it('a build whose bundle would not use the precompiled config schema validator fails, naming the module', () => {
    const dir = projectCopy();
    const script = join(dir, 'scripts', 'run.mjs');
    const filter = 'exactPathFilter(SCHEMA_VALIDATOR)';
    expect(readFileSync(script, 'utf8')).toContain(filter);
    // As if the module the bundle loads and the one precompiled had drifted apart.
    writeFileSync(script, readFileSync(script, 'utf8').replace(filter, 'exactPathFilter(`${SCHEMA_VALIDATOR}.moved`)'));
    const result = spawnSync(process.execPath, ['scripts/run.mjs', 'check'], { cwd: dir, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot build the app into \S+main\.cjs: the bundle does not hold \S+schema-validator\.ts, so its precompiled validator went unused\n$/,
    );
  }, 60_000); // a ceiling for a failing build on a busy machine, not a speed check
});
