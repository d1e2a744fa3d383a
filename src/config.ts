/**
 * All configuration, read once from the environment (and an optional `.env` in the working
 * directory), validated with messages that name the variable, the bad value and what is
 * allowed, then frozen. No other setting of the server comes from `process.env`; the only other
 * reads are src/http/uws.ts refusing `UWS_USE_FALLBACK` and the PHP workers inheriting the
 * environment (src/supervisor/php-process.ts).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import envVar from 'env-var';
import { ConfigError } from './errors.js';
import type { CompressionSettings } from './http/compression-policy.js';
import { parseTrustedProxies, type TrustedProxies } from './http/trusted-proxies.js';
import { ACCESS_LOG_FORMATS, type AccessLogFormat } from './log/access-line.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const WORKER_ENTRIES = ['auto', 'script', 'artisan'] as const;
export type WorkerEntry = (typeof WORKER_ENTRIES)[number];

export interface Config {
  readonly httpPort: number;
  readonly httpHost: string;
  /**
   * The server's control socket (mode 0600). PHP workers listen on `w<id>.sock` in the private
   * directory `${socketPath}.workers/` (mode 0700) beside it (src/supervisor/socket-files.ts).
   */
  readonly socketPath: string;
  /** Group allowed to use the control socket (mode 0660); null = owner only (0600). */
  readonly socketGroup: string | null;
  readonly phpPath: string;
  readonly laravelPath: string;
  /** True when LARAVEL_PATH was not given and the bundled example app is served. */
  readonly usingExampleApp: boolean;
  readonly logLevel: LogLevel;
  readonly logDir: string;
  readonly startupCommand: string;
  readonly workerEntry: WorkerEntry;
  /** PHP's JIT mode for the workers (opcache.jit): `tracing` by default, `function`, or `off` to disable. */
  readonly phpJit: string;
  /** A plain PHP handler file (a file returning a callable) served instead of Laravel. */
  readonly phpHandler: string | null;
  readonly poolMin: number;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly healthCheckIntervalMs: number;
  readonly workerBootTimeoutMs: number;
  readonly poolIdleTimeoutMs: number;
  /** Past the core count (twice it without pipelining), the pool grows only while requests queue and this share of the CPU sits idle (0 = whenever requests queue). */
  readonly poolGrowIdleCpu: number;
  /** 0 = PHP sockets on the main thread (no thread hop). */
  readonly workerThreads: number;
  /**
   * When no PHP worker is idle, send a request behind a busy worker's current one (and the
   * others already behind it) when it is expected to start within this long, instead of
   * queueing it (main-thread sockets only, i.e. WORKER_THREADS=0). 0 = never.
   */
  readonly pipelineWindowMs: number;
  /** Most requests waiting on one PHP worker's socket behind its current one (PIPELINE_DEPTH). */
  readonly pipelineDepth: number;
  readonly requestTimeoutMs: number;
  /** Most time a client may take to send its whole body (slow-client protection), like nginx's client_body_timeout. */
  readonly clientTimeoutMs: number;
  readonly maxBodySize: number;
  /** Largest PHP response body held in memory to be written in one go; larger ones stream. */
  readonly maxResponseBuffer: number;
  /** Largest total size of the request line's target and headers; beyond it, 431. */
  readonly maxHeaderSize: number;
  readonly maxQueue: number;
  readonly maxRequests: number;
  readonly workerMemoryLimitMb: number;
  readonly shutdownGraceMs: number;
  // Operations (deploy/): the drain before a stop, and the access log.
  /** After SIGTERM, readiness answers 503 but requests are still served this long, so a load balancer notices first. */
  readonly shutdownDelayMs: number;
  /** One line per request to this file (nginx's combined format or JSON); null = off. */
  readonly accessLog: string | null;
  readonly accessLogFormat: AccessLogFormat;
  /** Answered by the front door itself: liveness and readiness. Empty = off. */
  readonly healthPath: string;
  readonly readyPath: string;
  /**
   * Peers whose forwarding headers (X-Forwarded-For/-Proto/-Host/-Port/-Prefix, Forwarded) are
   * passed to PHP; everyone else's are removed.
   */
  readonly trustedProxies: TrustedProxies;
  readonly trustedProxiesRaw: string;
  /** Development: reload PHP workers when the app's files change. */
  readonly watch: boolean;
  /** Serve files under the app's public/ from the front door (nginx's try_files), not PHP. */
  readonly staticFiles: boolean;
  // --- The edge: TLS and rate limiting (src/http/tls-files.ts, front-listener.ts, rate-limit.ts) ---
  /** PEM certificate (chain) and key; both set = HTTP_PORT speaks TLS. Checked at start by tls-files.ts. */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  readonly tlsPassphrase: string | null;
  /** A plain listener answering every request with a 308 to the https URL; null = off. */
  readonly httpRedirectPort: number | null;
  /** Requests per second per client address (token bucket refill rate); 0 = off. */
  readonly rateLimit: number;
  /** The bucket's size: requests a client may send at once after being idle. */
  readonly rateLimitBurst: number;
  /** Addresses whose buckets are kept (a power of two); beyond it the least recently seen give theirs up. */
  readonly rateLimitTableSize: number;
  /** Paths never limited besides HEALTH_PATH and READY_PATH (exact match). */
  readonly rateLimitExempt: readonly string[];
  /** Micro-cache (src/http/micro-cache.ts): bytes of responses kept in memory; 0 = off. */
  readonly cacheMaxBytes: number;
  /** Largest single response the micro-cache keeps (never more than MAX_RESPONSE_BUFFER). */
  readonly cacheMaxEntrySize: number;
  /** Observability (src/metrics): Prometheus metrics and the status page; empty path = off. */
  readonly metricsPath: string;
  /** When set, METRICS_PATH and STATUS_PATH need `Authorization: Bearer <token>` (from anywhere); else loopback only. */
  readonly metricsToken: string | null;
  readonly statusPath: string;
  /** gzip / brotli for compressible responses (src/http/compression-policy.ts); null = COMPRESSION off. */
  readonly compression: CompressionSettings | null;
  // Request bodies on disk (src/http/body-spool.ts) and downloads handed over by the app (src/http/sendfile.ts).
  /** Largest request body kept in memory; a larger one (and every multipart file) is written to UPLOAD_TMP_DIR as it arrives. */
  readonly bodyMemoryMax: number;
  /** The private directory (mode 0700) where request bodies and uploaded files are spooled. */
  readonly uploadTmpDir: string;
  /** Real paths of the directories whose files the front door sends for the app (X-Accel-Redirect); empty = off. */
  readonly sendfileRoots: readonly string[];
}

