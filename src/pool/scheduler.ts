/**
 * Which PHP worker takes the next request: the idle ones (a stack), the busy ones that can take
 * more behind their current request (pipelining), and the requests waiting for a worker (a
 * bounded FIFO). A request first reserves a worker here, then the dispatcher carries it over a
 * connection. Keeping the choice in one place means no thread can queue behind a busy worker
 * while another worker sits idle, and the wait queue has one bound for the whole server.
 *
 * Pipelining: when no worker is idle, a request is sent at once to the busy worker where it is
 * expected to start soonest, if that is within PIPELINE_WINDOW_MS (a tenth of it while the CPU
 * has room, when the pool may grow instead): the expected start adds up the quick routes'
 * average service times of the requests ahead of it (src/pool/quick-routes.ts), so it is only
 * ever behind requests of routes known to answer quickly, never behind more than PIPELINE_DEPTH
 * of them, never behind a current request begun more than the window ago, and never behind a
 * streamed response. The worker finds the requests waiting on its socket and serves them one
 * after the other without sleeping, and Node writes them and reads their answers in batches
 * (docs/PERFORMANCE.md measures what each buys). A worker that starts streaming hands the
 * requests behind it back without running them (a RETRY error, src/codec/FRAME.md); so does one
 * that dies or stops first: their callers then reserve a worker again, ahead of the queue.
 *
 * The scheduler moves workers between `idle` and `busy` and counts their requests in flight;
 * whether a worker joins, stays or leaves is the supervisor's decision (src/supervisor/supervisor.ts).
 */
import { EventEmitter } from 'node:events';
import { BridgeError } from '../errors.js';
import type { PhpWorker } from './php-worker.js';

interface Waiter {
  /** Its route's expected service time (ms) when known to be quick; null: nothing may be pipelined behind it. */
  estimate: number | null;
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
   * PIPELINE_WINDOW_MS: a request is pipelined only where it is expected to start within this
   * long, behind a current request begun less than this long ago (0 = never): a slow request
   * (a report, an API call) collects none after its first moments.
   */
  pipelineWindowMs: number;
  /** PIPELINE_DEPTH: most requests pipelined behind one worker's current one (default 1). */
  pipelineDepth?: number;
  /**
   * Whether the CPU is full now (default: always): the supervisor's reading. Then another
   * worker would not run sooner, and a request may wait up to the whole window behind others;
   * with CPU to spare only a tenth of it: longer waits queue, and the pool grows.
   */
  cpuFull?: () => boolean;
  /**
   * Up to this many busy workers (the core count), an idle worker takes a request before it is
   * pipelined; past it, a request goes behind a busy worker when it would start within the
   * window, and wakes another idle one only when not: more busy processes than cores only take
   * turns on them, and each wake-up costs Node a system call and the worker its warm caches.
   * Default: no limit (an idle worker always first).
   */
  spreadUpTo?: number;
}

/** The share of PIPELINE_WINDOW_MS a pipelined request may be expected to wait while the CPU has room. */
const SPARE_CPU_WINDOW_SHARE = 0.1;

