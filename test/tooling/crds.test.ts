import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { parse, stringify } from 'yaml';
import { describeApiChanges } from '../../scripts/api-surface.mjs';
import { tempDir } from '../helpers';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The component the tests upgrade: its one CRD is small, so each import takes seconds, not tens of them. */
const COMPONENT = 'source-controller';
// The tests below run concurrently (their time is in the scripts they start), so each project is a directory
// of this file's temporary directory rather than one tied to the running test.
const WORK = tempDir();

interface Pin {
  version: string;
  source: string;
  files: Record<string, string>;
}

const manifestOf = (dir: string): Record<string, Pin> => parse(readFileSync(join(dir, 'crds/upstream.yaml'), 'utf8'));
const pinnedPath = (pin: Pin, file: string) => `crds/${COMPONENT}-${pin.version}/${file.split('/').at(-1)}`;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A project holding only what the CRD scripts read, pinned to the repository's source-controller CRD alone:
 * the scripts, crds/ with that component's entry of the manifest, its cdk8s.yaml import, and imports/
 * (the repository's generated module for it, so API changes are measured against the real import).
 */
function crdProject(): { dir: string; pin: Pin; crdPath: string } {
  const dir = mkdtempSync(join(WORK, 'project-'));
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const pin = manifestOf(ROOT)[COMPONENT];
  const [file] = Object.keys(pin.files);
  const crdPath = pinnedPath(pin, file);
  mkdirSync(join(dir, 'crds', `${COMPONENT}-${pin.version}`), { recursive: true });
  cpSync(join(ROOT, crdPath), join(dir, crdPath));
  writeFileSync(join(dir, 'crds/upstream.yaml'), stringify({ [COMPONENT]: { ...pin, files: { [file]: pin.files[file] } } }));
  const imports: string[] = parse(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')).imports;
  writeFileSync(join(dir, 'cdk8s.yaml'), stringify({ language: 'typescript', imports: imports.filter((i) => i.endsWith(`:=${crdPath}`)) }));
  mkdirSync(join(dir, 'imports'));
  cpSync(join(ROOT, 'imports/gitrepository-source.toolkit.fluxcd.io.ts'), join(dir, 'imports/gitrepository-source.toolkit.fluxcd.io.ts'));
  return { dir, pin, crdPath };
}

/** Every file of the project except the scripts and node_modules, by path, with a hash of its content. */
function projectState(dir: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (path.startsWith('scripts') || path.startsWith('node_modules')) continue;
    state[path] = entry.isFile() ? sha256(readFileSync(join(dir, path))) : 'directory';
  }
  return state;
}

/** Runs a script of the project asynchronously (a test's HTTP server must keep answering meanwhile). */
function runScript(dir: string, script: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(dir, 'scripts', script), ...args], { cwd: dir }, (error, out, err) =>
      done({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

/** One line, no stack trace: what every failure the user can act on looks like. */
function expectOneLineMessage(err: string, script: string) {
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err).toMatch(new RegExp(`^${script}: `));
  expect(err).not.toMatch(/^\s+at /m);
}

/** The source-controller CRD with one property added, one removed and one made optional. */
function changedCrd(original: string): string {
  const crd = parse(original);
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  spec.properties.cloneDepth = { type: 'integer' };
  delete spec.properties.recurseSubmodules;
  spec.required = spec.required.filter((name: string) => name !== 'interval');
  return stringify(crd);
}

/** An HTTP server on 127.0.0.1 serving `files` (URL path → body), 404 for anything else; closed after the test. */
async function serve(files: Record<string, string>, { onTestFinished }: TestContext): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url!);
    const body = files[request.url!];
    response.writeHead(body === undefined ? 404 : 200).end(body ?? 'Not Found');
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  onTestFinished(() => new Promise<void>((closed) => server.close(() => closed())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** The URL path upstream serves a pinned file at, for `version`. */
function upstreamPath(pin: Pin, version: string): string {
  return new URL(`${pin.source.replaceAll('{version}', version)}/${Object.keys(pin.files)[0]}`).pathname;
}

describe.concurrent('npm run import', () => {
  it('--help says what it does and that it needs no network', async () => {
    const { dir } = crdProject();
    const { code, out } = await runScript(dir, 'import.mjs', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run import/);
    expect(out).toContain('Needs no network');
    expect(out).toMatch(/^Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*usage error.*\n {2}70 .*internal error/m);
  });

  it('a missing or edited pinned CRD: one line naming it and how to restore it, imports/ untouched', async () => {
    const { dir, crdPath } = crdProject();
    const original = readFileSync(join(dir, crdPath));
    rmSync(join(dir, crdPath));
    const before = projectState(dir);
    const missing = await runScript(dir, 'import.mjs');
    expect(missing.code).toBe(1);
    expectOneLineMessage(missing.err, 'import');
    expect(missing.err).toContain(`${crdPath} (imported as gitrepository) is missing`);
    expect(missing.err).toContain(`git checkout -- ${crdPath}`);
    expect(projectState(dir)).toEqual(before);

    writeFileSync(join(dir, crdPath), Buffer.concat([original, Buffer.from('# edited\n')]));
    const edited = await runScript(dir, 'import.mjs');
    expect(edited.code).toBe(1);
    expectOneLineMessage(edited.err, 'import');
    expect(edited.err).toContain(`${crdPath} is not the file pinned in crds/upstream.yaml`);
  });

  it('cdk8s failing after the validators were generated leaves imports/ exactly as it was', async () => {
    const { dir, crdPath } = crdProject();
    // Still a CRD with a schema (the checks before generating pass), but without the kind cdk8s needs.
    const crd = parse(readFileSync(join(dir, crdPath), 'utf8'));
    delete crd.spec.names.kind;
    writeFileSync(join(dir, crdPath), stringify(crd));
    const manifest = manifestOf(dir);
    const [file] = Object.keys(manifest[COMPONENT].files);
    manifest[COMPONENT].files[file] = sha256(readFileSync(join(dir, crdPath)));
    writeFileSync(join(dir, 'crds/upstream.yaml'), stringify(manifest));
    const before = projectState(dir);

    const { code, err } = await runScript(dir, 'import.mjs');
    expect(code).toBe(1);
    expectOneLineMessage(err, 'import');
    expect(err).toContain(`cdk8s import failed on ${crdPath}`);
    expect(err).toContain("must have required property 'kind'");
    expect(err).toContain('imports/ was left as it was');
    expect(projectState(dir)).toEqual(before); // no staging directory left behind either
  }, 60_000); // a ceiling for one cdk8s run on a busy machine, not a speed check
});

describe.concurrent('npm run upgrade-crds', () => {
  it('--help lists each pinned component with its version', async () => {
    const { dir, pin } = crdProject();
    const { code, out } = await runScript(dir, 'upgrade-crds.mjs', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run upgrade-crds/);
    expect(out).toMatch(new RegExp(`--${COMPONENT} <tag> +pinned now: ${pin.version}`));
    expect(out).toMatch(/^Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*usage error.*\n {2}70 .*internal error/m);
  });

  it('downloads the new tag, re-imports, rewrites the pins and reports the API changes', async (context) => {
    const { dir, pin, crdPath } = crdProject();
    const served = changedCrd(readFileSync(join(dir, crdPath), 'utf8'));
    const upstream = await serve({ [upstreamPath(pin, 'v9.9.9')]: served }, context);

    const { code, out, err } = await runScript(dir, 'upgrade-crds.mjs', `--${COMPONENT}`, 'v9.9.9', '--mirror', upstream.url);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(upstream.requests).toEqual([upstreamPath(pin, 'v9.9.9')]);

    const upgraded = manifestOf(dir)[COMPONENT];
    const newPath = pinnedPath(upgraded, Object.keys(upgraded.files)[0]);
    expect(upgraded.version).toBe('v9.9.9');
    expect(readFileSync(join(dir, newPath), 'utf8')).toBe(served);
    expect(Object.values(upgraded.files)).toEqual([sha256(served)]);
    expect(parse(readFileSync(join(dir, 'cdk8s.yaml'), 'utf8')).imports).toEqual([`gitrepository:=${newPath}`]);
    expect(existsSync(join(dir, crdPath))).toBe(false);
    expect(existsSync(join(dir, `crds/${COMPONENT}-${pin.version}`))).toBe(false);

    const generated = readFileSync(join(dir, 'imports/gitrepository-source.toolkit.fluxcd.io.ts'), 'utf8');
    expect(generated).toContain('readonly cloneDepth?: number;');
    expect(generated).not.toContain('readonly recurseSubmodules');
    expect(existsSync(join(dir, 'imports/validators/index.js'))).toBe(true);
    expect(out).toContain(`${COMPONENT} ${pin.version} → v9.9.9: 1 CRDs in crds/${COMPONENT}-v9.9.9/, 1 of them changed upstream`);
    expect(out).toContain('- GitRepositorySpec.recurseSubmodules?: boolean');
    expect(out).toContain('~ GitRepositorySpec.interval?: string (was GitRepositorySpec.interval: string)');
    expect(out).toContain('+ GitRepositorySpec.cloneDepth?: number');
  }, 60_000); // a ceiling for one cdk8s run on a busy machine, not a speed check

  it.for<[string, 'closed' | 'empty' | 'html' | 'bad-schema', RegExp]>([
    [
      'no network (nothing listening)',
      'closed',
      /cannot download http:\/\/127\.0\.0\.1:\d+\/\S+ \(ECONNREFUSED\): check the network connection/,
    ],
    ['an unknown tag (HTTP 404)', 'empty', /HTTP 404; is v9\.9\.9 a release of source-controller, and does it still ship/],
    ['a download that is not a CRD', 'html', /holds no CustomResourceDefinition; nothing was changed/],
    ['a CRD whose schema cannot be compiled', 'bad-schema', /cannot be compiled into a validator: .*imports\/ was left as it was/],
  ])('%s: one clear line, and nothing in the project changes', async ([, kind, message], context) => {
    const { dir, pin, crdPath } = crdProject();
    const crd = parse(readFileSync(join(dir, crdPath), 'utf8'));
    crd.spec.versions[0].schema.openAPIV3Schema['x-not-a-keyword'] = true;
    const body = { closed: undefined, empty: undefined, html: '<html>moved</html>', 'bad-schema': stringify(crd) }[kind];
    const upstream = await serve(body === undefined ? {} : { [upstreamPath(pin, 'v9.9.9')]: body }, context);
    const mirror = kind === 'closed' ? `http://127.0.0.1:${await closedPort()}` : upstream.url;
    const before = projectState(dir);

    const { code, out, err } = await runScript(dir, 'upgrade-crds.mjs', `--${COMPONENT}`, 'v9.9.9', '--mirror', mirror);
    expect(code).toBe(1);
    expectOneLineMessage(err, 'upgrade-crds');
    expect(err).toMatch(message);
    expect(out).not.toContain('→');
    expect(projectState(dir)).toEqual(before);
  });
});

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

describe('the API change report of an import', () => {
  const generated = (...declarations: string[]) => `// generated by cdk8s\n${declarations.join('\n\n')}\n`;
  const spec = (...properties: string[]) => `export interface Spec {\n${properties.map((p) => `  readonly ${p};`).join('\n')}\n}`;
  const converter = 'export function toJson_Spec(obj: Spec | undefined): Record<string, any> | undefined {\n  return obj;\n}';
  const mode = (...members: string[]) => `export enum Mode {\n${members.map((m) => `  ${m},`).join('\n')}\n}`;

  it('lists exports, properties and enum members removed, changed and added, file by file', () => {
    const before = new Map([
      [
        'a.ts',
        generated(spec('name: string', 'size?: number'), converter, mode('ON = "on"'), 'export interface Old {\n  readonly x?: string;\n}'),
      ],
      ['gone.ts', generated(spec('name: string'))],
    ]);
    const after = new Map([
      ['a.ts', generated(spec('name?: string', 'size?: string', 'extra?: boolean'), converter, mode('ON = "on"', 'OFF = "off"'))],
      ['new.ts', generated(mode('ON = "on"'))],
    ]);
    expect(describeApiChanges(before, after)).toEqual([
      'a.ts',
      '  - interface Old',
      '  ~ Spec.name?: string (was Spec.name: string)',
      '  ~ Spec.size?: string (was Spec.size?: number)',
      '  + Spec.extra?: boolean',
      '  + Mode.OFF = "off"',
      '- gone.ts (file removed)',
      'new.ts (file added)',
      '  + enum Mode',
    ]);
  });

  it('is empty when only documentation or converters changed', () => {
    const before = new Map([['a.ts', generated('/** old doc */', spec('name: string'), converter)]]);
    const after = new Map([
      ['a.ts', generated('/** new doc */', spec('name: string'), converter.replace('return obj;', 'return { ...obj };'))],
    ]);
    expect(describeApiChanges(before, after)).toEqual([]);
  });
});
