/**
 * The front door's Prometheus metrics (prom-client), all on the main thread. What is counted
 * where:
 *
 * - per request, in src/http/server.ts: `recordRequest` when the response is over (one slot of
 *   a Float64Array and one pre-made histogram series), and, in src/http/php-request.ts,
 *   `recordQueueWait` once its exchange with PHP is over (the wait in the queue plus the wait
 *   pipelined behind other requests). prom-client's own inc()/observe() hash the labels on every
 *   call (about 0.4 µs each, measured), so the request path counts into plain arrays that
 *   prom-client reads when scraped (src/metrics/bucket-histogram.ts);
 * - body bytes and front-door error pages, as plain numbers by the write functions
 *   (src/metrics/traffic.ts);
 * - worker exits, by the supervisor's `onWorkerExit` hook;
 * - everything else (workers by state, per-worker memory and requests, queue depth, per-thread
 *   load) is read from its owner when scraped, so it costs nothing between scrapes.
 *
 * A one-second tick measures event-loop utilisation and feeds the status page's charts
 * (src/metrics/samples.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { httpStatusFor, REQUEST_ERROR_CODES } from '../errors.js';
import type { LeaveReason, PhpWorker, WorkerState } from '../pool/php-worker.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.js';
import { residentBytes } from './process-memory.js';
import { bucketQuantile, SampleRing } from './samples.js';
import { frontDoorErrors, traffic } from './traffic.js';

/**
 * Who answered a request: PHP, a file under public/, the micro-cache, or the front door itself
 * (its error pages: 413, 503 when the queue is full, 504 while waiting...). Whoever answers
 * sets it (src/http/server.ts).
 */
export type RouteKind = 'php' | 'static' | 'cache' | 'frontdoor';
export const ROUTE_KINDS: readonly RouteKind[] = ['php', 'static', 'cache', 'frontdoor'];

/** Methods get their own label value; any other is `other`, so a client cannot grow the series. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.map((method, i) => [method, i]));
const OTHER_METHOD = METHODS.length - 1;
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const ROUTE_INDEX: Readonly<Record<RouteKind, number>> = { php: 0, static: 1, cache: 2, frontdoor: 3 };

/** Seconds: from a cached file (tens of µs) to a request near REQUEST_TIMEOUT. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_WAIT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
type PoolState = Exclude<WorkerState, 'exited'>;
const POOL_STATES: readonly PoolState[] = ['booting', 'idle', 'busy', 'draining', 'stopping'];
/** Exit reasons as label values; `max_requests` is split out of `recycled` (see exitReason). */
const EXIT_REASONS = ['crash', 'timeout', 'broken', 'recycled', 'max_requests', 'memory', 'reload', 'idle', 'boot_failed', 'shutdown'] as const;
const RECENT_EXITS = 20;

export interface MetricSources {
  config: Config;
  supervisor: Supervisor;
  scheduler: WorkerScheduler;
  dispatcher: Dispatcher;
  /** Requests the HTTP server is answering now. */
  inFlight(): number;
}

export interface WorkerExit {
  id: number;
  pid: number | null;
  reason: string;
  served: number;
  ageMs: number;
  /** Epoch milliseconds. */
  at: number;
}

export class FrontDoorMetrics {
  readonly registry = new Registry();
  readonly samples = new SampleRing();
  readonly #sources: MetricSources;
  readonly #log: Logger;
  /** Requests per (method, status class, route): 8 × 5 × 4 slots. */
  readonly #requests = new Float64Array(METHODS.length * STATUS_CLASSES.length * ROUTE_KINDS.length);
  readonly #latency: BucketHistogram;
  /** One series per route kind, in ROUTE_INDEX order. */
  readonly #latencySeries: readonly HistogramSeries[];
  readonly #queueWait: HistogramSeries;
  readonly #latencyTotals = new Float64Array(LATENCY_BUCKETS.length + 1);
  readonly #exits: Counter<'reason'>;
  readonly #recentExits: WorkerExit[] = [];
  #elu = performance.eventLoopUtilization();
  #eluRatio = 0;
  #lastBuckets: Float64Array | null = null;
  #tick: NodeJS.Timeout | null = null;

