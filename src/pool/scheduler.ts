/**
 * Which PHP worker takes the next request: the idle ones (a stack), the busy ones that can take
 * one more behind their current request (pipelining one deep), and the requests waiting for a
 * worker (a bounded FIFO). A request first reserves a worker here, then the dispatcher carries it
 * over a connection. Keeping the choice in one place means no thread can queue behind a busy
 * worker while another worker sits idle, and the wait queue has one bound for the whole server.
 *
 * Pipelining: when no worker is idle and the CPU is full, a request is sent at once to a busy
 * worker that serves exactly one request, of a route known to answer quickly, begun less than
 * PIPELINE_WINDOW_MS ago, whose response is not streamed: the worker finds it waiting on its
 * socket when it is done and never sleeps in between (docs/PERFORMANCE.md measures what that
 * buys), and nothing waits behind a slow request. A worker that starts streaming hands such a request back without running it (a RETRY
 * error, src/codec/FRAME.md); so does one that dies or stops first: the caller then reserves a
 * worker again, ahead of the queue.
 *
 * The scheduler moves workers between `idle` and `busy` and counts their requests in flight;
 * whether a worker joins, stays or leaves is the supervisor's decision (src/supervisor/supervisor.ts).
 */
import { EventEmitter } from 'node:events';
import { BridgeError } from '../errors.js';
import type { PhpWorker } from './php-worker.js';

interface Waiter {
  /** Its route is known to answer quickly: a request may be pipelined behind it. */
  quick: boolean;
  resolve: (worker: PhpWorker) => void;
  reject: (err: BridgeError) => void;
  /** Its client left or its time ran out: skip it, and do not count it against MAX_QUEUE. */
  cancelled: boolean;
}

/** A place in the wait queue; `cancel()` gives it up (the promise then never settles). */
export interface QueuedAcquire {
  promise: Promise<PhpWorker>;
  cancel(): void;
}

export interface SchedulerEvents {
  /** A request had to wait, in the queue or pipelined behind another: the supervisor may start another worker. */
  pressure: [waiting: number];
}

export interface SchedulerOptions {
  /** Most requests waiting for a worker (MAX_QUEUE). */
  maxQueue: number;
  /**
   * PIPELINE_WINDOW_MS: a request is pipelined only behind one that began less than this long
   * ago (0 = never): a slow request (a report, an API call) collects none after its first moments.
   */
  pipelineWindowMs: number;
  /**
   * Whether pipelining is worth it now (default: always): the supervisor says so while the CPU
   * is full, when another worker would not run sooner anyway. With CPU to spare, requests wait
   * in the queue for the first worker free, and the pool grows.
   */
  pipelineWhen?: () => boolean;
}

export class WorkerScheduler extends EventEmitter<SchedulerEvents> {
  readonly #maxQueue: number;
  readonly #pipelineWindowMs: number;
  readonly #pipelineWhen: () => boolean;
  /** LIFO: the most recently used worker has the warmest caches. */
  readonly #idle: PhpWorker[] = [];
  /**
   * Busy workers serving exactly one request, of a quick route, not streamed: where a request
   * may be pipelined. In the order their current request began. Entries that stopped qualifying
   * (draining, streaming, pipelined, too old) are dropped when met.
   */
  readonly #serving = new Set<PhpWorker>();
  /** FIFO of requests waiting for a worker; bounded by MAX_QUEUE. */
  #waiters: Waiter[] = [];
  #waitersHead = 0;
  #waiting = 0;
  #closed: BridgeError | null = null;
  /** Requests sent behind another on a busy worker, and those of them handed back unrun (metrics). */
  pipelinedTotal = 0;
  handedBackTotal = 0;

  constructor(options: SchedulerOptions) {
    super();
    this.#maxQueue = options.maxQueue;
    this.#pipelineWindowMs = options.pipelineWindowMs;
    this.#pipelineWhen = options.pipelineWhen ?? (() => true);
  }

  /** Requests may be pipelined behind a busy worker's current one. */
  get pipelines(): boolean {
    return this.#pipelineWindowMs > 0;
  }

