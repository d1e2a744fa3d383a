/**
 * Starts the front door: config, logs, the native uWS check, the PHP workers, the worker
 * threads, then HTTP. SIGINT/SIGTERM stop it the way load balancers need (readiness 503 for
 * SHUTDOWN_DELAY while still serving, then connections closed, then in-flight requests finished
 * within SHUTDOWN_GRACE) and exit 0. SIGUSR1 reopens the log files, SIGHUP reloads PHP workers.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, type Config } from './config.js';
import { BridgeError, StartupError } from './errors.js';
import { createLogger, flushLogs, reopenLogs, type Logger } from './logger.js';
import { AccessLog } from './log/access-log.js';
import { loadNativeUws } from './http/uws.js';
import { HttpServer } from './http/server.js';
import { MicroCache } from './http/micro-cache.js';
import { WorkerScheduler } from './pool/scheduler.js';
import { Supervisor } from './supervisor/supervisor.js';
import { claimSocketPath, removeQuietly } from './supervisor/socket-files.js';
import { listenControlSocket } from './supervisor/control-socket.js';
import { watchForChanges } from './supervisor/watch.js';
import { createDispatcher } from './threads/dispatcher.js';
import { createObservability } from './metrics/observability.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config);
  try {
    await run(config, log);
  } catch (err) {
    const message = err instanceof StartupError || err instanceof BridgeError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
    log.fatal(message);
    flushLogs();
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

async function run(config: Config, log: Logger): Promise<void> {
  const uws = loadNativeUws();
  // Before the control socket is claimed: a bad ACCESS_LOG stops the start with nothing to undo.
  const accessLog = config.accessLog === null ? null : openAccessLog(config, log);
  if (config.usingExampleApp) {
    log.info({ laravelPath: config.laravelPath }, 'LARAVEL_PATH is not set and the current directory is not a Laravel app: serving the bundled example app');
  }

  // The control socket at SOCKET_PATH marks this server as running: a second server with the
  // same SOCKET_PATH refuses to start instead of stealing its sockets.
  mkdirSync(dirname(config.socketPath), { recursive: true });
  await claimSocketPath(config.socketPath, 'SOCKET_PATH');
  // Pipelining needs the request's body on the main thread to send it again when a worker hands
  // it back, which a thread hop (the body transferred away) does not keep. How long a request
  // may be expected to wait behind others depends on whether the CPU is full (the supervisor's
  // reading, the one that stops the pool's growth).
  const scheduler: WorkerScheduler = new WorkerScheduler({
    maxQueue: config.maxQueue,
    pipelineWindowMs: config.workerThreads === 0 ? config.pipelineWindowMs : 0,
    pipelineDepth: config.pipelineDepth,
    cpuFull: (): boolean => supervisor.cpuFull(),
    spreadUpTo: availableParallelism(),
  });
  const supervisor = new Supervisor(config, scheduler, log);
  const dispatcher = createDispatcher({ threads: config.workerThreads, connectTimeoutMs: config.connectTimeoutMs, maxInFlight: config.poolMax });
  const cache = config.cacheMaxBytes > 0 ? new MicroCache(config.cacheMaxBytes, config.cacheMaxEntrySize) : null;
  const observability = createObservability({ config, supervisor, scheduler, dispatcher, inFlight: () => http.inFlight }, log);
  // Before any PHP worker starts: a bad TLS certificate stops the start here (TLS_INVALID).
  const http = new HttpServer({ config, log, uws, scheduler, dispatcher, supervisor, accessLog, cache, metrics: observability.metrics, endpoints: observability.endpoints });
  const control = await listenControlSocket(config.socketPath, supervisor, log, {
    group: config.socketGroup,
    alsoOnReload: () => http.reloadTls(),
    cache,
    status: () => observability.status(),
  });

  let stopping = false;
  let skipDelay: (() => void) | null = null;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      // A second signal (Ctrl-C twice) does not wait out the rest of SHUTDOWN_DELAY.
      skipDelay?.();
      return;
    }
    stopping = true;
    http.drain();
    if (config.shutdownDelayMs > 0) {
      log.info({ signal, delayMs: config.shutdownDelayMs }, 'shutting down: readiness answers 503, still serving for SHUTDOWN_DELAY');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.shutdownDelayMs);
        skipDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    log.info({ signal, inFlight: http.inFlight }, 'shutting down: closing connections, finishing in-flight requests');
    const deadline = Date.now() + config.shutdownGraceMs;
    await http.close(config.shutdownGraceMs);
    scheduler.close(new BridgeError('SHUTTING_DOWN', 'server is shutting down'));
    await supervisor.stop(Math.max(0, deadline - Date.now()));
    await dispatcher.close();
    control.close();
    removeQuietly(config.socketPath);
    log.info('stopped');
    accessLog?.flushSync();
    flushLogs();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGUSR1', () => {
    // logrotate renamed the files: write to new ones at the same paths, as nginx does.
    reopenLogs();
    accessLog?.reopen();
    log.info('SIGUSR1: log files reopened');
  });
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading PHP workers');
    void http.reloadTls();
    supervisor.reload().catch(() => undefined);
  });
  if (config.watch) watchForChanges(config.laravelPath, log, () => supervisor.reload().catch(() => undefined));

  await supervisor.start();
  const port = await http.listen();
  log.info(
    { url: `${http.tls ? 'https' : 'http'}://${config.httpHost}:${port}`, ...(config.httpRedirectPort === null ? {} : { redirectPort: config.httpRedirectPort }), threads: dispatcher.threads, workers: supervisor.readyCount, poolMax: config.poolMax },
    'listening',
  );
}

function openAccessLog(config: Config, log: Logger): AccessLog {
  try {
    return new AccessLog(config.accessLog!, config.accessLogFormat, log);
  } catch (err) {
    throw new StartupError('LOG_UNUSABLE', `cannot open ACCESS_LOG ${config.accessLog}: ${(err as Error).message}`, { cause: err });
  }
}

void main();
