/**
 * Keeps the right number of PHP workers alive and decides each one's fate: SOCKET_POOL_MIN at
 * rest, up to SOCKET_POOL_MAX while requests wait, replaced when they crash, exit or are
 * recycled, retried with backoff when they cannot boot, pinged while idle, and stopped on
 * shutdown. Every worker is one PhpWorker record (src/pool/php-worker.ts) in one map here;
 * `settle` is the one place that turns the end of a request into release, retire or kill.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { BridgeError } from '../errors.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExchangeOutcome } from '../pool/connection.js';
import { ConnectionTable } from '../pool/connection-table.js';
import { PhpWorker, type LeaveReason } from '../pool/php-worker.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import { CpuIdleMeter } from './cpu-idle.js';
import { spawnPhpWorker, workerCommand } from './php-process.js';
import { claimSocketPath, listWorkerSockets, prepareWorkerSocketDir, removeQuietly, removeWorkerSocketDir, workerSocketPath } from './socket-files.js';

/** Booting Laravel is CPU-heavy: starting many at once on a small machine slows all of them. */
const MAX_CONCURRENT_BOOTS = 2;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/**
 * How many requests before MAX_REQUESTS a worker's replacement starts booting: 1 % of the limit,
 * between 1 and 1,000 (at 1,000 Laravel requests a second per worker, a second ahead; a boot
 * takes a few hundred milliseconds).
 */
export function replacementLead(maxRequests: number): number {
  return Math.min(1_000, Math.max(1, Math.ceil(maxRequests / 100)));
}

export interface WorkerStatus {
  id: number;
  pid: number | null;
  state: PhpWorker['state'];
  served: number;
  ageMs: number;
  leaveReason: LeaveReason | null;
}

export class Supervisor {
  readonly #config: Config;
  readonly #scheduler: WorkerScheduler;
  readonly #log: Logger;
  readonly #workers = new Map<number, PhpWorker>();
  readonly #processes = new Map<number, ChildProcess>();
  readonly #healthConnections: ConnectionTable;
  #nextId = 1;
  #bootFailures = 0;
  #backoffTimer: NodeJS.Timeout | null = null;
  #maintenanceTimer: NodeJS.Timeout | null = null;
  #healthTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #reloading: Promise<{ replaced: number }> | null = null;
  readonly #cpuIdle = new CpuIdleMeter();
  /** Read once: each availableParallelism() is a sched_getaffinity system call, and growth is asked about per waiting request. */
  readonly #cores = availableParallelism();
  /** The request count at which a worker's replacement starts booting (0: MAX_REQUESTS is off). */
  readonly #replaceAt: number;
  /** Told of every worker whose process is gone, its leaveReason set (metrics, status). */
  onWorkerExit: ((worker: PhpWorker) => void) | null = null;

