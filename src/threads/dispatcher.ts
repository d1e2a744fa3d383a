/**
 * How the main thread hands a request to the code that talks to PHP: through a Piscina pool of
 * worker threads, or (WORKER_THREADS=0) directly on the main thread. Both run `runTask`.
 */
import { Piscina } from 'piscina';
import { ConnectionTable } from '../pool/connection-table.js';
import { runTask, type PhpTask, type PhpTaskResult } from './task.js';
import type { ThreadData } from './worker.js';

export interface Dispatcher {
  readonly threads: number;
  run(task: PhpTask): Promise<PhpTaskResult>;
  close(): Promise<void>;
}

export interface DispatcherOptions {
  threads: number;
  connectTimeoutMs: number;
  /** Most requests in flight at once (the PHP pool's maximum): sizes each thread's concurrency. */
  maxInFlight: number;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  return options.threads === 0 ? new InlineDispatcher(options) : new ThreadDispatcher(options);
}

class InlineDispatcher implements Dispatcher {
  readonly threads = 0;
  readonly #table: ConnectionTable;

  constructor(options: DispatcherOptions) {
    this.#table = new ConnectionTable(options.connectTimeoutMs);
  }

  run(task: PhpTask): Promise<PhpTaskResult> {
    return runTask(this.#table, task);
  }

  async close(): Promise<void> {
    this.#table.closeAll();
  }
}

class ThreadDispatcher implements Dispatcher {
  readonly threads: number;
  readonly #pool: Piscina;

  constructor(options: DispatcherOptions) {
    this.threads = options.threads;
    const workerData: ThreadData = { connectTimeoutMs: options.connectTimeoutMs };
    this.#pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Threads wait on sockets, not CPU: an idle thread must keep its event loop running, which
      // Atomics.wait (Piscina's default) would freeze.
      atomics: 'disabled',
      // Every in-flight request holds its own PHP worker, so a thread may carry up to all of them.
      concurrentTasksPerWorker: options.maxInFlight,
      // The main thread's scheduler bounds in-flight requests; this queue only absorbs the
      // moment before threads are up.
      maxQueue: Math.max(16, options.maxInFlight * 2),
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData,
    });
  }

  run(task: PhpTask): Promise<PhpTaskResult> {
    const transferList = task.body !== null && task.body.byteLength > 0 ? [task.body] : undefined;
    return this.#pool.run(task, transferList ? { transferList } : {}) as Promise<PhpTaskResult>;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
