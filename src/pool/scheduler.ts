/**
 * The main thread's view of the PHP workers: which are idle, which are busy, and who is waiting.
 * A request first reserves a worker here, then a thread carries it over that thread's own
 * connection. Keeping the choice in one place means no thread can queue behind a busy worker
 * while another worker sits idle, and the wait queue has one bound for the whole server.
 */
import { EventEmitter } from 'node:events';
import { BridgeError } from '../errors.js';

export interface WorkerSlot {
  readonly id: number;
  readonly pid: number;
  readonly socketPath: string;
  /** Requests finished by this worker. */
  served: number;
  /** When it last became idle (for scaling down). */
  idleSince: number;
  state: 'idle' | 'busy' | 'retiring';
}

interface Waiter {
  resolve: (slot: WorkerSlot) => void;
  reject: (err: BridgeError) => void;
  /** Its client left or its time ran out: skip it, and do not count it against MAX_QUEUE. */
  cancelled: boolean;
}

/** A place in the wait queue; `cancel()` gives it up (the promise then never settles). */
export interface QueuedAcquire {
  promise: Promise<WorkerSlot>;
  cancel(): void;
}

export interface SchedulerEvents {
  /** A request had to wait: the supervisor may start another worker. */
  pressure: [waiting: number];
  /** A worker left the pool (stopping, killed, retired): the supervisor may replace it. */
  removed: [slot: WorkerSlot];
}

export class WorkerScheduler extends EventEmitter<SchedulerEvents> {
  readonly #maxQueue: number;
  readonly #slots = new Map<number, WorkerSlot>();
  /** LIFO: the most recently used worker has the warmest caches. */
  readonly #idle: WorkerSlot[] = [];
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

  get size(): number {
    return this.#slots.size;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  slots(): IterableIterator<WorkerSlot> {
    return this.#slots.values();
  }

  /** A worker is ready: hand it to the oldest waiter, or park it as idle. */
  add(slot: WorkerSlot): void {
    this.#slots.set(slot.id, slot);
    this.#makeAvailable(slot);
  }

  /**
   * Reserves an idle worker. Returns it at once when one is idle, otherwise a promise that
   * resolves in arrival order, or rejects at once with QUEUE_FULL when MAX_QUEUE are waiting.
   */
  acquire(): WorkerSlot | QueuedAcquire {
    if (this.#closed) return rejected(this.#closed);
    const slot = this.#idle.pop();
    if (slot !== undefined) {
      slot.state = 'busy';
      return slot;
    }
    if (this.#waiting >= this.#maxQueue) {
      return rejected(new BridgeError('QUEUE_FULL', `all PHP workers are busy and ${this.#waiting} requests are already waiting (MAX_QUEUE=${this.#maxQueue})`));
    }
    let waiter!: Waiter;
    const promise = new Promise<WorkerSlot>((resolve, reject) => {
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

  /** The request on `slot` is done. `stopping`: the worker announced it exits now. */
  release(slot: WorkerSlot, stopping = false): void {
    if (stopping || slot.state === 'retiring') {
      this.remove(slot.id);
      return;
    }
    if (!this.#slots.has(slot.id)) return;
    this.#makeAvailable(slot);
  }

  /**
   * Takes one specific idle worker out of rotation (for a health check or retirement).
   * Returns false when it is busy or gone.
   */
  take(slot: WorkerSlot): boolean {
    const index = this.#idle.indexOf(slot);
    if (index === -1) return false;
    this.#idle.splice(index, 1);
    slot.state = 'busy';
    return true;
  }

  /** Marks a worker to leave the pool when its current request ends (or now, if idle). */
  retire(id: number): WorkerSlot | undefined {
    const slot = this.#slots.get(id);
    if (slot === undefined) return undefined;
    if (slot.state === 'idle') {
      this.remove(id);
    } else {
      slot.state = 'retiring';
    }
    return slot;
  }

  /** Forgets a worker that exited or was killed. */
  remove(id: number): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return;
    this.#slots.delete(id);
    slot.state = 'retiring';
    const index = this.#idle.indexOf(slot);
    if (index !== -1) this.#idle.splice(index, 1);
    this.emit('removed', slot);
  }

  /** Rejects every waiter (shutdown, or no worker can be started). */
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

  #makeAvailable(slot: WorkerSlot): void {
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
      slot.state = 'busy';
      waiter.resolve(slot);
      return;
    }
    slot.state = 'idle';
    slot.idleSince = Date.now();
    this.#idle.push(slot);
  }
}

function rejected(err: BridgeError): QueuedAcquire {
  return { promise: Promise.reject(err), cancel: () => undefined };
}