/** The repository root (this file lives in src/ or dist/src/). */
export const PROJECT_ROOT = findProjectRoot(fileURLToPath(new URL('.', import.meta.url)));
export const EXAMPLE_APP_PATH = join(PROJECT_ROOT, 'example');

function findProjectRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return resolve(start, '..');
}

/**
 * Parses sizes the way nginx's client_max_body_size does: `1048576`, `512k`, `10m`, `1g`
 * (case-insensitive; unlike nginx, a trailing `b` as in `10mb` is accepted too).
 */
export function parseSize(name: string, raw: string): number {
  const match = /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(raw);
  if (!match) {
    throw new ConfigError(`${name} must be a size in bytes, optionally with a k, m or g suffix (for example 10m), but is set to "${raw}"`);
  }
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

export interface LoadOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where `.env` and relative paths are resolved; defaults to process.cwd(). */
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const fromFile = readDotenv(cwd);
  // Real environment variables win over `.env`, as with Laravel's own loader.
  const source: Record<string, string | undefined> = { ...fromFile, ...(options.env ?? process.env) };
  const env = envVar.from(source);

  const read = <T>(name: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const detail = err instanceof Error ? err.message.replace(/^env-var:\s*/, '') : String(err);
      const value = source[name];
      const shown = value !== undefined && !detail.includes(`"${value}"`) ? `, but is set to "${value}"` : '';
      throw new ConfigError(`invalid configuration: ${detail}${shown}`);
    }
  };
  const intIn = (name: string, def: number, min: number, max: number, unit = ''): number =>
    read(name, () => {
      const value = env.get(name).default(String(def)).asInt();
      if (value < min || value > max) {
        throw new ConfigError(`invalid configuration: "${name}" must be an integer from ${min} to ${max}${unit}, but is set to "${source[name]}"`);
      }
      return value;
    });
  const seconds = (name: string, def: number, min = 0, max = 86_400): number =>
    read(name, () => {
      const value = env.get(name).default(String(def)).asFloat();
      if (value < min || value > max) {
        throw new ConfigError(`invalid configuration: "${name}" must be a number of seconds from ${min} to ${max}, but is set to "${source[name]}"`);
      }
      return Math.round(value * 1000);
    });

  const laravelEnv = source['LARAVEL_PATH'];
  let laravelPath: string;
  let usingExampleApp = false;
  if (laravelEnv !== undefined && laravelEnv !== '') {
    laravelPath = resolve(cwd, laravelEnv);
  } else if (existsSync(join(cwd, 'bootstrap', 'app.php'))) {
    laravelPath = cwd;
  } else {
    // The documented default is the current directory; when that is not a Laravel app
    // (as in this repository's root), serve the bundled example so `npm start` just works.
    laravelPath = EXAMPLE_APP_PATH;
    usingExampleApp = true;
  }

  const socketPath = read('SOCKET_PATH', () => env.get('SOCKET_PATH').default('/tmp/rust_php_bridge.sock').asString());
  if (!isAbsolute(socketPath)) {
    throw new ConfigError(`invalid configuration: "SOCKET_PATH" must be an absolute path, but is set to "${socketPath}"`);
  }
  // Unix socket paths are limited to 107 bytes on Linux; workers add `.workers/wNNNNNN.sock`.
  if (Buffer.byteLength(socketPath) > 86) {
    throw new ConfigError(`invalid configuration: "SOCKET_PATH" must be at most 86 bytes long (Unix sockets allow 107 and worker sockets add a suffix), but is ${Buffer.byteLength(socketPath)} bytes: "${socketPath}"`);
  }

  const phpHandlerRaw = source['PHP_HANDLER'];
  const phpHandler = phpHandlerRaw ? resolve(cwd, phpHandlerRaw) : null;
  if (phpHandler !== null && !existsSync(phpHandler)) {
    throw new ConfigError(`invalid configuration: "PHP_HANDLER" must name an existing PHP file, but "${phpHandlerRaw}" does not exist`);
  }

  const poolMin = intIn('SOCKET_POOL_MIN', 2, 1, 1024);
  const poolMax = intIn('SOCKET_POOL_MAX', 10, 1, 1024);
  if (poolMax < poolMin) {
    throw new ConfigError(`invalid configuration: "SOCKET_POOL_MAX" (${poolMax}) must be at least "SOCKET_POOL_MIN" (${poolMin})`);
  }

  const config: Config = {
    httpPort: read('HTTP_PORT', () => env.get('HTTP_PORT').default('8080').asPortNumber()),
    httpHost: read('HTTP_HOST', () => env.get('HTTP_HOST').default('127.0.0.1').asString()),
    socketPath,
    socketGroup: source['SOCKET_GROUP'] ? source['SOCKET_GROUP'] : null,
    phpPath: read('PHP_PATH', () => env.get('PHP_PATH').default('php').asString()),
    laravelPath,
    usingExampleApp,
    logLevel: read('LOG_LEVEL', () => env.get('LOG_LEVEL').default('info').asEnum([...LOG_LEVELS])),
    logDir: resolve(cwd, read('LOG_DIR', () => env.get('LOG_DIR').default('./logs').asString())),
    startupCommand: read('STARTUP_COMMAND', () => env.get('STARTUP_COMMAND').default('laravel-rust:serve').asString()),
    workerEntry: read('WORKER_ENTRY', () => env.get('WORKER_ENTRY').default('auto').asEnum([...WORKER_ENTRIES])),
    phpHandler,
    phpJit: read('PHP_JIT', () => env.get('PHP_JIT').default('tracing').asEnum(['off', 'tracing', 'function'])),
    poolMin,
    poolMax,
    connectTimeoutMs: seconds('SOCKET_CONNECTION_TIMEOUT', 5, 0.01, 600),
    healthCheckIntervalMs: seconds('SOCKET_HEALTH_CHECK_INTERVAL', 30, 0, 86_400),
    workerBootTimeoutMs: seconds('WORKER_BOOT_TIMEOUT', 30, 1, 3600),
    poolIdleTimeoutMs: seconds('POOL_IDLE_TIMEOUT', 60, 1, 86_400),
    poolGrowIdleCpu: intIn('POOL_GROW_IDLE_CPU', 15, 0, 100, ' (percent of the CPU)') / 100,
    workerThreads: intIn('WORKER_THREADS', defaultWorkerThreads(), 0, 64),
    pipelineWindowMs: intIn('PIPELINE_WINDOW_MS', 10, 0, 60_000, ' (milliseconds, 0 = no pipelining)'),
    pipelineDepth: intIn('PIPELINE_DEPTH', 8, 1, 64),
    requestTimeoutMs: seconds('REQUEST_TIMEOUT', 60, 0.01, 86_400),
    clientTimeoutMs: seconds('CLIENT_TIMEOUT', 30, 0.01, 86_400),
    maxBodySize: read('MAX_BODY_SIZE', () => parseSize('MAX_BODY_SIZE', source['MAX_BODY_SIZE'] ?? '10m')),
    maxResponseBuffer: read('MAX_RESPONSE_BUFFER', () => parseSize('MAX_RESPONSE_BUFFER', source['MAX_RESPONSE_BUFFER'] ?? '8m')),
    maxHeaderSize: read('MAX_HEADER_SIZE', () => parseSize('MAX_HEADER_SIZE', source['MAX_HEADER_SIZE'] ?? '32k')),
    maxQueue: intIn('MAX_QUEUE', 1024, 0, 1_000_000),
    // Each recycle costs a Laravel boot (tens of ms of CPU) and, with a pool the size of the
    // cores, half the capacity while the replacement boots and warms its JIT: at 10,000 a
    // worker serving 1,000 req/s recycled every 10 s (max latency 386-552 ms against 42 ms at
    // 100,000, docs/PERFORMANCE.md). Memory growth is bounded by WORKER_MEMORY_LIMIT, which
    // the PHP worker checks after every request.
    maxRequests: intIn('MAX_REQUESTS', 100_000, 0, 100_000_000),
    workerMemoryLimitMb: intIn('WORKER_MEMORY_LIMIT', 128, 0, 1_048_576, ' (megabytes, 0 = no limit)'),
    shutdownGraceMs: seconds('SHUTDOWN_GRACE', 30, 0, 3600),
    // 0: a bare run (Ctrl-C, a test, systemd without a balancer) has nobody to wait for; behind
    // a balancer set it to at least its check interval times its fall count (deploy/README.md).
    shutdownDelayMs: seconds('SHUTDOWN_DELAY', 0, 0, 3600),
    accessLog: source['ACCESS_LOG'] ? resolve(cwd, source['ACCESS_LOG']) : null,
    accessLogFormat: read('ACCESS_LOG_FORMAT', () => env.get('ACCESS_LOG_FORMAT').default('combined').asEnum([...ACCESS_LOG_FORMATS])),
    healthPath: read('HEALTH_PATH', () => pathSetting(env.get('HEALTH_PATH').default('/healthz').asString(), 'HEALTH_PATH')),
    readyPath: read('READY_PATH', () => pathSetting(env.get('READY_PATH').default('/readyz').asString(), 'READY_PATH')),
    trustedProxies: read('TRUSTED_PROXIES', () => parseTrustedProxies(source['TRUSTED_PROXIES'] ?? '')),
    trustedProxiesRaw: source['TRUSTED_PROXIES'] ?? '',
    watch: read('WATCH', () => env.get('WATCH').default('false').asBoolStrict()),
    staticFiles: read('STATIC_FILES', () => env.get('STATIC_FILES').default('true').asBoolStrict()),
    ...readEdge(source, cwd, intIn),
    // The micro-cache: off unless CACHE_MAX_MB is set, since caching is the app's promise
    // (Cache-Control: public), and an operator should opt in to the memory it takes.
    cacheMaxBytes: intIn('CACHE_MAX_MB', 0, 0, 1_048_576, ' (megabytes, 0 = off)') * 1024 * 1024,
    cacheMaxEntrySize: read('CACHE_MAX_ENTRY_SIZE', () => parseSize('CACHE_MAX_ENTRY_SIZE', source['CACHE_MAX_ENTRY_SIZE'] ?? '1m')),
    ...readObservability(source),
    // Compression: the levels are for dynamic responses, compressed on every request, so they
    // stay moderate (brotli 11 costs about 100x quality 4 for a few percent; gzip 9 about 3x 5).
    compression: read('COMPRESSION', () => env.get('COMPRESSION').default('true').asBoolStrict())
      ? Object.freeze({
          minSize: read('COMPRESSION_MIN_SIZE', () => parseSize('COMPRESSION_MIN_SIZE', source['COMPRESSION_MIN_SIZE'] ?? '1k')),
          gzipLevel: intIn('COMPRESSION_GZIP_LEVEL', 5, 1, 9),
          brotliQuality: intIn('COMPRESSION_BROTLI_QUALITY', 4, 0, 11),
        })
      : null,
    // Request bodies on disk and downloads handed over by the app: one block.
    bodyMemoryMax: read('BODY_MEMORY_MAX', () => parseSize('BODY_MEMORY_MAX', source['BODY_MEMORY_MAX'] ?? '1m')),
    uploadTmpDir: resolve(cwd, read('UPLOAD_TMP_DIR', () => env.get('UPLOAD_TMP_DIR').default(join(tmpdir(), `laravel-front-door-uploads-${process.getuid?.() ?? 0}`)).asString())),
    sendfileRoots: parseSendfileRoots(source['SENDFILE_ROOTS'], laravelPath, cwd),
  };
  return Object.freeze(config);
}

