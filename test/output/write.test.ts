import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors';
import { MANIFEST_FILE } from '../../src/output/manifest';
import { NODE_FILE_SYSTEM } from '../../src/output/file-system';
import { SCAN_LIMITS, scanDirectory } from '../../src/output/scan';
import { diffTrees, inspectOutput, readTree, writeOutputAtomically, writeTreeAtomically } from '../../src/output/write';
import { outputTreeFor, runCli, tempDir, writeConfig } from '../helpers';
import { configOf, expectExactly, NEW_TREE, OLD_TREE, withManifest, writtenOutput } from '../support/writer';
import { fileSystemFault, interceptedFileSystem, READ_ONLY_FILE_SYSTEM } from '../support/fault-fs';

test('the written tree replaces the old one exactly: stale files of removed policies disappear', () => {
  const outdir = writtenOutput();
  expect(writeTreeAtomically(outdir, NEW_TREE)).toBe(true);
  expectExactly(outdir, NEW_TREE);
  expect(readTree(outdir).get(MANIFEST_FILE)).toContain('env/keep.yaml\nenv/same.yaml\nother/new.yaml\n');
});

test('a failure while writing leaves the previous tree exactly as it was, with nothing left beside it', () => {
  const outdir = writtenOutput();
  // 'x' as a file and as a directory cannot both be written: the write fails halfway.
  const impossible = new Map([
    ['env/keep.yaml', 'v2\n'],
    ['x', 'file\n'],
    ['x/y.yaml', 'child\n'],
  ]);
  expect(() => writeTreeAtomically(outdir, impossible)).toThrow(UserError);
  expectExactly(outdir, OLD_TREE);
});

test('where the file system has no hard links, an unchanged file is copied into the new tree', () => {
  const outdir = writtenOutput();
  const fs = interceptedFileSystem((call) => {
    if (call.name === 'linkSync') throw fileSystemFault('EPERM', call);
  });
  expect(writeTreeAtomically(outdir, NEW_TREE, { fs })).toBe(true);
  expectExactly(outdir, NEW_TREE);
});

test('an unchanged tree is not rewritten', () => {
  const outdir = writtenOutput();
  expect(writeTreeAtomically(outdir, OLD_TREE)).toBe(false);
});

test('diffTrees lists added, changed and removed files', () => {
  const diff = diffTrees(
    new Map([
      ['a', '1'],
      ['b', '2'],
    ]),
    new Map([
      ['b', '3'],
      ['c', '4'],
    ]),
  );
  expect(diff).toEqual({ added: ['a'], changed: ['b'], removed: ['c'] });
});

test('removing an environment from the config removes its directory on the next synth; a file synth did not write is refused', () => {
  const dir = tempDir();
  const outdir = join(dir, 'dist');
  const one = configOf('one');
  expect(runCli('synth', '--config', configOf('one', 'two'), '--outdir', outdir).code).toBe(0);
  expect(existsSync(join(outdir, 'two/verify-image-signatures.yaml'))).toBe(true);
  expect(runCli('synth', '--config', one, '--outdir', outdir).code).toBe(0);
  expect(readdirSync(outdir).sort()).toEqual([MANIFEST_FILE, 'flux', 'one']);
  expect(readdirSync(join(outdir, 'flux'))).toEqual(['one']);

  writeFileSync(join(outdir, 'one', 'hand-written.yaml'), 'x: 1\n');
  const before = readTree(outdir);
  const { code, err } = runCli('synth', '--config', configOf('one', 'three'), '--outdir', outdir);
  expect(code).toBe(1);
  expect(err).toContain(`refusing to replace ${outdir}/: it holds files synth did not write (they are not in ${MANIFEST_FILE}):`);
  expect(err).toContain(`${outdir}/one/hand-written.yaml`);
  expect(readTree(outdir)).toEqual(before);
  expect(readdirSync(dir).sort()).toEqual(['clusters', 'dist', 'dist.guardrails-config']);
});

test("a file the manifest does not list at a path synth writes (as after merging two branches' output) is replaced", () => {
  const outdir = writtenOutput();
  mkdirSync(join(outdir, 'other'));
  writeFileSync(join(outdir, 'other', 'new.yaml'), 'from the other branch\n');
  writeTreeAtomically(outdir, NEW_TREE);
  expectExactly(outdir, NEW_TREE);
});