export class WorkerScheduler extends EventEmitter<SchedulerEvents> {
  readonly #maxQueue: number;
  readonly #pipelineWindowMs: number;
  readonly #pipelineDepth: number;
  readonly #cpuFull: () => boolean;
  readonly #spreadUpTo: number;
  /** Workers handed a request and not yet idle again (busy or draining). */
  readonly #busy = new Set<PhpWorker>();
  /** LIFO: the most recently used worker has the warmest caches. */
  readonly #idle: PhpWorker[] = [];
  /**
   * Busy workers whose current request is of a quick route: where a request may be pipelined.
   * Entries that stopped qualifying (draining, streaming, full, too old) are dropped when met;
   * a worker is added again when its next request becomes current.
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
    this.#pipelineDepth = options.pipelineDepth ?? 1;
    this.#cpuFull = options.cpuFull ?? (() => true);
    this.#spreadUpTo = options.spreadUpTo ?? Infinity;
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
      this.#busy.add(worker);
      worker.inFlight = 1;
      this.#nowServing(worker, waiter.estimate);
      waiter.resolve(worker);
      this.#pipelineWaiters(worker);
      return;
    }
    if (worker.state === 'busy') worker.moveTo('idle');
    this.#serving.delete(worker);
    this.#busy.delete(worker);
    this.#idle.push(worker);
  }

  /**
   * One request of a busy worker is over: its current one (`current`), or one pipelined behind
   * it, handed back unrun. With nothing left it is offered; with the next pipelined request now
   * current, the oldest waiters may go behind it.
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
    // The first request pipelined behind it is current now.
    this.#nowServing(worker, worker.behind.shift() ?? null);
    this.#pipelineWaiters(worker);
  }

  /**
   * A worker just began a request: the oldest waiters go behind it while it can take them, as
   * a newcomer would (so a request that arrives later never passes one queued).
   */
  #pipelineWaiters(worker: PhpWorker): void {
    if (worker.currentEstimate === null || !this.pipelines) return;
    const limit = this.#waitLimitMs();
    while (this.#waitersHead < this.#waiters.length && this.#expectedWaitMs(worker, performance.now()) < limit) {
      const waiter = this.#nextWaiter();
      if (waiter === null) return;
      this.#putBehind(worker, waiter.estimate);
      waiter.resolve(worker);
    }
  }

  /** Its current response streams: nothing more is pipelined behind it until it ends. */
  streaming(worker: PhpWorker): void {
    worker.streaming = true;
    this.#serving.delete(worker);
  }

  /**
   * Reserves a worker: an idle one while fewer than `spreadUpTo` are busy, else (pipelining) the
   * busy one where it would start soonest, within the window, else an idle one, else a place in
   * the queue that resolves in arrival order, or rejects at once with QUEUE_FULL when MAX_QUEUE
   * are waiting. `urgent` (a request handed back unrun) goes
   * ahead of the queue; `estimate`: the request's expected service time in ms when its route is
   * known to answer quickly (null: nothing may be pipelined behind it).
   */
  acquire(urgent = false, estimate: number | null = null): PhpWorker | QueuedAcquire {
    if (this.#closed) return rejected(this.#closed);
    if (this.#idle.length > 0 && this.#busy.size < this.#spreadUpTo) return this.#takeIdle(estimate);
    // Behind a busy worker only when nobody is queued, or for a request handed back: the queue
    // is served in arrival order.
    const behind = this.#waiting === 0 || urgent ? this.#pipelineTarget() : null;
    if (behind !== null) {
      this.#putBehind(behind, estimate);
      this.emit('pressure', this.#waiting);
      return behind;
    }
    if (this.#idle.length > 0) return this.#takeIdle(estimate);
    if (this.#waiting >= this.#maxQueue && !urgent) {
      return rejected(new BridgeError('QUEUE_FULL', `all PHP workers are busy and ${this.#waiting} requests are already waiting (MAX_QUEUE=${this.#maxQueue})`));
    }
    let waiter!: Waiter;
    const promise = new Promise<PhpWorker>((resolve, reject) => {
      waiter = { estimate, resolve, reject, cancelled: false };
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

  /** The idle worker used most recently (the warmest caches) begins the request. */
  #takeIdle(estimate: number | null): PhpWorker {
    const worker = this.#idle.pop()!;
    worker.moveTo('busy');
    this.#busy.add(worker);
    worker.inFlight = 1;
    this.#nowServing(worker, estimate);
    return worker;
  }

  /** Takes one specific idle worker out of rotation (a health check). False when it is not idle. */
  take(worker: PhpWorker): boolean {
    const index = this.#idle.indexOf(worker);
    if (index === -1) return false;
    this.#idle.splice(index, 1);
    this.#busy.add(worker);
    worker.moveTo('busy');
    worker.inFlight = 1;
    worker.currentEstimate = null; // nothing goes behind a health ping
    return true;
  }

  /** Forgets a worker that is leaving the pool (it is no longer offered to anyone). */
  forget(worker: PhpWorker): void {
    const index = this.#idle.indexOf(worker);
    if (index !== -1) this.#idle.splice(index, 1);
    this.#serving.delete(worker);
    this.#busy.delete(worker);
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

  /** The worker began a new current request: requests may go behind it if it is quick. */
  #nowServing(worker: PhpWorker, estimate: number | null): void {
    worker.currentSince = performance.now();
    worker.currentEstimate = estimate;
    if (estimate !== null) this.#serving.add(worker);
    else this.#serving.delete(worker);
  }

  /** A request goes behind the worker's current one and those already behind it. */
  #putBehind(worker: PhpWorker, estimate: number | null): void {
    worker.inFlight++;
    worker.behind.push(estimate);
    this.pipelinedTotal++;
  }

  /** How long a request may be expected to wait behind others: the window, or a tenth of it while the CPU has room. */
  #waitLimitMs(): number {
    return this.#cpuFull() ? this.#pipelineWindowMs : this.#pipelineWindowMs * SPARE_CPU_WINDOW_SHARE;
  }

  /**
   * When a request sent to this worker now would start, in ms from now: what is left of its
   * current request's average, plus the averages of those behind it. Infinity where it cannot
   * take one: not busy, streaming, full (PIPELINE_DEPTH), its current request begun more than
   * the window ago, or a request of a route not known to be quick ahead.
   */
  #expectedWaitMs(worker: PhpWorker, now: number): number {
    if (worker.state !== 'busy' || worker.streaming || worker.currentEstimate === null) return Infinity;
    if (worker.behind.length >= this.#pipelineDepth) return Infinity;
    const running = now - worker.currentSince;
    if (running >= this.#pipelineWindowMs) return Infinity;
    let wait = Math.max(0, worker.currentEstimate - running);
    for (const estimate of worker.behind) {
      if (estimate === null) return Infinity;
      wait += estimate;
    }
    return wait;
  }

  /**
   * The busy worker where a request would start soonest, within the wait limit; null when
   * pipelining is off or no worker can take one. Workers that can take none until their next
   * request are dropped from the candidates.
   */
  #pipelineTarget(): PhpWorker | null {
    if (this.#serving.size === 0 || !this.pipelines) return null;
    const now = performance.now();
    let limit = this.#waitLimitMs();
    let target: PhpWorker | null = null;
    for (const worker of this.#serving) {
      const wait = this.#expectedWaitMs(worker, now);
      if (wait === Infinity) {
        // It stays unable (full, too old, streaming, leaving) until its next request begins, which adds it again.
        this.#serving.delete(worker);
        continue;
      }
      if (wait < limit) {
        target = worker;
        limit = wait;
      }
    }
    return target;
  }
}

function rejected(err: BridgeError): QueuedAcquire {
  return { promise: Promise.reject(err), cancel: () => undefined };
}
