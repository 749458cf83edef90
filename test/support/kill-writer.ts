// Runs the writer in a child process that SIGKILLs itself just before its file system call number <kill-at>:
//   node kill-writer.cjs <outdir> <kill-at> <file holding the tree as JSON [path, content] pairs>
// Bundled by test/output/write-kill.test.ts: the writer itself has no test switch.
import { readFileSync } from 'node:fs';
import { writeTreeAtomically } from '../../src/output/write';
import { interceptedFileSystem } from './fault-fs';

const [outdir, killAt, treeFile] = process.argv.slice(2);
const fs = interceptedFileSystem(({ index }) => {
  if (index === Number(killAt)) process.kill(process.pid, 'SIGKILL');
});
writeTreeAtomically(outdir, new Map(JSON.parse(readFileSync(treeFile, 'utf8'))), { fs });
