/**
 * Starts the front door: config, logs, the native uWS check, the PHP workers, the worker
 * threads, then HTTP. SIGINT/SIGTERM drain in-flight requests within SHUTDOWN_GRACE and exit 0.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, type Config } from './config.js';
import { BridgeError, StartupError } from './errors.js';
import { createLogger, flushLogs, type Logger } from './logger.js';
import { loadNativeUws } from './http/uws.js';
import { HttpServer } from './http/server.js';
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
  if (config.usingExampleApp) {
    log.info({ laravelPath: config.laravelPath }, 'LARAVEL_PATH is not set and the current directory is not a Laravel app: serving the bundled example app');
  }

  // The control socket at SOCKET_PATH marks this server as running: a second server with the
  // same SOCKET_PATH refuses to start instead of stealing its sockets.
  mkdirSync(dirname(config.socketPath), { recursive: true });
  await claimSocketPath(config.socketPath, 'SOCKET_PATH');
  const scheduler = new WorkerScheduler(config.maxQueue);
  const supervisor = new Supervisor(config, scheduler, log);
  const control = await listenControlSocket(config.socketPath, supervisor, log, config.socketGroup, () => observability.status());
  const dispatcher = createDispatcher({ threads: config.workerThreads, connectTimeoutMs: config.connectTimeoutMs, maxInFlight: config.poolMax });
  const observability = createObservability({ config, supervisor, scheduler, dispatcher, inFlight: () => http.inFlight }, log);
  const http = new HttpServer({ config, log, uws, scheduler, dispatcher, supervisor, metrics: observability.metrics, endpoints: observability.endpoints });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, inFlight: http.inFlight }, 'shutting down: finishing in-flight requests');
    const deadline = Date.now() + config.shutdownGraceMs;
    await http.close(config.shutdownGraceMs);
    scheduler.close(new BridgeError('SHUTTING_DOWN', 'server is shutting down'));
    await supervisor.stop(Math.max(0, deadline - Date.now()));
    await dispatcher.close();
    control.close();
    removeQuietly(config.socketPath);
    log.info('stopped');
    flushLogs();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading PHP workers');
    supervisor.reload().catch(() => undefined);
  });
  if (config.watch) watchForChanges(config.laravelPath, log, () => supervisor.reload().catch(() => undefined));

  await supervisor.start();
  const port = await http.listen();
  log.info(
    { url: `http://${config.httpHost}:${port}`, threads: dispatcher.threads, workers: supervisor.readyCount, poolMax: config.poolMax },
    'listening',
  );
}

void main();
