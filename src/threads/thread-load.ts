/**
 * Per-thread load (WORKER_THREADS > 0): each thread counts its own exchanges with PHP in shared
 * memory, and the main thread reads the counts when metrics or the status page are asked for.
 * Piscina decides which thread runs a task, so only the thread knows; shared counters cost one
 * Atomics.add per exchange edge and no messages.
 *
 * Layout (Int32Array over a SharedArrayBuffer): [0] next free slot, then per slot
 * [threadId, in flight, exchanges finished]. A thread claims a slot at start; there are
 * SLOTS_PER_THREAD slots per configured thread so a few replaced (crashed) threads still find
 * one; a thread that finds none is simply not counted.
 */
const SLOTS_PER_THREAD = 4;
const FIELDS = 3;

export interface ThreadLoad {
  threadId: number;
  inFlight: number;
  exchanges: number;
}

/** The main thread's side: allocates the board and reads it. */
export class ThreadLoadBoard {
  readonly shared: SharedArrayBuffer;
  readonly #view: Int32Array;
  readonly #slots: number;

  constructor(threads: number) {
    this.#slots = Math.max(1, threads * SLOTS_PER_THREAD);
    this.shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (1 + this.#slots * FIELDS));
    this.#view = new Int32Array(this.shared);
  }

  /** The counts of the threads in `live` (threadIds of the pool's current threads). */
  read(live: ReadonlySet<number>): ThreadLoad[] {
    const used = Math.min(this.#slots, Atomics.load(this.#view, 0));
    const out: ThreadLoad[] = [];
    for (let slot = 0; slot < used; slot++) {
      const base = 1 + slot * FIELDS;
      const threadId = Atomics.load(this.#view, base);
      if (!live.has(threadId)) continue;
      out.push({ threadId, inFlight: Atomics.load(this.#view, base + 1), exchanges: Atomics.load(this.#view, base + 2) });
    }
    return out;
  }
}

/** A thread's side: its slot on the board. */
export class ThreadLoadSlot {
  readonly #view: Int32Array;
  readonly #base: number;

  constructor(shared: SharedArrayBuffer, threadId: number) {
    this.#view = new Int32Array(shared);
    const slots = (this.#view.length - 1) / FIELDS;
    const slot = Atomics.add(this.#view, 0, 1);
    // No slot left: -1 turns enter/leave into no-ops.
    this.#base = slot < slots ? 1 + slot * FIELDS : -1;
    if (this.#base !== -1) Atomics.store(this.#view, this.#base, threadId);
  }

  enter(): void {
    if (this.#base !== -1) Atomics.add(this.#view, this.#base + 1, 1);
  }

  leave(): void {
    if (this.#base === -1) return;
    Atomics.sub(this.#view, this.#base + 1, 1);
    Atomics.add(this.#view, this.#base + 2, 1);
  }
}