/**
 * On small machines the thread hop costs more than it saves: on 2 cores, sockets on the main
 * thread measured fastest for both the plain and the Laravel route (docs/PERFORMANCE.md). With
 * more cores the main thread can become the limit, so larger machines get threads; run
 * `npm run bench -- --threads-sweep` there to choose.
 */
function defaultWorkerThreads(): number {
  const cores = availableParallelism();
  return cores <= 4 ? 0 : Math.min(4, Math.floor(cores / 4));
}

/**
 * SENDFILE_ROOTS: comma-separated directories (relative ones from the working directory);
 * default the app's storage/app and public; `off` (or empty) turns the handover off. Kept as
 * real paths, so a symlinked root compares with the real path of a file inside it.
 */
function parseSendfileRoots(raw: string | undefined, laravelPath: string, cwd: string): string[] {
  const value = raw ?? `${join(laravelPath, 'storage', 'app')},${join(laravelPath, 'public')}`;
  if (value.trim() === '' || value.trim().toLowerCase() === 'off') return [];
  const roots: string[] = [];
  for (const part of value.split(',')) {
    const dir = part.trim();
    if (dir === '') continue;
    const absolute = resolve(cwd, dir);
    try {
      roots.push(realpathSync(absolute));
    } catch {
      if (raw !== undefined) throw new ConfigError(`invalid configuration: "SENDFILE_ROOTS" names "${dir}", which does not exist`);
      // A default root the app lacks (no public/) is simply not offered.
    }
  }
  return roots;
}

