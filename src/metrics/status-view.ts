/**
 * One view of the pool for `npm run status` (over the control socket) and the status page
 * (STATUS_PATH?json): the PHP workers, the pool and queue figures, the last exits, the threads'
 * load, and, for the page, the per-second series behind its charts.
 */
import type { LeaveReason, WorkerState } from '../pool/php-worker.js';
import type { ThreadLoad } from '../threads/thread-load.js';
import { residentBytes } from './process-memory.js';
import type { FrontDoorMetrics, MetricSources, WorkerExit } from './registry.js';
import type { SeriesName } from './samples.js';

export interface WorkerRow {
  id: number;
  pid: number | null;
  state: WorkerState;
  served: number;
  /** Resident memory from /proc; null before the worker is ready or where /proc is missing. */
  memoryBytes: number | null;
  ageMs: number;
  /** Why it is leaving, while it leaves. */
  leaveReason: LeaveReason | null;
}

export interface PoolFigures {
  min: number;
  max: number;
  /** Workers serving or about to (booting, idle, busy). */
  live: number;
  booting: number;
  idle: number;
  busy: number;
  /** Leaving: draining their last request, or stopping. */
  leaving: number;
  waiting: number;
  maxQueue: number;
  inFlight: number;
  threads: number;
}

export interface StatusReport {
  ok: true;
  /** Epoch milliseconds. */
  now: number;
  uptimeMs: number;
  pool: PoolFigures;
  workers: WorkerRow[];
  recentExits: readonly WorkerExit[];
  threads: ThreadLoad[];
  series?: Record<SeriesName, number[]>;
}

const STARTED = Date.now();

export function buildStatus(sources: MetricSources, metrics: FrontDoorMetrics, withSeries: boolean): StatusReport {
  const { supervisor, scheduler, dispatcher, config } = sources;
  const now = Date.now();
  const workers: WorkerRow[] = [];
  const pool: PoolFigures = {
    min: config.poolMin,
    max: config.poolMax,
    live: 0,
    booting: 0,
    idle: 0,
    busy: 0,
    leaving: 0,
    waiting: scheduler.waiting,
    maxQueue: config.maxQueue,
    inFlight: sources.inFlight(),
    threads: dispatcher.threads,
  };
  for (const worker of supervisor.workers()) {
    workers.push({
      id: worker.id,
      pid: worker.pid,
      state: worker.state,
      served: worker.served,
      memoryBytes: worker.pid === null ? null : residentBytes(worker.pid),
      ageMs: now - worker.startedAt,
      leaveReason: worker.leaveReason,
    });
    if (worker.live) pool.live++;
    if (worker.state === 'booting' || worker.state === 'idle' || worker.state === 'busy') pool[worker.state]++;
    else if (worker.state !== 'exited') pool.leaving++;
  }
  workers.sort((a, b) => a.id - b.id);
  const report: StatusReport = { ok: true, now, uptimeMs: now - STARTED, pool, workers, recentExits: metrics.recentExits(), threads: dispatcher.load() };
  if (withSeries) report.series = metrics.samples.series();
  return report;
}
