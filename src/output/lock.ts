import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../errors';
import { errorCode, type FileSystem } from './file-system';

/** Who holds a lock file: written into it when it is created. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** A lock no live synth still holds: synth holds it for seconds at most, whatever host wrote it. */
const STALE_LOCK_AGE_MS = 2 * 60 * 1000;
/** How long to sleep between two attempts to take a held lock. */
const RETRY_INTERVAL_MS = 50;

/** A held lock; `release` removes it (only if it is still this process's). */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the lock file `path` (created exclusively, holding pid, host and a random token). While another live
 * synth holds it, waits up to `timeoutMs`, then refuses naming the lock and its holder. A lock whose holder is
 * gone is taken over: written on this host by a dead process (or by an earlier process with this very pid, as
 * happens in containers), or older than any synth runs. `breaker` (a second lock file) makes sure that two
 * processes seeing the same stale lock cannot both take it over.
 */
export function acquireLock(path: string, breaker: string, fs: FileSystem, timeoutMs: number): HeldLock {
  const content = newLockContent();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (createExclusively(path, content, fs)) {
      return { release: () => removeIfStill(path, content, fs) };
    }
    const held = readLock(path, fs);
    if (held === undefined) continue; // released meanwhile
    if (isStale(held) && takeOver(path, held.raw, breaker, fs)) continue;
    if (Date.now() >= deadline) {
      throw new UserError(
        `${path} is held by ${describeHolder(held.holder)}: another synth is writing the same output directory. ` +
          `Run synth again when it has finished (a lock older than ${STALE_LOCK_AGE_MS / 60_000} minutes is taken over by itself).`,
      );
    }
    sleep(RETRY_INTERVAL_MS);
  }
}

/** What this process writes into a lock file it creates: unique to this attempt. */
function newLockContent(): string {
  return `${JSON.stringify({ pid: process.pid, host: hostname(), token: randomUUID() } satisfies LockHolder)}\n`;
}

/** Creates `path` with `content` unless it exists. */
function createExclusively(path: string, content: string, fs: FileSystem): boolean {
  try {
    fs.writeFileSync(path, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

interface LockState {
  readonly raw: string;
  /** Undefined while the holder is still writing it, or when it is not a lock this code wrote. */
  readonly holder?: LockHolder;
  readonly ageMs: number;
}

function readLock(path: string, fs: FileSystem): LockState | undefined {
  try {
    const raw = fs.readFileSync(path, 'utf8');
    const ageMs = Date.now() - fs.lstatSync(path).mtimeMs;
    return { raw, holder: parseHolder(raw), ageMs };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string'
      ? (parsed as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

function isStale({ holder, ageMs }: LockState): boolean {
  if (ageMs > STALE_LOCK_AGE_MS) return true;
  if (holder === undefined || holder.host !== hostname()) return false;
  // This process never leaves its own lock behind: a lock with its pid was written by an earlier process.
  // (Worker threads share the pid: they count as one holder, which only tests running in threads notice.)
  return holder.pid === process.pid || !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, owned by another user
  }
}

/** Removes the stale lock whose content is `staleContent`, holding `breaker`; false when another process is at it. */
function takeOver(path: string, staleContent: string, breaker: string, fs: FileSystem): boolean {
  const content = newLockContent();
  if (!createExclusively(breaker, content, fs)) {
    const other = readLock(breaker, fs);
    // A breaker is held for a few calls only; one left behind by a killed process is removed.
    if (other !== undefined && isStale(other)) removeIfStill(breaker, other.raw, fs);
    return false;
  }
  try {
    // Re-read under the breaker: another process may have taken the lock over and hold it by now.
    if (readLock(path, fs)?.raw === staleContent) fs.unlinkSync(path);
    return true;
  } finally {
    removeIfStill(breaker, content, fs);
  }
}

/** Removes `path` if it still holds `content`; a failure leaves a lock the next run sees as stale. */
function removeIfStill(path: string, content: string, fs: FileSystem): void {
  try {
    if (fs.readFileSync(path, 'utf8') === content) fs.unlinkSync(path);
  } catch {
    // Gone already, or not removable: the next run takes it over as stale.
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `process ${holder.pid} on ${holder.host}` : 'a process that has not finished writing it';
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