describe('output directories synth refuses before touching anything', () => {
  const cwd = process.cwd();
  const cases: [string, () => string, RegExp][] = [
    ['the current directory', () => cwd, /current directory or one of its parents/],
    ['"."', () => '.', /current directory or one of its parents/],
    ['an empty name', () => '', /the name is empty/],
    ['a parent of the current directory', () => dirname(cwd), /current directory or one of its parents/],
    ['the filesystem root', () => '/', /filesystem root/],
    ['the home directory', () => homedir(), /home directory|current directory/],
    ['a file', () => writeConfig('x: 1\n', 'dist'), /it is not a directory/],
    [
      'a symbolic link',
      () => {
        const dir = tempDir();
        mkdirSync(join(dir, 'real'));
        symlinkSync(join(dir, 'real'), join(dir, 'dist'));
        return join(dir, 'dist');
      },
      /symbolic link/,
    ],
    [
      'the top level of a git work tree',
      () => {
        const dir = tempDir();
        mkdirSync(join(dir, '.git'));
        return dir;
      },
      /top level of a git work tree/,
    ],
  ];
  test.each(cases)('%s', (_, outdir, reason) => {
    expect(() => writeTreeAtomically(outdir(), OLD_TREE, { fs: READ_ONLY_FILE_SYSTEM })).toThrow(reason);
  });

  test('through the CLI: a message and exit 1 for a file and for the root; an empty --outdir is a usage error', () => {
    const file = writeConfig('x: 1\n', 'dist');
    const asFile = runCli('synth', '--config', configOf('one'), '--outdir', file);
    expect(asFile.code).toBe(1);
    expect(asFile.err).toContain(`refusing to write to output directory "${file}": it is not a directory`);
    const root = runCli('synth', '--config', configOf('one'), '--outdir', '/');
    expect(root.code).toBe(1);
    expect(root.err.split('\n')).toEqual([
      'refusing to write to output directory "/": it is a filesystem root. Choose a directory of its own, such as dist.',
      '/ was not changed.',
    ]);
    const empty = runCli('synth', '--config', configOf('one'), '--outdir', '');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^usage error: --outdir is empty/);
  });
});

describe('a large directory named as the output is refused as soon as it exceeds what synth writes, not read whole', () => {
  test('by size: a file beyond the bound, where synth would write, is never read', () => {
    const outdir = join(tempDir(), 'big');
    mkdirSync(join(outdir, 'env'), { recursive: true });
    writeFileSync(join(outdir, 'env', 'keep.yaml'), '');
    truncateSync(join(outdir, 'env', 'keep.yaml'), SCAN_LIMITS.fileBytes + 1); // sparse: takes no disk space
    const read: string[] = [];
    const fs = interceptedFileSystem((call) => {
      if (call.name === 'readFileSync') read.push(call.path);
    });
    expect(() => writeTreeAtomically(outdir, OLD_TREE, { fs })).toThrow(
      `${outdir}/ holds a file larger than 64 MiB (env/keep.yaml), far more than synth writes`,
    );
    expect(read.filter((path) => path.endsWith('keep.yaml'))).toEqual([]);
    expect(readdirSync(join(outdir, 'env'))).toEqual(['keep.yaml']);
  });

  test('by entries: the walk stops at the first entry beyond the bound, which grows with what is written', () => {
    const dir = tempDir();
    for (const name of ['a', 'b', 'c', 'd']) mkdirSync(join(dir, name, 'inner'), { recursive: true });
    let listed = 0;
    const fs = interceptedFileSystem((call) => {
      if (call.name === 'readdirSync') listed++;
    });
    const limits = { baseEntries: 5, fileBytes: SCAN_LIMITS.fileBytes };
    expect(() => scanDirectory(dir, fs, 0, limits)).toThrow(`${dir}/ holds more than 5 entries`);
    expect(listed).toBeLessThan(5); // the top level and the first subdirectory, not all nine
    expect(scanDirectory(dir, fs, 1, limits).directories).toHaveLength(8); // four entries more per file to write
  });

  test('the bound grows with the manifest: an output synth wrote passes whatever its size, a foreign tree as large does not', () => {
    const outdir = writtenOutput(new Map(Array.from({ length: 6 }, (_, i) => [`env/file-${i}.yaml`, `${i}\n`])));
    const limits = { baseEntries: 5, fileBytes: SCAN_LIMITS.fileBytes };
    expect(scanDirectory(outdir, NODE_FILE_SYSTEM, 0, limits).paths).toHaveLength(6); // 5 + 4 × 6 listed
    rmSync(join(outdir, MANIFEST_FILE));
    expect(() => scanDirectory(outdir, NODE_FILE_SYSTEM, 0, limits)).toThrow(`${outdir}/ holds more than 5 entries`);
  });

  test('a file synth cannot write is refused before any file is read', () => {
    const outdir = join(tempDir(), 'notes');
    mkdirSync(outdir);
    writeFileSync(join(outdir, 'todo.md'), 'mine\n');
    const read: string[] = [];
    const fs = interceptedFileSystem((call) => {
      if (call.name === 'readFileSync') read.push(call.path);
    });
    expect(() => writeTreeAtomically(outdir, OLD_TREE, { fs })).toThrow(`${outdir}/todo.md`);
    expect(read.filter((path) => path.startsWith(`${outdir}/`))).toEqual([]);
  });
});

