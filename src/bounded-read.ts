import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The bytes of a file, or of standard input for `-`, or undefined when there are more than `limit`: never more
 * than `limit` bytes (plus one read) are held in memory. A regular file says its size up front; a pipe, a
 * device without size (`/dev/zero`) or stdin is counted while reading, so an endless stream ends too. Errors
 * of the file system are thrown with `path` set to `name`.
 */
export function readAtMost(source: string, limit: number, name: string = source): Buffer | undefined {
  const fd = source === '-' ? 0 : openSync(source, 'r');
  try {
    if (fstatSync(fd).size > limit) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(limit + 1, 1024 * 1024));
      const bytes = readChunk(fd, chunk, name);
      if (bytes === 0) return Buffer.concat(chunks, total);
      total += bytes;
      if (total > limit) return undefined;
      chunks.push(chunk.subarray(0, bytes));
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** One read; a non-blocking stdin that has nothing yet is waited for, and an error names the input it came from. */
function readChunk(fd: number, chunk: Buffer, name: string): number {
  for (;;) {
    try {
      return readSync(fd, chunk);
    } catch (error) {
      const systemError = error as NodeJS.ErrnoException;
      if (systemError.code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      systemError.path ??= name;
      throw error;
    }
  }
}