  get waiting(): number {
    return this.#waiting;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** A worker with nothing in flight (it just booted, or finished): the oldest waiter gets it, else it idles. */
  offer(worker: PhpWorker): void {
    if (worker.state === 'booting') worker.moveTo('idle');
    const waiter = this.#nextWaiter();
    if (waiter !== null) {
      if (worker.state === 'idle') worker.moveTo('busy');
      worker.inFlight = 1;
      this.#nowServing(worker, waiter.quick);
      waiter.resolve(worker);
      this.#pipelineNextWaiter(worker);
      return;
    }
    if (worker.state === 'busy') worker.moveTo('idle');
    this.#serving.delete(worker);
    this.#idle.push(worker);
  }

  /**
   * One request of a busy worker is over: its current one (`current`), or the pipelined one,
   * handed back unrun. With nothing left it is offered; with its pipelined request now current,
   * it may take another one behind it.
   */
  release(worker: PhpWorker, current = true): void {
    const left = worker.finishOne(current);
    // A worker hands a pipelined request back only when it streams or its connection died: it
    // takes nothing new until its current request is over (and then its fate is decided).
    if (worker.state !== 'busy' || !current) return;
    if (left === 0) {
      this.offer(worker);
      return;
    }
    // Its pipelined request is current now.
    if (worker.streaming || worker.inFlight !== 1) return;
    this.#nowServing(worker, worker.nextQuick);
    this.#pipelineNextWaiter(worker);
  }

  /**
   * A worker just began a request and has room behind it: the oldest waiter goes there, when
   * pipelining would take a newcomer (so a request that arrives later never passes one queued).
   */
  #pipelineNextWaiter(worker: PhpWorker): void {
    if (!worker.currentQuick || this.#waitersHead >= this.#waiters.length || !this.pipelines || !this.#pipelineWhen()) return;
    const waiter = this.#nextWaiter();
    if (waiter === null) return;
    this.#serving.delete(worker);
    this.#putBehind(worker, waiter.quick);
    waiter.resolve(worker);
  }

  /** Its current response streams: nothing more is pipelined behind it until it ends. */
  streaming(worker: PhpWorker): void {
    worker.streaming = true;
    this.#serving.delete(worker);
  }

  /**
   * Reserves a worker: an idle one, else (pipelining) a busy one with room behind its current
   * request, else a place in the queue that resolves in arrival order, or rejects at once with
   * QUEUE_FULL when MAX_QUEUE are waiting. `urgent` (a request handed back unrun) goes ahead of
   * the queue; `quick`: the request's route is known to answer quickly, so one may go behind it.
   */
  acquire(urgent = false, quick = false): PhpWorker | QueuedAcquire {
    if (this.#closed) return rejected(this.#closed);
    const worker = this.#idle.pop();
    if (worker !== undefined) {
      worker.moveTo('busy');
      worker.inFlight = 1;
      this.#nowServing(worker, quick);
      return worker;
    }
    // Behind a busy worker only when nobody is queued, or for a request handed back: the queue
    // is served in arrival order.
    const behind = this.#waiting === 0 || urgent ? this.#pipelineTarget() : null;
    if (behind !== null) {
      this.#putBehind(behind, quick);
      this.emit('pressure', this.#waiting);
      return behind;
    }
    if (this.#waiting >= this.#maxQueue && !urgent) {
      return rejected(new BridgeError('QUEUE_FULL', `all PHP workers are busy and ${this.#waiting} requests are already waiting (MAX_QUEUE=${this.#maxQueue})`));
    }
    let waiter!: Waiter;
    const promise = new Promise<PhpWorker>((resolve, reject) => {
      waiter = { quick, resolve, reject, cancelled: false };
    });
    if (urgent && this.#waitersHead > 0) this.#waiters[--this.#waitersHead] = waiter;
    else if (urgent) this.#waiters.unshift(waiter);
    else this.#waiters.push(waiter);
    this.#waiting++;
    this.emit('pressure', this.#waiting);
    return {
      promise,
      cancel: () => {
        if (waiter.cancelled) return;
        waiter.cancelled = true;
        this.#waiting--;
      },
    };
  }

  /** Takes one specific idle worker out of rotation (a health check). False when it is not idle. */
  take(worker: PhpWorker): boolean {
    const index = this.#idle.indexOf(worker);
    if (index === -1) return false;
    this.#idle.splice(index, 1);
    worker.moveTo('busy');
    worker.inFlight = 1;
    return true;
  }

  /** Forgets a worker that is leaving the pool (it is no longer offered to anyone). */
  forget(worker: PhpWorker): void {
    const index = this.#idle.indexOf(worker);
    if (index !== -1) this.#idle.splice(index, 1);
    this.#serving.delete(worker);
  }

  /** Rejects every waiter (shutdown). */
  rejectWaiters(err: BridgeError): void {
    const waiters = this.#waiters.slice(this.#waitersHead);
    this.#waiters = [];
    this.#waitersHead = 0;
    this.#waiting = 0;
    for (const waiter of waiters) if (!waiter.cancelled) waiter.reject(err);
  }

  close(err: BridgeError): void {
    this.#closed = err;
    this.rejectWaiters(err);
  }

  /** The oldest waiter still waiting, taken off the queue; null when none waits. */
  #nextWaiter(): Waiter | null {
    while (this.#waitersHead < this.#waiters.length) {
      const waiter = this.#waiters[this.#waitersHead]!;
      this.#waiters[this.#waitersHead] = undefined as never;
      this.#waitersHead++;
      if (this.#waitersHead > 1024 && this.#waitersHead * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#waitersHead);
        this.#waitersHead = 0;
      }
      if (waiter.cancelled) continue;
      this.#waiting--;
      return waiter;
    }
    return null;
  }

  /** The worker began a new current request: one may go behind it, if quick, for PIPELINE_WINDOW_MS. */
  #nowServing(worker: PhpWorker, quick: boolean): void {
    worker.currentSince = performance.now();
    worker.currentQuick = quick;
    this.#serving.delete(worker);
    if (quick) this.#serving.add(worker);
  }

  /** A request goes behind the worker's current one. */
  #putBehind(worker: PhpWorker, quick: boolean): void {
    worker.inFlight = 2;
    worker.nextQuick = quick;
    this.pipelinedTotal++;
  }

  /**
   * The busy worker whose current request, of a quick route, began last (a slow request is more
   * likely the older one) and less than PIPELINE_WINDOW_MS ago, and that can take one behind it;
   * null when pipelining is off or not worth it now.
   */
  #pipelineTarget(): PhpWorker | null {
    if (this.#serving.size === 0 || !this.pipelines || !this.#pipelineWhen()) return null;
    const since = performance.now() - this.#pipelineWindowMs;
    let target: PhpWorker | null = null;
    for (const worker of this.#serving) {
      if (worker.state !== 'busy' || worker.inFlight !== 1 || worker.streaming || worker.currentSince < since) {
        // One too old now stays too old until its next request, which adds it again.
        this.#serving.delete(worker);
        continue;
      }
      target = worker; // in the order their requests began: the last one seen is the youngest
    }
    if (target !== null) this.#serving.delete(target);
    return target;
  }
}

function rejected(err: BridgeError): QueuedAcquire {
  return { promise: Promise.reject(err), cancel: () => undefined };
}
