/**
 * How the main thread hands a request to the code that talks to PHP: directly on the main
 * thread (WORKER_THREADS=0: the connection's events go straight to the client's writer), or
 * through a Piscina pool of worker threads (the thread runs `runTask`, and its answer is
 * replayed here as the same ResponseHandler events). Either way `run` resolves with how the
 * exchange left the PHP worker, which the supervisor turns into the worker's fate.
 */
import { Piscina } from 'piscina';
import { BridgeError } from '../errors.js';
import { ConnectionTable } from '../pool/connection-table.js';
import { NO_FLOW, type ExchangeOutcome, type ResponseHandler } from '../pool/connection.js';
import { outcomeFromData } from './outcome-data.js';
import { replayStream } from './stream-relay.js';
import type { PhpTask, PhpTaskResult } from './task.js';
import { ThreadLoadBoard, type ThreadLoad } from './thread-load.js';
import type { ThreadData } from './worker.js';

export interface Dispatcher {
  readonly threads: number;
  run(task: PhpTask, handler: ResponseHandler): Promise<ExchangeOutcome>;
  /** Each live thread's exchanges, for metrics (empty with WORKER_THREADS=0). */
  load(): ThreadLoad[];
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

  run(task: PhpTask, handler: ResponseHandler): Promise<ExchangeOutcome> {
    return this.#table.exchange(task.workerId, task.socketPath, task.head, task.body === null ? null : new Uint8Array(task.body), handler);
  }

  load(): ThreadLoad[] {
    return [];
  }

  async close(): Promise<void> {
    this.#table.closeAll();
  }
}

class ThreadDispatcher implements Dispatcher {
  readonly threads: number;
  readonly #pool: Piscina;
  readonly #load: ThreadLoadBoard;

  constructor(options: DispatcherOptions) {
    this.threads = options.threads;
    this.#load = new ThreadLoadBoard(options.threads);
    const workerData: ThreadData = { connectTimeoutMs: options.connectTimeoutMs, load: this.#load.shared };
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

  async run(task: PhpTask, handler: ResponseHandler): Promise<ExchangeOutcome> {
    const transferList = task.body !== null && task.body.byteLength > 0 ? [task.body] : undefined;
    let result: PhpTaskResult;
    try {
      result = (await this.#pool.run(task, transferList ? { transferList } : {})) as PhpTaskResult;
    } catch (err) {
      // Piscina itself failed (its queue, a thread that died): our side, not the PHP worker's.
      const error = new BridgeError('INTERNAL', `worker thread failed: ${(err as Error).message}`, { cause: err });
      handler.onError(error);
      return { kind: 'lost', error };
    }
    if (result.t !== 'stream' && result.outcome.kind === 'retry') {
      // The thread's connection to this worker closed before the request went out (the worker
      // is leaving). Nothing is pipelined through threads, and the body was transferred to the
      // thread, so it is not sent again from here: the request fails as it did before pipelining.
      const error = new BridgeError('WORKER_CRASHED', 'the connection to the PHP worker closed before the request was sent');
      handler.onError(error);
      return { kind: 'broken', error };
    }
    switch (result.t) {
      case 'whole':
        handler.onHead(result.head, NO_FLOW);
        if (result.body.byteLength > 0) handler.onBody(Buffer.from(result.body));
        handler.onEnd();
        return outcomeFromData(result.outcome);
      case 'failed':
        handler.onError(new BridgeError(result.error.code, result.error.message));
        return outcomeFromData(result.outcome);
      case 'stream': {
        const replay = replayStream(result.port, handler);
        handler.onHead(result.head, replay.flow);
        return replay.outcome;
      }
    }
  }

  load(): ThreadLoad[] {
    return this.#load.read(new Set(this.#pool.threads.map((thread) => thread.threadId)));
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