  constructor(sources: MetricSources, log: Logger) {
    this.#sources = sources;
    this.#log = log;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const requests = this.#requests;
    new Counter({
      name: 'frontdoor_http_requests_total',
      help: 'HTTP requests answered, by method, status class and who answered (php, static, cache, frontdoor)',
      labelNames: ['method', 'status_class', 'route'],
      registers,
      collect() {
        this.reset();
        for (let key = 0; key < requests.length; key++) {
          if (requests[key] === 0) continue;
          const route = ROUTE_KINDS[key % ROUTE_KINDS.length]!;
          const rest = Math.floor(key / ROUTE_KINDS.length);
          this.inc({ method: METHODS[Math.floor(rest / STATUS_CLASSES.length)]!, status_class: STATUS_CLASSES[rest % STATUS_CLASSES.length]!, route }, requests[key]!);
        }
      },
    });
    this.#latency = new BucketHistogram({
      name: 'frontdoor_http_request_duration_seconds',
      help: 'Time from the request arriving to its response being handed to uWS, by who answered',
      buckets: LATENCY_BUCKETS,
      series: ROUTE_KINDS.map((route) => ({ route })),
      registry: this.registry,
    });
    this.#latencySeries = this.#latency.series;
    this.#queueWait = new BucketHistogram({
      name: 'frontdoor_queue_wait_seconds',
      help: 'Time a request waited before a PHP worker began it: in the queue, and pipelined behind other requests (0 when a worker was idle)',
      buckets: QUEUE_WAIT_BUCKETS,
      series: [{}],
      registry: this.registry,
    }).series[0]!;
    this.#exits = new Counter({
      name: 'frontdoor_php_worker_exits_total',
      help: 'PHP worker processes that exited, by why they left (crash, timeout, max_requests, memory, reload, idle, ...)',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of EXIT_REASONS) this.#exits.labels(reason).inc(0);

    new Counter({
      name: 'frontdoor_http_request_body_bytes_total',
      help: 'Request body bytes read from clients',
      registers,
      collect() {
        this.reset();
        this.inc(traffic.bytesIn);
      },
    });
    new Counter({
      name: 'frontdoor_http_response_body_bytes_total',
      help: 'Response body bytes written to clients (headers not included)',
      registers,
      collect() {
        this.reset();
        this.inc(traffic.bytesOut);
      },
    });
    new Counter({
      name: 'frontdoor_errors_total',
      help: 'Error responses the front door produced itself (not the app), by error code and HTTP status',
      labelNames: ['code', 'status'],
      registers,
      collect() {
        this.reset();
        for (const code of REQUEST_ERROR_CODES) this.inc({ code, status: String(httpStatusFor(code)) }, frontDoorErrors.get(code) ?? 0);
      },
    });
    const { supervisor, scheduler, dispatcher, config } = sources;
    new Gauge({
      name: 'frontdoor_queue_waiting_requests',
      help: 'Requests waiting for a free PHP worker now',
      registers,
      collect() {
        this.set(scheduler.waiting);
      },
    });
    new Counter({
      name: 'frontdoor_pipelined_requests_total',
      help: 'Requests sent to a busy PHP worker behind its current one (PIPELINE_WINDOW_MS) instead of waiting in the queue',
      registers,
      collect() {
        this.reset();
        this.inc(scheduler.pipelinedTotal);
      },
    });
    new Counter({
      name: 'frontdoor_pipelined_handed_back_total',
      help: 'Pipelined requests a PHP worker handed back unrun (it started streaming, stopped or died first) and that were sent again',
      registers,
      collect() {
        this.reset();
        this.inc(scheduler.handedBackTotal);
      },
    });
    new Gauge({
      name: 'frontdoor_queue_max_requests',
      help: 'MAX_QUEUE: most requests that may wait',
      registers,
      collect() {
        this.set(config.maxQueue);
      },
    });
    new Gauge({
      name: 'frontdoor_http_in_flight_requests',
      help: 'Requests being answered now (static files and PHP)',
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    });
    new Gauge({
      name: 'frontdoor_php_workers',
      help: 'PHP worker processes by state',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = countStates(supervisor);
        for (const state of POOL_STATES) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'frontdoor_php_pool_limit_workers',
      help: 'SOCKET_POOL_MIN and SOCKET_POOL_MAX',
      labelNames: ['limit'],
      registers,
      collect() {
        this.set({ limit: 'min' }, config.poolMin);
        this.set({ limit: 'max' }, config.poolMax);
      },
    });
    new Gauge({
      name: 'frontdoor_php_worker_resident_memory_bytes',
      help: 'Resident memory of each PHP worker process (from /proc), by worker id',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const worker of supervisor.workers()) {
          const bytes = worker.pid === null ? null : residentBytes(worker.pid);
          if (bytes !== null) this.set({ worker: String(worker.id) }, bytes);
        }
      },
    });
    new Counter({
      name: 'frontdoor_php_worker_requests_total',
      help: 'Requests each current PHP worker has served, by worker id',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const worker of supervisor.workers()) this.inc({ worker: String(worker.id) }, worker.served);
      },
    });
    new Gauge({
      name: 'frontdoor_thread_in_flight_requests',
      help: 'Exchanges with PHP each worker thread carries now (WORKER_THREADS > 0), by thread id',
      labelNames: ['thread'],
      registers,
      collect() {
        this.reset();
        for (const load of dispatcher.load()) this.set({ thread: String(load.threadId) }, load.inFlight);
      },
    });
    new Counter({
      name: 'frontdoor_thread_exchanges_total',
      help: 'Exchanges with PHP each current worker thread finished (WORKER_THREADS > 0), by thread id',
      labelNames: ['thread'],
      registers,
      collect() {
        this.reset();
        for (const load of dispatcher.load()) this.inc({ thread: String(load.threadId) }, load.exchanges);
      },
    });
    const self = this;
    new Gauge({
      name: 'frontdoor_event_loop_utilization_ratio',
      help: "Share of the last second the main thread's event loop was busy (0..1)",
      registers,
      collect() {
        this.set(self.#eluRatio);
      },
    });
  }

  /** The response is over: count it. The hot path: array slots only, no allocation. */
  /** `bytesOut`: the response body bytes the request's ResponseState counted (`sent`). */
  recordRequest(method: string, status: number, route: RouteKind, ms: number, bytesOut: number): void {
    traffic.bytesOut += bytesOut;
    const methodIndex = METHOD_INDEX.get(method) ?? OTHER_METHOD;
    const classIndex = status < 200 ? 0 : status < 300 ? 1 : status < 400 ? 2 : status < 500 ? 3 : 4;
    const routeIndex = ROUTE_INDEX[route];
    this.#requests[(methodIndex * STATUS_CLASSES.length + classIndex) * ROUTE_KINDS.length + routeIndex]!++;
    this.#latencySeries[routeIndex]!.observe(ms / 1000);
  }

  recordQueueWait(ms: number): void {
    this.#queueWait.observe(ms / 1000);
  }

  /** The supervisor's onWorkerExit hook. */
  workerExited(worker: PhpWorker): void {
    const reason = exitReason(worker, this.#sources.config.maxRequests);
    this.#exits.labels(reason).inc();
    this.#recentExits.push({ id: worker.id, pid: worker.pid, reason, served: worker.served, ageMs: Date.now() - worker.startedAt, at: Date.now() });
    if (this.#recentExits.length > RECENT_EXITS) this.#recentExits.shift();
  }

  /** The last few workers that exited, newest last. */
  recentExits(): readonly WorkerExit[] {
    return this.#recentExits;
  }

  /** Starts the one-second tick (event-loop utilisation, the chart samples). */
  start(): void {
    // A failed sample leaves a gap in the charts; it must not take the timer (or the process) down.
    this.#tick ??= setInterval(() => {
      try {
        this.#sample();
      } catch (err) {
        this.#log.warn({ err }, 'metrics: a status sample failed');
      }
    }, 1000);
    this.#tick.unref();
  }

  stop(): void {
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
  }

  #sample(): void {
    const now = performance.eventLoopUtilization();
    this.#eluRatio = performance.eventLoopUtilization(now, this.#elu).utilization;
    this.#elu = now;
    // Per-second request rate and latency percentiles from the histogram's bucket deltas.
    const buckets = this.#latency.totals(this.#latencyTotals);
    const previous = this.#lastBuckets ?? buckets.slice();
    const counts = buckets.map((value, i) => value - previous[i]!);
    this.#lastBuckets = buckets.slice();
    let rate = 0;
    for (const count of counts) rate += count;
    const ms = (q: number): number => {
      const seconds = bucketQuantile(q, LATENCY_BUCKETS, counts);
      return Number.isNaN(seconds) ? 0 : Math.round(seconds * 1e6) / 1000;
    };
    const states = countStates(this.#sources.supervisor);
    this.samples.push({
      t: Math.round(Date.now() / 1000),
      rps: rate,
      p50: ms(0.5),
      p90: ms(0.9),
      p99: ms(0.99),
      queue: this.#sources.scheduler.waiting,
      elu: Math.round(this.#eluRatio * 1000) / 1000,
      ...states,
    });
  }
}

function countStates(supervisor: Supervisor): Record<PoolState, number> {
  const counts: Record<PoolState, number> = { booting: 0, idle: 0, busy: 0, draining: 0, stopping: 0 };
  for (const worker of supervisor.workers()) if (worker.state !== 'exited') counts[worker.state]++;
  return counts;
}

/**
 * The exit's label. A worker that recycled itself after serving MAX_REQUESTS is `max_requests`
 * (PHP stops exactly at that count); one that said it stops sooner hit its memory limit, called
 * exit() or died of a fatal error: `recycled`.
 */
export function exitReason(worker: Pick<PhpWorker, 'leaveReason' | 'served'>, maxRequests: number): string {
  const reason: LeaveReason = worker.leaveReason ?? 'crash';
  if (reason === 'recycled' && maxRequests > 0 && worker.served >= maxRequests) return 'max_requests';
  return reason === 'boot-failed' ? 'boot_failed' : reason;
}
