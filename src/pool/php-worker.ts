/**
 * The one record of one PHP worker process, and its one state machine. The supervisor creates
 * it and decides its fate; the scheduler moves it between idle and busy; nothing else writes
 * its state. Every change goes through `moveTo`, which refuses a transition the table does not
 * allow, so a path that forgets a worker (leaves it busy, or retiring but never stopped) shows
 * up as an error instead of a worker that silently sits out of rotation.
 *
 *   booting ──ready──▶ idle ◀──release── busy
 *      │                 │ ──acquire/take──▶ │
 *      │                 │                   ├──retire──▶ draining ──request done──▶ stopping
 *      │                 └──retire/kill──────┴──kill / it said it stops──────────────▶ stopping
 *      └──boot failed, retired while booting──────────────────────────────────────▶ stopping
 *   any state ──process exit──▶ exited
 */

export type WorkerState = 'booting' | 'idle' | 'busy' | 'draining' | 'stopping' | 'exited';

const TRANSITIONS: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  booting: ['idle', 'stopping', 'exited'],
  idle: ['busy', 'stopping', 'exited'],
  busy: ['idle', 'draining', 'stopping', 'exited'],
  draining: ['stopping', 'exited'],
  stopping: ['exited'],
  exited: [],
};

/**
 * Why a worker left (or is leaving) the pool: the status table and the logs say it.
 * `recycled`: it said so itself (its MAX_REQUESTS or memory limit, exit() or a fatal error);
 * `memory`: the health check found it over WORKER_MEMORY_LIMIT.
 */
export type LeaveReason = 'crash' | 'timeout' | 'broken' | 'recycled' | 'memory' | 'reload' | 'idle' | 'boot-failed' | 'shutdown';

export class WorkerStateError extends Error {
  constructor(id: number, from: WorkerState, to: WorkerState) {
    super(`PHP worker ${id}: no transition from ${from} to ${to}`);
    this.name = 'WorkerStateError';
  }
}

export class PhpWorker {
  readonly id: number;
  readonly socketPath: string;
  readonly startedAt = Date.now();
  /** The PHP process's pid, known once it is ready (it may differ from the spawned pid under artisan). */
  pid: number | null = null;
  /** Requests this worker finished. */
  served = 0;
  /** When it last became idle (for scaling down). */
  idleSince = Date.now();
  /** Set when it starts leaving the pool. */
  leaveReason: LeaveReason | null = null;
  /**
   * What it has been handed and not yet finished: its current request (or health ping) and the
   * requests pipelined behind it, waiting on its socket (at most PIPELINE_DEPTH; src/pool/scheduler.ts).
   */
  inFlight = 0;
  /** Its current response streams: nothing is pipelined behind it (a stream may never end). */
  streaming = false;
  /** When its current request began (performance.now()), for PIPELINE_WINDOW_MS. */
  currentSince = 0;
  /** Its current request's expected service time in ms (src/pool/quick-routes.ts); null: slow or unknown. */
  currentEstimate: number | null = null;
  /** The same for each request pipelined behind it, in the order they will run. */
  behind: (number | null)[] = [];
  #state: WorkerState = 'booting';

  constructor(id: number, socketPath: string) {
    this.id = id;
    this.socketPath = socketPath;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Counts toward the pool's size: serving, or about to. */
  get live(): boolean {
    return this.#state === 'booting' || this.#state === 'idle' || this.#state === 'busy';
  }

  /** Can take requests now or once its current one ends. */
  get ready(): boolean {
    return this.#state === 'idle' || this.#state === 'busy';
  }

  /**
   * One of the requests it was handed is over: its current one (answered, or given back unused),
   * or (`current` false) one pipelined behind it, which it handed back without running it. How many are left.
   */
  finishOne(current = true): number {
    if (this.inFlight > 0) this.inFlight--;
    if (current) this.streaming = false;
    else this.behind.pop();
    return this.inFlight;
  }

  canMoveTo(to: WorkerState): boolean {
    return TRANSITIONS[this.#state].includes(to);
  }

  moveTo(to: WorkerState): void {
    if (!this.canMoveTo(to)) throw new WorkerStateError(this.id, this.#state, to);
    this.#state = to;
    if (to === 'idle') this.idleSince = Date.now();
  }
}
