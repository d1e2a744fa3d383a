/**
 * Keeps the right number of PHP workers alive: SOCKET_POOL_MIN at rest, up to SOCKET_POOL_MAX
 * while requests wait, replaced when they crash, exit or are recycled, retried with backoff when
 * they cannot boot, pinged while idle, and stopped on shutdown.
 */
import { BridgeError } from '../errors.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ConnectionTable } from '../pool/connection-table.js';
import type { WorkerScheduler, WorkerSlot } from '../pool/scheduler.js';
import { spawnPhpWorker, workerCommand, type SpawnedWorker } from './php-process.js';
import { claimSocketPath, listWorkerSockets, prepareWorkerSocketDir, removeQuietly, removeWorkerSocketDir, workerSocketPath } from './socket-files.js';

/** Booting Laravel is CPU-heavy: starting many at once on a small machine slows all of them. */
const MAX_CONCURRENT_BOOTS = 2;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;

interface WorkerRecord {
  spawned: SpawnedWorker;
  state: 'booting' | 'ready' | 'stopping';
  slot: WorkerSlot | null;
  /** Send SIGTERM once its current request is done (reload, idle shrink, memory recycle). */
  retire: boolean;
}

export class Supervisor {
  readonly #config: Config;
  readonly #scheduler: WorkerScheduler;
  readonly #log: Logger;
  readonly #workers = new Map<number, WorkerRecord>();
  readonly #healthConnections: ConnectionTable;
  #nextId = 1;
  #bootFailures = 0;
  #backoffTimer: NodeJS.Timeout | null = null;
  #maintenanceTimer: NodeJS.Timeout | null = null;
  #healthTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #reloading: Promise<{ replaced: number }> | null = null;