type IntIn = (name: string, def: number, min: number, max: number, unit?: string) => number;

/**
 * TLS and rate limiting, one block. Only the settings are checked here; whether the certificate
 * files can be read and parsed is checked at start (and on reload) by src/http/tls-files.ts,
 * because a reload must re-read them.
 */
function readEdge(source: Record<string, string | undefined>, cwd: string, intIn: IntIn): Pick<Config, 'tlsCertFile' | 'tlsKeyFile' | 'tlsPassphrase' | 'httpRedirectPort' | 'rateLimit' | 'rateLimitBurst' | 'rateLimitTableSize' | 'rateLimitExempt'> {
  const cert = source['TLS_CERT_FILE'] || null;
  const key = source['TLS_KEY_FILE'] || null;
  if ((cert === null) !== (key === null)) {
    const missing = cert === null ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    throw new ConfigError(`invalid configuration: "TLS_CERT_FILE" and "TLS_KEY_FILE" must be set together (TLS needs both), but "${missing}" is not set`);
  }
  const redirect = source['HTTP_REDIRECT_PORT'] ? intIn('HTTP_REDIRECT_PORT', 0, 1, 65_535) : null;
  if (redirect !== null && cert === null) {
    throw new ConfigError('invalid configuration: "HTTP_REDIRECT_PORT" redirects to https and needs TLS: set "TLS_CERT_FILE" and "TLS_KEY_FILE" too');
  }
  const rate = intIn('RATE_LIMIT', 0, 0, 1_000_000, ' (requests per second, 0 = off)');
  const burst = intIn('RATE_LIMIT_BURST', Math.max(1, rate * 2), 1, 10_000_000, ' (requests)');
  const table = intIn('RATE_LIMIT_TABLE_SIZE', 1_048_576, 1024, 67_108_864, ' (client addresses)');
  const exempt = (source['RATE_LIMIT_EXEMPT'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  for (const path of exempt) pathSetting(path, 'RATE_LIMIT_EXEMPT');
  return {
    tlsCertFile: cert === null ? null : resolve(cwd, cert),
    tlsKeyFile: key === null ? null : resolve(cwd, key),
    tlsPassphrase: source['TLS_PASSPHRASE'] || null,
    httpRedirectPort: redirect,
    rateLimit: rate,
    rateLimitBurst: burst,
    // A power of two, so a slot is found with a mask (src/http/rate-limit.ts).
    rateLimitTableSize: 2 ** Math.ceil(Math.log2(table)),
    rateLimitExempt: Object.freeze(exempt),
  };
}

/** METRICS_PATH, METRICS_TOKEN, STATUS_PATH: the front door's own observability endpoints (src/metrics). */
function readObservability(source: Record<string, string | undefined>): Pick<Config, 'metricsPath' | 'metricsToken' | 'statusPath'> {
  const metricsPath = pathSetting(source['METRICS_PATH'] ?? '/metrics', 'METRICS_PATH');
  const statusPath = pathSetting(source['STATUS_PATH'] ?? '/status', 'STATUS_PATH');
  if (metricsPath !== '' && metricsPath === statusPath) {
    throw new ConfigError(`invalid configuration: "METRICS_PATH" and "STATUS_PATH" must differ, but both are "${metricsPath}"`);
  }
  for (const [name, probe] of [['HEALTH_PATH', source['HEALTH_PATH'] ?? '/healthz'], ['READY_PATH', source['READY_PATH'] ?? '/readyz']] as const) {
    if (probe !== '' && (probe === metricsPath || probe === statusPath)) {
      throw new ConfigError(`invalid configuration: "${name}" ("${probe}") must differ from "METRICS_PATH" and "STATUS_PATH"`);
    }
  }
  const token = source['METRICS_TOKEN'] ?? '';
  // RFC 6750 §2.1's b64token: what a client can put after "Bearer " without quoting.
  if (token !== '' && !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new ConfigError('invalid configuration: "METRICS_TOKEN" must be a bearer token (letters, digits and -._~+/, optionally ending in =), but contains other characters');
  }
  return { metricsPath, metricsToken: token === '' ? null : token, statusPath };
}

function pathSetting(value: string, name: string): string {
  if (value !== '' && !value.startsWith('/')) {
    throw new ConfigError(`invalid configuration: "${name}" must be a URL path starting with "/" (or empty to turn it off), but is set to "${value}"`);
  }
  return value;
}

function readDotenv(cwd: string): Record<string, string> {
  const file = join(cwd, '.env');
  if (!existsSync(file)) return {};
  return parseDotenv(readFileSync(file));
}
