import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_LABEL } from '../src/environment-chart';
import { projectCopy } from './helpers';


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

describe('scripts/run.mjs', () => {
  it('rebuilds the bundle when a source or the schema changes, even with the same size and modification time', () => {
    const dir = projectCopy();
    const policyFile = join(dir, 'dist', 'production', 'verify-image-signatures.yaml');

    run(dir, 'synth');
    expect(readFileSync(policyFile, 'utf8')).toContain(`${ENVIRONMENT_LABEL}: production`);
    run(dir, 'synth'); // a second run loads the bundle through the saved code cache

    const editedLabel = ENVIRONMENT_LABEL.replace(/.$/, '_');
    editKeepingSizeAndTime(join(dir, 'src', 'environment-chart.ts'), `'${ENVIRONMENT_LABEL}'`, `'${editedLabel}'`);
    run(dir, 'synth');
    const edited = readFileSync(policyFile, 'utf8');
    expect(edited).toContain(`${editedLabel}: production`);
    expect(edited).not.toContain(`${ENVIRONMENT_LABEL}:`);

    // The schema's validator is compiled into the bundle, so a schema edit must rebuild it too.
    writeFileSync(join(dir, 'bad.yaml'), 'environments:\n  - name: Not_A_Label\n');
    expect(run(dir, 'check', '--config', 'bad.yaml')).toContain('must be a DNS-1123 label');
    editKeepingSizeAndTime(join(dir, 'environments.schema.json'), 'must be a DNS-1123 label', 'MUST be a DNS-1123 label');
    expect(run(dir, 'check', '--config', 'bad.yaml')).toContain('MUST be a DNS-1123 label');
  }, 120_000); // a ceiling for three bundle builds on a busy machine, not a speed check

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
    expect(notADirectory.stderr).toMatch(/^cannot build the app into \S+main\.cjs: EEXIST: .*\n\S+\.build holds only the compiled app: make it writable, or delete it\n$/);
  }, 60_000); // a ceiling for a failing build on a busy machine, not a speed check
});