test("`dist/.` names dist: the output and the writer's entries are those of dist", () => {
  const dir = tempDir();
  const config = configOf('one');
  // Spelled as a user types it (path.join would already normalize it away).
  expect(runCli('synth', '--config', config, '--outdir', `${join(dir, 'dist')}/.`).code).toBe(0);
  expect(runCli('synth', '--config', config, '--outdir', `${join(dir, 'dist')}//`).code).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['clusters', 'dist', 'dist.guardrails-config']);
  expect(readTree(join(dir, 'dist'))).toEqual(outputTreeFor(config));
});

describe('an output directory written before synth wrote a manifest', () => {
  /** The shape of such a directory: an environment, its Flux objects and a drill with its Kyverno test. */
  function legacy(extra: Record<string, string> = {}): string {
    const outdir = join(tempDir(), 'dist');
    const files: Record<string, string> = {
      'prod/kustomization.yaml': 'resources:\n  - verify-image-signatures.yaml\n',
      'prod/verify-image-signatures.yaml': 'kind: ClusterPolicy\n',
      'flux/prod/kustomization.yaml': 'resources:\n  - policies.yaml\n',
      'flux/prod/policies.yaml': 'kind: Kustomization\n',
      'drill/prod/kustomization.yaml': 'resources:\n  - signed-image.yaml\n',
      'drill/prod/signed-image.yaml': 'kind: Deployment\n',
      'drill/prod/kyverno-test.yaml': 'kind: Test\n',
      ...extra,
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(outdir, path)), { recursive: true });
      writeFileSync(join(outdir, path), content);
    }
    return outdir;
  }

  test("is replaced when every file lies in synth's layout and its kustomization lists it", () => {
    const outdir = legacy();
    writeTreeAtomically(outdir, NEW_TREE);
    expectExactly(outdir, NEW_TREE);
  });

  test.each([
    ['a YAML file its kustomization does not list', { 'prod/notes.yaml': 'x: 1\n' }, 'prod/notes.yaml'],
    ['a file outside the layout', { 'README.md': '# mine\n' }, 'README.md'],
    ['a JavaScript build', { 'index.js': 'module.exports = 1;\n' }, 'index.js'],
  ])('is refused when it holds %s', (_, extra, foreign) => {
    const outdir = legacy(extra);
    const before = readTree(outdir);
    expect(() => writeTreeAtomically(outdir, NEW_TREE)).toThrow(`${outdir}/${foreign}`);
    expect(readTree(outdir)).toEqual(before);
    expect(readdirSync(dirname(outdir))).toEqual(['dist']);
  });
});

test('a symbolic link inside the output directory is refused, naming it', () => {
  const outdir = writtenOutput();
  symlinkSync('/etc/hostname', join(outdir, 'env', 'link.yaml'));
  expect(() => writeTreeAtomically(outdir, NEW_TREE)).toThrow(`${outdir}/env/link.yaml (a symbolic link)`);
  expect(lstatSync(join(outdir, 'env', 'link.yaml')).isSymbolicLink()).toBe(true);
});

