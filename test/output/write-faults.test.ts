import { expect, test } from 'vitest';
import { UserError } from '../../src/errors';
import { readTree, writeTreeAtomically } from '../../src/output/write';
import { fileSystemFault, interceptedFileSystem, type FileSystemCall } from '../support/fault-fs';
import { expectExactly, NEW_TREE, OLD_TREE, withManifest, writtenOutput } from '../support/writer';

/** Every file system call a write of NEW_TREE over OLD_TREE makes, in order. */
function callsOfOneWrite(): FileSystemCall[] {
  const calls: FileSystemCall[] = [];
  writeTreeAtomically(writtenOutput(), NEW_TREE, { fs: interceptedFileSystem((call) => calls.push(call)) });
  return calls;
}

const FAULTS = ['EACCES', 'ENOSPC', 'EIO'];

test('a write makes every kind of call the fault tests fail (the swap, an unchanged file linked, the lock, the clean-up)', () => {
  const names = new Set(callsOfOneWrite().map((call) => call.name));
  for (const name of ['writeFileSync', 'linkSync', 'renameSync', 'rmSync', 'unlinkSync', 'accessSync', 'mkdirSync'])
    expect(names).toContain(name);
});

test.each(callsOfOneWrite().flatMap((call) => FAULTS.map((code) => ({ ...call, code }))))(
  'call $index ($name $path) failing with $code: the old tree stays whole or the new one is complete, and the next write succeeds',
  ({ index, code }) => {
    const outdir = writtenOutput();
    const fs = interceptedFileSystem((call) => {
      if (call.index === index) throw fileSystemFault(code, call);
    });
    let failed: unknown;
    try {
      writeTreeAtomically(outdir, NEW_TREE, { fs });
    } catch (error) {
      failed = error;
    }
    if (failed) {
      // A message naming the failure, never a stack trace; the old tree exactly as it was.
      expect(failed).toBeInstanceOf(UserError);
      expect((failed as Error).message).toContain(code);
      expect(readTree(outdir)).toEqual(withManifest(OLD_TREE));
    } else {
      expect(readTree(outdir)).toEqual(withManifest(NEW_TREE));
    }
    writeTreeAtomically(outdir, NEW_TREE, { lockTimeoutMs: 0 });
    expectExactly(outdir, NEW_TREE);
  },
);