  constructor(config: Config, scheduler: WorkerScheduler, log: Logger) {
    this.#config = config;
    this.#scheduler = scheduler;
    this.#log = log.child({ component: 'supervisor' });
    this.#healthConnections = new ConnectionTable(config.connectTimeoutMs);
    scheduler.on('pressure', () => this.#grow());
    scheduler.on('removed', (slot) => this.#onSlotRemoved(slot));
  }

  /** Workers that are serving or about to (not the ones on their way out). */
  get liveCount(): number {
    let n = 0;
    for (const record of this.#workers.values()) if (record.state !== 'stopping') n++;
    return n;
  }

  get readyCount(): number {
    let n = 0;
    for (const record of this.#workers.values()) if (record.state === 'ready') n++;
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
      const spawned = this.#spawn();
      if (spawned) first.push(spawned.ready);
    }
    // Serve as soon as one worker is up; the others join the pool as they finish booting.
    await Promise.any(first).catch(() => {
      this.#log.error('no PHP worker could start yet; retrying with backoff (see the PHP errors above)');
    });

    this.#maintenanceTimer = setInterval(() => this.#shrinkIdle(), Math.min(5_000, this.#config.poolIdleTimeoutMs));
    this.#maintenanceTimer.unref();
    if (this.#config.healthCheckIntervalMs > 0) {
      this.#healthTimer = setInterval(() => void this.#healthCheck(), this.#config.healthCheckIntervalMs);
      this.#healthTimer.unref();
    }
  }

  /** Kills a worker at once (its request overran REQUEST_TIMEOUT, or it misbehaved). */
  kill(id: number, reason: string): void {
    const record = this.#workers.get(id);
    if (record === undefined) return;
    this.#log.warn({ worker: id, pid: record.spawned.child.pid, reason }, 'killing PHP worker');
    record.state = 'stopping';
    this.#scheduler.remove(id);
    record.spawned.child.kill('SIGKILL');
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
      const old = [...this.#workers.values()].filter((record) => record.state !== 'stopping');
      this.#log.info({ workers: old.length }, 'reload: replacing PHP workers one by one');
      let replaced = 0;
      for (const record of old) {
        if (this.#stopping) break;
        const fresh = this.#spawn();
        if (fresh === null) break;
        try {
          await fresh.ready;
        } catch (err) {
          this.#log.error(`reload stopped: a new PHP worker failed to start (${(err as Error).message}); the old workers keep serving`);
          throw new BridgeError('INTERNAL', `reload failed: ${(err as Error).message}`);
        }
        this.#retire(record.spawned.id);
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

  /** Takes a worker out of rotation and stops it once it is idle. */
  #retire(id: number): void {
    const record = this.#workers.get(id);
    if (record === undefined) return;
    record.retire = true;
    const wasBooting = record.state === 'booting';
    // No longer counted as live from now on, even while it finishes its current request.
    record.state = 'stopping';
    if (wasBooting) {
      record.spawned.child.kill('SIGTERM');
      return;
    }
    this.#scheduler.retire(id);
  }

  /** A snapshot for the control socket's `status` command. */
  status(): Array<{ id: number; pid: number | undefined; state: string; served: number }> {
    return [...this.#workers.values()].map((record) => ({
      id: record.spawned.id,
      pid: record.spawned.child.pid,
      state: record.slot?.state === 'busy' ? 'busy' : record.state,
      served: record.slot?.served ?? 0,
    }));
  }

  /** Stops every worker: SIGTERM, then SIGKILL for any still running after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    for (const timer of [this.#backoffTimer, this.#maintenanceTimer, this.#healthTimer]) if (timer) clearTimeout(timer);
    this.#healthConnections.closeAll();
    const exits: Promise<void>[] = [];
    for (const record of this.#workers.values()) {
      record.state = 'stopping';
      const child = record.spawned.child;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGTERM');
    }
    const killTimer = setTimeout(() => {
      for (const record of this.#workers.values()) record.spawned.child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(killTimer);
    for (const record of this.#workers.values()) removeQuietly(record.spawned.socketPath);
    removeWorkerSocketDir(this.#config.socketPath);
  }

  #spawn(): SpawnedWorker | null {
    if (this.#stopping) return null;
    const id = this.#nextId++;
    const socketPath = workerSocketPath(this.#config.socketPath, id);
    removeQuietly(socketPath);
    const spawned = spawnPhpWorker(this.#config, id, socketPath, this.#log);
    const record: WorkerRecord = { spawned, state: 'booting', slot: null, retire: false };
    this.#workers.set(id, record);

    spawned.ready.then(
      (pid) => {
        if (record.state !== 'booting') return;
        this.#bootFailures = 0;
        record.state = 'ready';
        record.slot = { id, pid, socketPath, served: 0, idleSince: Date.now(), state: 'idle' };
        this.#log.info({ worker: id, phpPid: pid }, 'PHP worker ready');
        this.#scheduler.add(record.slot);
      },
      (err: Error) => {
        if (this.#stopping || record.state === 'stopping') return;
        this.#bootFailures++;
        this.#log.error({ worker: id, failures: this.#bootFailures }, `PHP worker failed to start: ${err.message}`);
      },
    );
    spawned.child.once('exit', (code, signal) => this.#onExit(record, code, signal));
    return spawned;
  }

  #onExit(record: WorkerRecord, code: number | null, signal: NodeJS.Signals | null): void {
    const { id, socketPath } = record.spawned;
    const wasReady = record.state === 'ready';
    this.#workers.delete(id);
    this.#healthConnections.forget(id);
    removeQuietly(socketPath);
    if (this.#stopping) return;
    if (wasReady) {
      this.#log.warn({ worker: id, code, signal }, 'PHP worker exited unexpectedly; replacing it');
    } else {
      this.#log.debug({ worker: id, code, signal }, 'PHP worker exited');
    }
    this.#scheduler.remove(id);
    this.#reconcile();
  }

  #onSlotRemoved(slot: WorkerSlot): void {
    const record = this.#workers.get(slot.id);
    if (record && record.state === 'ready') record.state = 'stopping';
    if (record?.retire) record.spawned.child.kill('SIGTERM');
    // Start the replacement now, while the old process finishes exiting.
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
      const wanted = live < this.#config.poolMin || (this.#scheduler.waiting > this.#bootingCount() && live < this.#config.poolMax);
      if (!wanted) return;
      if (this.#spawn() === null) return;
      started++;
    }
  }

  #grow(): void {
    if (this.#bootFailures === 0) this.#startUpTo(Infinity);
  }

  #bootingCount(): number {
    let n = 0;
    for (const record of this.#workers.values()) if (record.state === 'booting') n++;
    return n;
  }

  /** Retires workers idle longer than POOL_IDLE_TIMEOUT, down to SOCKET_POOL_MIN. */
  #shrinkIdle(): void {
    const now = Date.now();
    for (const slot of this.#scheduler.slots()) {
      if (this.liveCount <= this.#config.poolMin) return;
      if (slot.state !== 'idle' || now - slot.idleSince < this.#config.poolIdleTimeoutMs) continue;
      this.#log.info({ worker: slot.id }, 'retiring idle PHP worker');
      this.#retire(slot.id);
    }
  }

  /** Pings each idle worker; one that does not answer in time is replaced. */
  async #healthCheck(): Promise<void> {
    const idle = [...this.#scheduler.slots()].filter((slot) => slot.state === 'idle');
    for (const slot of idle) {
      if (this.#stopping || !this.#scheduler.take(slot)) continue;
      try {
        const found = this.#healthConnections.get(slot.id, slot.socketPath);
        const conn = found instanceof Promise ? await found : found;
        const pong = await withTimeout(conn.ping(), this.#config.connectTimeoutMs);
        const limit = this.#config.workerMemoryLimitMb * 1024 * 1024;
        if (limit > 0 && pong.memory > limit) {
          this.#log.info({ worker: slot.id, memory: pong.memory }, 'PHP worker is over WORKER_MEMORY_LIMIT; recycling it');
          this.#retire(slot.id);
          continue;
        }
        this.#scheduler.release(slot);
      } catch (err) {
        this.kill(slot.id, `health check failed: ${(err as Error).message}`);
      }
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
