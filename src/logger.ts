/**
 * pino, writing JSON lines to stdout and to `${LOG_DIR}/server.log`. Both destinations are
 * asynchronous so a burst of request lines never blocks the event loop on disk or a slow pipe;
 * `flushLogs()` drains them on shutdown.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { LogFile } from './log/log-file.js';

export type { Logger };

let destinations: pino.DestinationStream[] = [];
let serverLog: LogFile | null = null;

export function createLogger(config: Pick<Config, 'logLevel' | 'logDir'>): Logger {
  mkdirSync(config.logDir, { recursive: true });
  const stdout = pino.destination({ dest: 1, sync: false });
  // Opened synchronously (LogFile): a destination still opening when an early start-up error
  // exits the process made pino's exit hook throw ("sonic boom is not ready yet") over the real
  // message. Reopened on SIGUSR1 (reopenLogs) for logrotate.
  const file = new LogFile(join(config.logDir, 'server.log'), {
    maxBuffer: 16 * 1024 * 1024,
    onError: (err) => process.stderr.write(`server.log: ${err.message}\n`),
  });
  serverLog = file;
  destinations = [stdout, file];
  return pino(
    { level: config.logLevel, base: { pid: process.pid } },
    pino.multistream([
      { level: config.logLevel, stream: stdout },
      { level: config.logLevel, stream: file },
    ]),
  );
}

/** Reopens server.log at its path (after logrotate renamed it); SIGUSR1, as nginx does. */
export function reopenLogs(): void {
  serverLog?.reopen();
}

/** Writes out whatever is buffered; call before the process exits. */
export function flushLogs(): void {
  for (const dest of destinations) {
    const sonic = dest as unknown as { flushSync?: () => void };
    try {
      sonic.flushSync?.();
    } catch {
      // A destination that is not ready yet has nothing to flush.
    }
  }
}
