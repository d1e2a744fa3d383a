/**
 * Which PHP worker takes the next request: the idle ones (a stack) and the requests waiting for
 * one (a bounded FIFO). A request first reserves a worker here, then the dispatcher carries it
 * over a connection. Keeping the choice in one place means no thread can queue behind a busy
 * worker while another worker sits idle, and the wait queue has one bound for the whole server.
 *
 * The scheduler moves workers between `idle` and `busy` and nothing else: whether a worker
 * joins, stays or leaves is the supervisor's decision (src/supervisor/supervisor.ts).
 */
import { EventEmitter } from 'node:events';
import { BridgeError } from '../errors.js';
import type { PhpWorker } from './php-worker.js';

interface Waiter {
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
  /** A request had to wait: the supervisor may start another worker. */
  pressure: [waiting: number];
}

export class WorkerScheduler extends EventEmitter<SchedulerEvents> {
  readonly #maxQueue: number;
  /** LIFO: the most recently used worker has the warmest caches. */
  readonly #idle: PhpWorker[] = [];
  /** FIFO of requests waiting for a worker; bounded by MAX_QUEUE. */
  #waiters: Waiter[] = [];
  #waitersHead = 0;
  #waiting = 0;
  #closed: BridgeError | null = null;

  constructor(maxQueue: number) {
    super();
    this.#maxQueue = maxQueue;
  }

  get waiting(): number {
    return this.#waiting;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** The worker is free (it just booted, or its request ended): the oldest waiter gets it, else it idles. */
  offer(worker: PhpWorker): void {
    if (worker.state === 'booting') worker.moveTo('idle');
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
      if (worker.state === 'idle') worker.moveTo('busy');
      waiter.resolve(worker);
      return;
    }
    if (worker.state === 'busy') worker.moveTo('idle');
    this.#idle.push(worker);
  }

  /**
   * Reserves an idle worker. Returns it at once when one is idle, otherwise a promise that
   * resolves in arrival order, or rejects at once with QUEUE_FULL when MAX_QUEUE are waiting.
   */
  acquire(): PhpWorker | QueuedAcquire {
    if (this.#closed) return rejected(this.#closed);
    const worker = this.#idle.pop();
    if (worker !== undefined) {
      worker.moveTo('busy');
      return worker;
    }
    if (this.#waiting >= this.#maxQueue) {
      return rejected(new BridgeError('QUEUE_FULL', `all PHP workers are busy and ${this.#waiting} requests are already waiting (MAX_QUEUE=${this.#maxQueue})`));
    }
    let waiter!: Waiter;
    const promise = new Promise<PhpWorker>((resolve, reject) => {
      waiter = { resolve, reject, cancelled: false };
    });
    this.#waiters.push(waiter);
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
    return true;
  }

  /** Forgets a worker that is leaving the pool (it is no longer offered to anyone). */
  forget(worker: PhpWorker): void {
    const index = this.#idle.indexOf(worker);
    if (index !== -1) this.#idle.splice(index, 1);
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
}

function rejected(err: BridgeError): QueuedAcquire {
  return { promise: Promise.reject(err), cancel: () => undefined };
}
