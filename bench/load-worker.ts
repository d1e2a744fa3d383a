/**
 * The load generator, always run as its own process (`node dist/bench/load-worker.js '<json>'`)
 * so that it never shares an event loop with a server under test. It runs autocannon
 * programmatically and talks to the bench over stdio, one JSON line per message:
 *
 *   → {"type":"ready"}                 warm-up done (after `warmupSeconds` of unmeasured load)
 *   ← "go"                             (only with handshake: the bench took its "before" snapshot)
 *   → {"type":"tick","requests":n}     once a second while measuring, with progress on
 *   → {"type":"result","result":{…}}   the measurement
 *   → {"type":"error","message":"…"}   then exit 1
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { SCENARIO_NAMES, type ScenarioName } from './cli.js';
import { SCENARIOS } from './scenarios.js';

export interface LoadJob {
  /** Base URL of the peer, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  scenario: ScenarioName;
  connections: number;
  warmupSeconds: number;
  /** Measured seconds (ignored when `amount` is set). */
  durationSeconds: number;
  /** Stop after this many requests instead of after a duration (the soak). */
  amount?: number;
  /** Wait for "go" on stdin between warm-up and measurement. */
  handshake: boolean;
  /** Report progress once a second. */
  progress: boolean;
  /** Keep each response's latency (off for the soak's million requests). */
  latencies: boolean;
}

export interface LoadSummary {
  durationSeconds: number;
  /** Every completed response, whatever its status. */
  responses: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors (refused, reset, ...) as counted by autocannon, timeouts included. */
  errors: number;
  timeouts: number;
  /** 2xx responses per second. */
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
}

export type LoadMessage =
  | { type: 'ready' }
  | { type: 'tick'; requests: number }
  | { type: 'result'; result: LoadSummary }
  | { type: 'error'; message: string };

// autocannon ships no types; this is the part of its API used here.
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: 'tick', fn: (data: { counter: number; bytes: number }) => void): void;
  on(event: 'done', fn: (result: AutocannonResult) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  stop(): void;
}
interface AutocannonOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  connections: number;
  duration?: number;
  amount?: number;
  pipelining: number;
  timeout: number;
  sampleInt: number;
  skipAggregateResult?: boolean;
}
type Autocannon = (opts: AutocannonOptions, cb?: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const require = createRequire(import.meta.url);

interface AutocannonClient {
  conn?: { removeAllListeners(event: string): void; on(event: string, fn: () => void): void; destroy(): void };
  parser?: { initialize?: (type: number) => void };
  pipelinedRequests?: { clear(): void };
  on(event: 'headers', fn: (info: { shouldKeepAlive?: boolean }) => void): void;
  _connect(): void;
  _doRequest(): void;
  __benchServerCloses?: boolean;
  __benchListening?: boolean;
}

/**
 * autocannon 8 does not cope with servers that close the connection after each response (PHP's
 * built-in server behind `artisan serve` always does): it writes the next request on the closing
 * connection, then on 'end' opens a new one while keeping the request queued on the old one, so
 * every later latency is measured from a stale start time, and large request bodies written to
 * the closed socket count as errors. This patch makes such a client reconnect cleanly instead:
 * after a response without keep-alive, the next request goes on a fresh connection, and any
 * reconnect drops the old socket with its listeners, its unanswerable requests and the parser
 * state. Keep-alive servers (ours, nginx) never reconnect, so they are not affected.
 */
export function patchReconnects(): void {
  const Client = require('autocannon/lib/httpClient.js') as { prototype: AutocannonClient & { __benchPatched?: boolean } };
  const proto = Client.prototype;
  if (proto.__benchPatched) return;
  const { HTTPParser } = require('http-parser-js') as { HTTPParser: { RESPONSE: number } };
  const connect = proto._connect;
  const doRequest = proto._doRequest;
  proto._connect = function (this: AutocannonClient): void {
    if (!this.__benchListening) {
      this.__benchListening = true;
      this.on('headers', (info) => {
        if (info.shouldKeepAlive === false) this.__benchServerCloses = true;
      });
    }
    const old = this.conn;
    if (old) {
      for (const event of ['data', 'end', 'error']) old.removeAllListeners(event);
      old.on('error', () => {});
      old.destroy();
      this.pipelinedRequests?.clear();
      this.parser?.initialize?.(HTTPParser.RESPONSE);
    }
    this.__benchServerCloses = false;
    connect.call(this);
  };
  proto._doRequest = function (this: AutocannonClient): void {
    // The server said it closes this connection: the next request goes on a new one
    // (_connect sends it).
    if (this.__benchServerCloses) this._connect();
    else doRequest.call(this);
  };
  proto.__benchPatched = true;
}

function send(message: LoadMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

export function summarize(result: AutocannonResult, latencies: number[]): LoadSummary {
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count;
  const responses = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const duration = result.duration > 0 ? result.duration : 1;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    durationSeconds: result.duration,
    responses,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    requestsPerSec: result['2xx'] / duration,
    latencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : 0,
      mean: sorted.length ? sum / sorted.length : 0,
    },
    statusCodes,
  };
}

function run(autocannon: Autocannon, job: LoadJob, seconds: number | null, onTick?: (n: number) => void, latencies?: number[]): Promise<AutocannonResult> {
  const req = SCENARIOS[job.scenario].request();
  return new Promise((resolve, reject) => {
    const opts: AutocannonOptions = {
      url: job.baseUrl + req.path,
      method: req.method,
      headers: req.headers,
      connections: job.connections,
      pipelining: 1,
      timeout: 30,
      // The run stops on the first sample tick after its duration: sample often so that
      // fractional durations (--quick) end on time.
      sampleInt: 100,
      skipAggregateResult: true,
    };
    if (req.body) opts.body = req.body;
    if (seconds === null) opts.amount = job.amount;
    else opts.duration = seconds;
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
    let timer: NodeJS.Timeout | undefined;
    if (onTick) {
      let done = 0;
      instance.on('response', () => {
        done++;
      });
      timer = setInterval(() => onTick(done), 1000);
      instance.on('done', () => clearInterval(timer));
    }
    const stop = (): void => instance.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === 'go') {
        resolve(); // before close(), whose 'close' event would reject
        rl.close();
      }
    });
    rl.on('close', () => reject(new Error('stdin closed before "go"')));
  });
}

export function parseJob(raw: string | undefined): LoadJob {
  if (!raw) throw new Error('usage: load-worker.js <job as JSON>');
  const job = JSON.parse(raw) as LoadJob;
  if (!(SCENARIO_NAMES as readonly string[]).includes(job.scenario)) throw new Error(`unknown scenario ${String(job.scenario)}`);
  if (typeof job.baseUrl !== 'string' || !/^https?:\/\//.test(job.baseUrl)) throw new Error('baseUrl must be an http URL');
  return job;
}

async function main(): Promise<void> {
  const job = parseJob(process.argv[2]);
  const autocannon = require('autocannon') as Autocannon;
  patchReconnects();
  if (job.warmupSeconds > 0) await run(autocannon, job, job.warmupSeconds);
  send({ type: 'ready' });
  if (job.handshake) await waitForGo();
  const latencies: number[] = [];
  const result = await run(
    autocannon,
    job,
    job.amount ? null : job.durationSeconds,
    job.progress ? (n) => send({ type: 'tick', requests: n }) : undefined,
    job.latencies ? latencies : undefined,
  );
  send({ type: 'result', result: summarize(result, latencies) });
}

// Run only as a program, not when a unit test imports the helpers above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      send({ type: 'error', message: (err as Error)?.message ?? String(err) });
      process.exit(1);
    },
  );
}