  constructor(config: Config, scheduler: WorkerScheduler, log: Logger) {
    this.#config = config;
    this.#scheduler = scheduler;
    this.#log = log.child({ component: 'supervisor' });
    this.#healthConnections = new ConnectionTable(config.connectTimeoutMs);
    this.#replaceAt = config.maxRequests > 0 ? config.maxRequests - replacementLead(config.maxRequests) : 0;
    scheduler.on('pressure', () => this.#grow());
  }

  /** Workers that are serving or about to (not the ones on their way out). */
  get liveCount(): number {
    let n = 0;
    for (const worker of this.#workers.values()) if (worker.live) n++;
    return n;
  }

  get readyCount(): number {
    let n = 0;
    for (const worker of this.#workers.values()) if (worker.ready) n++;
    return n;
  }

  /** Removes stale worker sockets, starts SOCKET_POOL_MIN workers and waits for the first one. */
  async start(): Promise<void> {
    prepareWorkerSocketDir(this.#config.socketPath);
    for (const path of listWorkerSockets(this.#config.socketPath)) {
      await claimSocketPath(path, 'SOCKET_PATH');
    }
    const { entry } = workerCommand(this.#config);
    this.#log.info(
      { laravelPath: this.#config.laravelPath, entry, handler: this.#config.phpHandler, min: this.#config.poolMin, max: this.#config.poolMax },
      'starting PHP workers',
    );
    const first: Promise<number>[] = [];
    for (let i = 0; i < this.#config.poolMin; i++) {
      const ready = this.#spawn();
      if (ready) first.push(ready);
    }
    // Serve as soon as one worker is up; the others join the pool as they finish booting.
    await Promise.any(first).catch(() => {
      this.#log.error('no PHP worker could start yet; retrying with backoff (see the PHP errors above)');
    });

    this.#maintenanceTimer = setInterval(() => this.#shrinkIdle(), Math.min(5_000, this.#config.poolIdleTimeoutMs));
    this.#maintenanceTimer.unref();
    if (this.#config.healthCheckIntervalMs > 0) {
      this.#healthTimer = setInterval(() => void this.healthCheck(), this.#config.healthCheckIntervalMs);
      this.#healthTimer.unref();
    }
  }

  /**
   * A request on `worker` is over on the PHP side: the one place that decides what happens to
   * the worker next. In step and not stopping: back to the pool (or, if it was retired
   * meanwhile, stopped now). Broken: killed and replaced. Said it stops: left to exit.
   */
  settle(worker: PhpWorker, outcome: ExchangeOutcome): void {
    if (outcome.kind === 'retry') {
      // The worker handed back the request pipelined behind its current one, unrun: its caller
      // reserves another worker; this one carries on with its current request (or is leaving).
      this.#scheduler.handedBackTotal++;
      this.giveBack(worker, false);
      return;
    }
    if (worker.state !== 'busy' && worker.state !== 'draining') return; // already killed or gone
    worker.served++;
    if (worker.served === this.#replaceAt) this.#bootReplacementFor(worker);
    if (outcome.kind === 'broken') {
      this.kill(worker, 'broken', outcome.error.message);
      return;
    }
    if (outcome.kind === 'done' && outcome.stopping) {
      // It recycles itself (MAX_REQUESTS, its memory limit, exit() or a fatal error): it exits now.
      this.#leave(worker, worker.leaveReason ?? 'recycled');
      return;
    }
    if (outcome.kind === 'lost') {
      this.#log.warn({ worker: worker.id, code: outcome.error.code }, `request lost on our side; the PHP worker stays: ${outcome.error.message}`);
    }
    this.giveBack(worker);
  }

  /**
   * One request reserved on a worker is over, or no longer needs it (`current` false: the one
   * pipelined behind its current request, handed back unrun). A draining worker is stopped once
   * nothing is left in flight on it.
   */
  giveBack(worker: PhpWorker, current = true): void {
    if (worker.state === 'draining') {
      if (worker.finishOne(current) === 0) this.#stopProcess(worker, 'SIGTERM');
    } else if (worker.state === 'busy') {
      this.#scheduler.release(worker, current);
    }
  }

  /** Kills a worker at once (its request overran REQUEST_TIMEOUT, or it broke the protocol). */
  kill(worker: PhpWorker, reason: LeaveReason, detail: string): void {
    if (worker.state === 'stopping' || worker.state === 'exited') return;
    this.#log.warn({ worker: worker.id, pid: worker.pid, leave: reason, reason: detail }, 'killing PHP worker');
    this.#leave(worker, reason);
    this.#stopProcess(worker, 'SIGKILL');
  }

  /**
   * Replaces every worker with a fresh one running the app's current code, one at a time: the
   * new worker boots first, then the old one leaves once its current request is done, so no
   * request fails. If a new worker cannot boot (broken code), the reload stops and the old
   * workers keep serving.
   */
  async reload(): Promise<{ replaced: number }> {
    if (this.#reloading) return this.#reloading;
    const run = async (): Promise<{ replaced: number }> => {
      const old = [...this.#workers.values()].filter((worker) => worker.live);
      this.#log.info({ workers: old.length }, 'reload: replacing PHP workers one by one');
      let replaced = 0;
      for (const worker of old) {
        if (this.#stopping) break;
        const fresh = this.#spawn();
        if (fresh === null) break;
        try {
          await fresh;
        } catch (err) {
          this.#log.error(`reload stopped: a new PHP worker failed to start (${(err as Error).message}); the old workers keep serving`);
          throw new Error(`reload failed: ${(err as Error).message}`);
        }
        this.retire(worker, 'reload');
        replaced++;
      }
      this.#log.info({ replaced }, 'reload: done');
      return { replaced };
    };
    this.#reloading = run().finally(() => {
      this.#reloading = null;
    });
    return this.#reloading;
  }

  /** Takes a worker out of rotation: stopped now if idle or booting, else once its request ends. */
  retire(worker: PhpWorker, reason: LeaveReason): void {
    switch (worker.state) {
      case 'busy':
        worker.leaveReason = reason;
        worker.moveTo('draining');
        this.#reconcile();
        return;
      case 'idle':
      case 'booting':
        this.#leave(worker, reason);
        this.#stopProcess(worker, 'SIGTERM');
        return;
      default:
        return; // already on its way out
    }
  }

  /** A snapshot for the control socket's `status` command. */
  status(): WorkerStatus[] {
    const now = Date.now();
    return [...this.#workers.values()].map((worker) => ({
      id: worker.id,
      pid: worker.pid,
      state: worker.state,
      served: worker.served,
      ageMs: now - worker.startedAt,
      leaveReason: worker.leaveReason,
    }));
  }

  /** The records, for tests and the status view. */
  workers(): IterableIterator<PhpWorker> {
    return this.#workers.values();
  }

  /** Stops every worker: SIGTERM, then SIGKILL for any still running after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    for (const timer of [this.#backoffTimer, this.#maintenanceTimer, this.#healthTimer]) if (timer) clearTimeout(timer);
    this.#healthConnections.closeAll();
    const exits: Promise<void>[] = [];
    for (const worker of this.#workers.values()) {
      const child = this.#processes.get(worker.id);
      if (worker.canMoveTo('stopping')) this.#leave(worker, 'shutdown');
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGTERM');
    }
    const killTimer = setTimeout(() => {
      for (const child of this.#processes.values()) child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(killTimer);
    for (const worker of this.#workers.values()) removeQuietly(worker.socketPath);
    removeWorkerSocketDir(this.#config.socketPath);
  }

  /** Pings each idle worker; one that does not answer in time is replaced, one over WORKER_MEMORY_LIMIT recycled. */
  async healthCheck(): Promise<void> {
    const idle = [...this.#workers.values()].filter((worker) => worker.state === 'idle');
    for (const worker of idle) {
      if (this.#stopping || !this.#scheduler.take(worker)) continue;
      try {
        const found = this.#healthConnections.get(worker.id, worker.socketPath);
        const conn = found instanceof Promise ? await found : found;
        const pong = await withTimeout(conn.ping(), this.#config.connectTimeoutMs);
        const limit = this.#config.workerMemoryLimitMb * 1024 * 1024;
        if (limit > 0 && pong.memory > limit) {
          this.#log.info({ worker: worker.id, memory: pong.memory }, 'PHP worker is over WORKER_MEMORY_LIMIT; recycling it');
          this.retire(worker, 'memory');
        }
        // A ping is not a request: hand the worker back without counting it.
        this.giveBack(worker);
      } catch (err) {
        this.kill(worker, 'broken', `health check failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * A worker nears MAX_REQUESTS: its replacement boots now, while it still serves, as a reload
   * does, so its recycle never leaves the pool a worker short for the length of a Laravel boot
   * (half the capacity of a 2-worker pool). The pool is one over its size until the old one exits.
   */
  #bootReplacementFor(worker: PhpWorker): void {
    if (this.#stopping || this.#reloading !== null || this.#bootFailures > 0 || worker.state !== 'busy') return;
    if (this.#bootingCount() >= MAX_CONCURRENT_BOOTS) return;
    this.#log.info({ worker: worker.id, served: worker.served }, 'PHP worker nears MAX_REQUESTS; booting its replacement');
    this.#spawn();
  }

  /** Starts one worker; resolves with its pid once it is ready. */
  #spawn(): Promise<number> | null {
    if (this.#stopping) return null;
    const id = this.#nextId++;
    const socketPath = workerSocketPath(this.#config.socketPath, id);
    removeQuietly(socketPath);
    const worker = new PhpWorker(id, socketPath);
    const spawned = spawnPhpWorker(this.#config, id, socketPath, this.#log);
    this.#workers.set(id, worker);
    this.#processes.set(id, spawned.child);

    spawned.ready.then(
      (pid) => {
        if (worker.state !== 'booting') return;
        this.#bootFailures = 0;
        worker.pid = pid;
        this.#log.info({ worker: id, phpPid: pid }, 'PHP worker ready');
        this.#scheduler.offer(worker);
      },
      (err: Error) => {
        // Retired while booting (a reload, a shutdown): not a failure. Counted when it exits.
        if (this.#stopping || (worker.leaveReason !== null && worker.leaveReason !== 'boot-failed')) return;
        this.#log.error({ worker: id, failures: this.#bootFailures + (worker.state === 'booting' ? 1 : 0) }, `PHP worker failed to start: ${err.message}`);
      },
    );
    spawned.child.once('exit', (code, signal) => this.#onExit(worker, code, signal));
    return spawned.ready;
  }

  /** The worker leaves the pool (stopping): no more requests; a replacement is started. */
  #leave(worker: PhpWorker, reason: LeaveReason): void {
    if (!worker.canMoveTo('stopping')) return;
    worker.leaveReason = reason;
    this.#scheduler.forget(worker);
    this.#healthConnections.forget(worker.id);
    worker.moveTo('stopping');
    // Start the replacement now, while the old process finishes exiting.
    this.#reconcile();
  }

  #stopProcess(worker: PhpWorker, signal: 'SIGTERM' | 'SIGKILL'): void {
    this.#leave(worker, worker.leaveReason ?? 'reload');
    this.#processes.get(worker.id)?.kill(signal);
  }

  #onExit(worker: PhpWorker, code: number | null, signal: NodeJS.Signals | null): void {
    const unexpected = worker.live && !this.#stopping;
    if (worker.state === 'booting' && !this.#stopping) this.#bootFailures++;
    if (unexpected) worker.leaveReason = worker.state === 'booting' ? 'boot-failed' : 'crash';
    worker.moveTo('exited');
    this.onWorkerExit?.(worker);
    this.#workers.delete(worker.id);
    this.#processes.delete(worker.id);
    this.#scheduler.forget(worker);
    this.#healthConnections.forget(worker.id);
    removeQuietly(worker.socketPath);
    if (this.#stopping) return;
    if (unexpected) {
      this.#log.warn({ worker: worker.id, code, signal }, 'PHP worker exited unexpectedly; replacing it');
    } else {
      this.#log.info({ worker: worker.id, code, signal, reason: worker.leaveReason }, 'PHP worker exited');
    }
    this.#reconcile();
  }

  /** Brings the pool back to SOCKET_POOL_MIN (and further while requests wait). */
  #reconcile(): void {
    if (this.#stopping || this.#backoffTimer !== null) return;
    if (this.#bootFailures > 0 && this.#bootingCount() === 0) {
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.#bootFailures - 1));
      this.#log.warn({ delayMs: delay }, 'PHP workers are failing to start; waiting before the next try');
      this.#backoffTimer = setTimeout(() => {
        this.#backoffTimer = null;
        this.#startUpTo(1);
      }, delay);
      return;
    }
    if (this.#bootFailures > 0) return; // a retry is already booting; wait for its verdict
    this.#startUpTo(Infinity);
  }

  #startUpTo(limit: number): void {
    let started = 0;
    while (started < limit && this.#bootingCount() < MAX_CONCURRENT_BOOTS) {
      const live = this.liveCount;
      const wanted = live < this.#config.poolMin || (live < this.#config.poolMax && this.#growthHelps(live));
      if (!wanted) return;
      if (this.#spawn() === null) return;
      started++;
    }
  }

  /**
   * Whether another worker would serve the requests waiting sooner. Up to the core count, while
   * any request waits (in the queue or pipelined behind another), it always does. Past it, only
   * requests in the queue count (a pipelined one is expected to start within PIPELINE_WINDOW_MS,
   * and one more process would only take turns with the others on the cores), and only while
   * the CPU has room (POOL_GROW_IDLE_CPU): then the busy workers wait on I/O, not on the cores.
   * Without pipelining a worker sleeps between requests, so up to twice the core count always helps.
   */
  #growthHelps(live: number): boolean {
    const booting = this.#bootingCount();
    const always = (this.#scheduler.pipelines ? 1 : 2) * this.#cores;
    if (live < always) return this.#waitingCount() > booting;
    if (this.#scheduler.waiting <= booting) return false;
    const threshold = this.#config.poolGrowIdleCpu;
    return threshold === 0 || this.#cpuIdle.idleShare() >= threshold;
  }

  #grow(): void {
    if (this.#bootFailures === 0) this.#startUpTo(Infinity);
  }

  /**
   * The CPU has no room for another worker to run sooner (POOL_GROW_IDLE_CPU, over the last two
   * quarter-second windows): then a request pipelined behind a busy worker loses nothing and
   * saves that worker a sleep. With the threshold at 0 the reading is never taken: always full.
   */
  cpuFull(): boolean {
    const threshold = this.#config.poolGrowIdleCpu;
    return threshold === 0 || this.#cpuIdle.idleShare() < threshold;
  }

  /** Requests waiting for a worker: in the queue, or pipelined behind another request. */
  #waitingCount(): number {
    let n = this.#scheduler.waiting;
    for (const worker of this.#workers.values()) if (worker.state === 'busy' && worker.inFlight > 1) n += worker.inFlight - 1;
    return n;
  }

  #bootingCount(): number {
    let n = 0;
    for (const worker of this.#workers.values()) if (worker.state === 'booting') n++;
    return n;
  }

  /** Retires workers idle longer than POOL_IDLE_TIMEOUT, down to SOCKET_POOL_MIN. */
  #shrinkIdle(): void {
    const now = Date.now();
    for (const worker of [...this.#workers.values()]) {
      if (this.liveCount <= this.#config.poolMin) return;
      if (worker.state !== 'idle' || now - worker.idleSince < this.#config.poolIdleTimeoutMs) continue;
      this.#log.info({ worker: worker.id }, 'retiring idle PHP worker');
      this.retire(worker, 'idle');
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new BridgeError('WORKER_CONNECT_FAILED', `no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
