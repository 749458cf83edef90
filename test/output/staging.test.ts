import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors';
import { FLEET_TREE_ENTRIES, NODE_FILE_SYSTEM, worksApart } from '../../src/output/file-system';
import { stagingTree } from '../../src/output/staging';
import { pathsManifest } from '../../src/output/manifest';
import { readTree, writeOutputAtomically, type WriterOptions } from '../../src/output/write';
import { tempDir } from '../helpers';
import { interceptedFileSystem } from '../support/fault-fs';
import { expectExactly } from '../support/writer';

/** A tree of files in a few directories. */
function fleetTree(version: string): Map<string, string> {
  return new Map(Array.from({ length: 60 }, (_, i) => [`env-${i % 12}/policy-${i}.yaml`, `${version}: ${i}\n`] as const));
}

/**
 * Writes `tree` as synth writes a fleet's: the plan announces a fleet-sized tree, so its files are written by a thread
 * of their own (the tree itself stays small, so the test stays fast).
 */
function writeAsFleet(outdir: string, tree: Map<string, string>, options: WriterOptions = {}): boolean {
  const source = { files: tree, manifest: () => pathsManifest(tree) };
  const plan = { expectedFiles: FLEET_TREE_ENTRIES, mayHold: (path: string) => tree.has(path), source: () => source };
  return writeOutputAtomically(outdir, plan, options);
}

/** Passes every call through, but is not node:fs itself: the tree is written in order, on this thread. */
const IN_ORDER = interceptedFileSystem(() => {});

describe('which trees are written by a thread of their own', () => {
  test('a fleet-sized tree through node:fs; never a small tree, nor a test file system injecting faults', () => {
    expect(worksApart(NODE_FILE_SYSTEM, FLEET_TREE_ENTRIES)).toBe(true);
    expect(worksApart(NODE_FILE_SYSTEM, FLEET_TREE_ENTRIES - 1)).toBe(false);
    expect(worksApart(IN_ORDER, FLEET_TREE_ENTRIES)).toBe(false);
  });
});

describe('a fleet-sized tree written by a thread of its own', () => {
  test('holds exactly the tree and its manifest, and an unchanged file of the next tree is the same file, linked', () => {
    const outdir = join(tempDir(), 'dist');
    const first = fleetTree('v1');
    expect(writeAsFleet(outdir, first)).toBe(true);
    expectExactly(outdir, first);
    const kept = lstatSync(join(outdir, 'env-0/policy-0.yaml')).ino;

    const second = new Map(first).set('env-1/policy-1.yaml', 'v2\n');
    expect(writeAsFleet(outdir, second)).toBe(true);
    expectExactly(outdir, second);
    expect(lstatSync(join(outdir, 'env-0/policy-0.yaml')).ino).toBe(kept);
  });

  test('writes the same bytes as the tree written in order', () => {
    const [apart, inOrder] = [join(tempDir(), 'dist'), join(tempDir(), 'dist')];
    writeAsFleet(apart, fleetTree('v1'));
    writeAsFleet(inOrder, fleetTree('v1'), { fs: IN_ORDER });
    expect(readTree(apart)).toEqual(readTree(inOrder));
  });

  test('a file that cannot be written fails the write as it does in order; the old tree stays, nothing is left beside it', () => {
    // 'env-0/policy-0.yaml' as a file and as a directory cannot both be written.
    const impossible = new Map(fleetTree('v2')).set('env-0/policy-0.yaml/child.yaml', 'child\n');
    const failure = (fs?: typeof IN_ORDER) => {
      const outdir = join(tempDir(), 'dist');
      writeAsFleet(outdir, fleetTree('v1'));
      let thrown: unknown;
      try {
        writeAsFleet(outdir, impossible, fs && { fs });
      } catch (error) {
        thrown = error;
      }
      expectExactly(outdir, fleetTree('v1'));
      expect(thrown).toBeInstanceOf(UserError);
      return (thrown as Error).message.replace(outdir, '<outdir>');
    };
    const apart = failure();
    expect(apart).toMatch(/^cannot write the new output beside <outdir>: /);
    expect(apart).toBe(failure(IN_ORDER));
  });

  test('a refusal while the tree is produced stops the writing: the old tree stays, nothing is left beside it', () => {
    const outdir = join(tempDir(), 'dist');
    writeAsFleet(outdir, fleetTree('v1'));
    function* refusedHalfway(): Generator<readonly [string, string]> {
      let produced = 0;
      for (const file of fleetTree('v2')) {
        if (++produced > 30) throw new UserError('refused halfway');
        yield file;
      }
    }
    const plan = {
      expectedFiles: FLEET_TREE_ENTRIES,
      mayHold: () => true,
      source: () => ({ files: refusedHalfway(), manifest: () => '' }),
    };
    expect(() => writeOutputAtomically(outdir, plan)).toThrow('refused halfway');
    expectExactly(outdir, fleetTree('v1'));
  });
});

describe('the staging tree itself', () => {
  test('finish() returns once every file written through the thread is on disk', () => {
    const root = tempDir();
    const outdir = join(root, 'dist');
    mkdirSync(join(outdir, 'kept'), { recursive: true });
    writeFileSync(join(outdir, 'kept', 'file.yaml'), 'kept\n');
    const staging = stagingTree(join(root, 'staging'), outdir, NODE_FILE_SYSTEM, FLEET_TREE_ENTRIES, (error) => error);
    for (let i = 0; i < 100; i++) staging.write(`written/${i}.yaml`, `${i}\n`);
    staging.link('kept/file.yaml');
    staging.finish();
    expect(readdirSync(join(root, 'staging', 'written'))).toHaveLength(100);
    expect(lstatSync(join(root, 'staging', 'kept', 'file.yaml')).ino).toBe(lstatSync(join(outdir, 'kept', 'file.yaml')).ino);
  });

  test('more content than may wait for the thread at once: the renderer waits for it, and every byte is written', () => {
    const root = tempDir();
    const staging = stagingTree(join(root, 'staging'), join(root, 'dist'), NODE_FILE_SYSTEM, FLEET_TREE_ENTRIES, (error) => error);
    const large = (i: number) => `${i}`.padEnd(256 * 1024, '.');
    for (let i = 0; i < 18; i++) staging.write(`large/${i}.yaml`, large(i)); // 4.5 Mi characters, beyond the 4 Mi that may wait
    staging.finish();
    for (let i = 0; i < 18; i++) expect(readFileSync(join(root, 'staging', 'large', `${i}.yaml`), 'utf8')).toBe(large(i));
  });
});
