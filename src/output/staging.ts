import { dirname, join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { worksApart, type FileSystem } from './file-system';

/** The new tree being written beside the output: its files written, or linked from the output where unchanged. */
export interface StagingTree {
  readonly dir: string;
  write(path: string, content: string): void;
  /** The output's file, as it is: a hard link (the same file, not rewritten), or a copy where links are not supported. */
  link(path: string): void;
  /** Returns once every file is on disk; throws what could not be written. */
  finish(): void;
  /** Stops writing, before the directory is removed after a failure elsewhere. */
  abandon(): void;
}

/**
 * The staging directory `dir` for the output `outdir`. A fleet's (see `worksApart`) is written by a worker thread while this one renders the next environments: writing thousands of files
 * waits on the disk, rendering on the CPU, and the two then overlap. A small tree, or a test's file system (faults
 * injected), is written here, in order. Either way a failure is thrown as `describe` makes it.
 */
export function stagingTree(
  dir: string,
  outdir: string,
  fs: FileSystem,
  expectedFiles: number,
  describe: (error: unknown) => unknown,
): StagingTree {
  return worksApart(fs, expectedFiles) ? new BackgroundStaging(dir, outdir, describe) : new InThreadStaging(dir, outdir, fs, describe);
}

/** One file of the staging tree: written with `content`, or linked from the output's file `from`. */
type StagingStep = { readonly file: string; readonly content: string } | { readonly file: string; readonly from: string };

/** What link() fails with on a file system without hard links (or where they are not allowed): the file is copied. */
const LINKS_UNSUPPORTED = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'];

/**
 * Writes one file of the staging tree, creating its directory the first time (`created` remembers which). It uses only
 * its parameters, because the worker thread runs its source too: both threads write a file the same way.
 */
function stageFile(
  fs: Pick<FileSystem, 'mkdirSync' | 'writeFileSync' | 'linkSync' | 'copyFileSync'>,
  parentOf: (path: string) => string,
  created: Set<string>,
  linksUnsupported: readonly string[],
  step: StagingStep,
): void {
  const parent = parentOf(step.file);
  if (!created.has(parent)) fs.mkdirSync(parent, { recursive: true });
  created.add(parent);
  if ('content' in step) {
    fs.writeFileSync(step.file, step.content);
    return;
  }
  try {
    fs.linkSync(step.from, step.file);
  } catch (error) {
    if (!linksUnsupported.includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    fs.copyFileSync(step.from, step.file);
  }
}

class InThreadStaging implements StagingTree {
  private readonly created = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly outdir: string,
    private readonly fs: FileSystem,
    private readonly describe: (error: unknown) => unknown,
  ) {}

  write(path: string, content: string): void {
    this.stage({ file: join(this.dir, path), content });
  }

  link(path: string): void {
    this.stage({ file: join(this.dir, path), from: join(this.outdir, path) });
  }

  finish(): void {}

  abandon(): void {}

  private stage(step: StagingStep): void {
    try {
      stageFile(this.fs, dirname, this.created, LINKS_UNSUPPORTED, step);
    } catch (error) {
      throw this.describe(error);
    }
  }
}

// The shared state of the writing thread, as indices into an Int32Array.
const FINISHED = 0; // 1 once every step sent before `finish` was taken
const QUEUED = 1; // characters sent and not yet written (the bound keeps a fast renderer from holding the fleet)
const FAILED = 2; // 1 once a step failed: later steps are dropped
const PROGRESS = 3; // counts up when the thread starts and after each batch: a thread that stopped stops counting
const STATE_SIZE = 4;

/**
 * How long the writing thread may make no progress while it is waited for before it is taken for gone (killed by
 * running out of memory, which runs none of its handlers): never waited for forever.
 */
const STALL_TIMEOUT_MS = 5 * 60_000;

/** At most this many characters of content wait for the writing thread; the renderer waits beyond. */
const QUEUED_LIMIT = 4 * 1024 * 1024;

/** The writing thread: takes batches of steps, stops at the first failure and reports it on its port. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { dirname } = require('node:path');
const stageFile = ${stageFile.toString()};
const { state, failures, linksUnsupported } = workerData;
const created = new Set();
const fail = (error) => {
  if (Atomics.compareExchange(state, ${FAILED}, 0, 1) === 0) failures.postMessage({ code: error?.code, message: String(error?.message ?? error) });
};
// Whatever ends the thread (a bug included) ends the wait for it, with a failure unless it finished.
process.on('uncaughtException', (error) => {
  fail(error);
  process.exit(1);
});
process.on('exit', () => {
  if (Atomics.load(state, ${FINISHED}) === 0) fail(new Error('the writing thread stopped'));
  Atomics.store(state, ${FINISHED}, 1);
  Atomics.notify(state, ${FINISHED});
  Atomics.notify(state, ${QUEUED});
});
Atomics.add(state, ${PROGRESS}, 1);
parentPort.on('message', (steps) => {
  if (steps === 'finish') {
    Atomics.store(state, ${FINISHED}, 1);
    Atomics.notify(state, ${FINISHED});
    parentPort.close();
    return;
  }
  for (const step of steps) {
    if (Atomics.load(state, ${FAILED}) === 0) {
      try {
        stageFile(fs, dirname, created, linksUnsupported, step);
      } catch (error) {
        fail(error);
      }
    }
    Atomics.sub(state, ${QUEUED}, step.content === undefined ? 0 : step.content.length);
  }
  Atomics.add(state, ${PROGRESS}, 1);
  Atomics.notify(state, ${QUEUED});
});
`;

/** Steps sent to the writing thread together: one message per file would cost more than the write. */
const BATCH_STEPS = 32;

class BackgroundStaging implements StagingTree {
  private readonly state = new Int32Array(new SharedArrayBuffer(STATE_SIZE * Int32Array.BYTES_PER_ELEMENT));
  private readonly failures = new MessageChannel();
  private readonly worker: Worker;
  private batch: StagingStep[] = [];
  private done = false;

  constructor(
    readonly dir: string,
    private readonly outdir: string,
    private readonly describe: (error: unknown) => unknown,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { state: this.state, failures: this.failures.port2, linksUnsupported: LINKS_UNSUPPORTED },
      transferList: [this.failures.port2],
    });
    // Never what keeps the process alive: finish() or abandon() waits for it where it matters.
    this.worker.unref();
    // What ends the thread is read from the shared state; its error event must not end this process later.
    this.worker.on('error', () => {});
  }

  write(path: string, content: string): void {
    this.send({ file: join(this.dir, path), content });
  }

  link(path: string): void {
    this.send({ file: join(this.dir, path), from: join(this.outdir, path) });
  }

  finish(): void {
    this.stop();
    const failure = receiveMessageOnPort(this.failures.port1)?.message as { code?: string; message: string } | undefined;
    if (failure) throw this.describe(Object.assign(new Error(failure.message), { code: failure.code }));
    if (Atomics.load(this.state, FAILED) === 1) throw new Error('the thread writing the new output failed without saying why');
  }

  abandon(): void {
    // Nothing queued is worth writing any more: the thread drops what it has not taken yet.
    Atomics.store(this.state, FAILED, 1);
    try {
      this.stop();
    } catch {} // a thread taken for gone: the staging directory is removed all the same
  }

  private send(step: StagingStep): void {
    if (Atomics.load(this.state, FAILED) === 1) this.finish(); // throws what failed: nothing more is worth rendering
    this.batch.push(step);
    if ('content' in step) {
      const queued = Atomics.add(this.state, QUEUED, step.content.length) + step.content.length;
      if (queued > QUEUED_LIMIT) {
        this.flush();
        // Wait until the writing thread catches up (it notifies after every batch), or failed.
        this.waitUntil(QUEUED, () => Atomics.load(this.state, QUEUED) <= QUEUED_LIMIT / 2 || Atomics.load(this.state, FAILED) === 1);
      }
    }
    if (this.batch.length >= BATCH_STEPS) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage(this.batch);
    this.batch = [];
  }

  /** Sends what is left and waits until the writing thread took every step (written, or dropped after a failure). */
  private stop(): void {
    if (this.done) return;
    this.done = true;
    this.flush();
    this.worker.postMessage('finish');
    this.waitUntil(FINISHED, () => false);
    void this.worker.terminate();
  }

  /**
   * Waits on the state's `index` until `settled()` holds or the writing thread ended (it finished, or stopped on a
   * bug). A thread that makes no progress for STALL_TIMEOUT_MS is taken for gone: thrown, never waited for forever.
   */
  private waitUntil(index: number, settled: () => boolean): void {
    let progress = Atomics.load(this.state, PROGRESS);
    let progressedAt = Date.now();
    while (!settled() && Atomics.load(this.state, FINISHED) === 0) {
      Atomics.wait(this.state, index, Atomics.load(this.state, index), 1_000);
      if (Atomics.load(this.state, PROGRESS) !== progress) {
        progress = Atomics.load(this.state, PROGRESS);
        progressedAt = Date.now();
      } else if (Date.now() - progressedAt > STALL_TIMEOUT_MS) {
        void this.worker.terminate();
        throw new Error(`the thread writing the new output made no progress for ${STALL_TIMEOUT_MS / 60_000} minutes`);
      }
    }
  }
}