test('a directory of the old tree that is not writable is refused before anything moves', () => {
  const outdir = writtenOutput();
  const fs = interceptedFileSystem((call) => {
    if (call.name === 'accessSync' && call.path === join(outdir, 'env')) throw fileSystemFault('EACCES', call);
  });
  expect(() => writeTreeAtomically(outdir, NEW_TREE, { fs })).toThrow(`${join(outdir, 'env')} is not writable (EACCES)`);
  expectExactly(outdir, OLD_TREE);
});

describe('the lock beside the output directory', () => {
  const lockOf = (outdir: string) => `${outdir}.guardrails-lock`;
  const holder = (pid: number, host = hostname()) => JSON.stringify({ pid, host, token: 'theirs' });

  test('held by a live synth: refused after the wait, naming the lock and its holder; nothing changed', () => {
    const outdir = writtenOutput();
    writeFileSync(lockOf(outdir), holder(process.ppid));
    expect(() => writeTreeAtomically(outdir, NEW_TREE, { lockTimeoutMs: 0 })).toThrow(
      `${lockOf(outdir)} is held by process ${process.ppid} on ${hostname()}`,
    );
    expect(Object.fromEntries(readTree(outdir))).toEqual(Object.fromEntries(withManifest(OLD_TREE)));
    expect(existsSync(lockOf(outdir))).toBe(true);
  });

  test('held by another host: refused while recent, taken over once older than any synth runs', () => {
    const outdir = writtenOutput();
    writeFileSync(lockOf(outdir), holder(1, 'elsewhere'));
    expect(() => writeTreeAtomically(outdir, NEW_TREE, { lockTimeoutMs: 0 })).toThrow('on elsewhere');
    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lockOf(outdir), anHourAgo, anHourAgo);
    writeTreeAtomically(outdir, NEW_TREE, { lockTimeoutMs: 0 });
    expectExactly(outdir, NEW_TREE);
  });

  test.each([
    ['a process that has exited', () => spawnSync(process.execPath, ['-e', '']).pid!],
    ['an earlier process with this very pid (as in containers)', () => process.pid],
  ])('left by %s: taken over, and removed after the write', (_, pid) => {
    const outdir = writtenOutput();
    writeFileSync(lockOf(outdir), holder(pid()));
    writeTreeAtomically(outdir, NEW_TREE, { lockTimeoutMs: 0 });
    expectExactly(outdir, NEW_TREE);
  });
});

test('what must match the output (afterWrite) runs holding the lock, once the new tree is in place, and also when it was current', () => {
  const outdir = writtenOutput();
  const seen: { locked: boolean; tree: Record<string, string> }[] = [];
  const afterWrite = () => seen.push({ locked: existsSync(`${outdir}.guardrails-lock`), tree: Object.fromEntries(readTree(outdir)) });
  expect(writeTreeAtomically(outdir, NEW_TREE, { afterWrite })).toBe(true);
  expect(writeTreeAtomically(outdir, NEW_TREE, { afterWrite })).toBe(false);
  const written = Object.fromEntries(withManifest(NEW_TREE));
  expect(seen).toEqual([
    { locked: true, tree: written },
    { locked: true, tree: written },
  ]);
  expect(existsSync(`${outdir}.guardrails-lock`)).toBe(false);
});

test('the new tree is decided holding the lock; a refusal while producing it changes nothing', () => {
  const outdir = writtenOutput();
  const refusal = new UserError('the removal guard refuses');
  function* refused(): Generator<readonly [string, string]> {
    yield ['env/keep.yaml', 'v3\n'];
    throw refusal;
  }
  const plan = {
    expectedFiles: 1,
    mayHold: () => true,
    source: () => {
      expect(existsSync(`${outdir}.guardrails-lock`)).toBe(true);
      return { files: refused(), manifest: () => '' };
    },
  };
  expect(() => writeOutputAtomically(outdir, plan)).toThrow(refusal);
  expectExactly(outdir, OLD_TREE);
});

test('without a complete staging directory, a missing output is rolled back from the retired tree', () => {
  const outdir = writtenOutput();
  renameSync(outdir, `${outdir}.guardrails-retired-1`);
  mkdirSync(join(`${outdir}.guardrails-staging-2`, 'env'), { recursive: true });
  writeFileSync(join(`${outdir}.guardrails-staging-2`, 'env', 'keep.yaml'), 'half');
  expect(inspectOutput(outdir, 0, () => readTree(outdir))).toEqual(withManifest(OLD_TREE));
  expectExactly(outdir, OLD_TREE);
});
