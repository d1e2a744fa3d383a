/**
 * pino, writing JSON lines to stdout and to `${LOG_DIR}/server.log`. Both destinations are
 * asynchronous so a burst of request lines never blocks the event loop on disk or a slow pipe;
 * `flushLogs()` drains them on shutdown.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

let destinations: pino.DestinationStream[] = [];

export function createLogger(config: Pick<Config, 'logLevel' | 'logDir'>): Logger {
  mkdirSync(config.logDir, { recursive: true });
  const stdout = pino.destination({ dest: 1, sync: false });
  const file = pino.destination({ dest: join(config.logDir, 'server.log'), sync: false, mkdir: true });
  destinations = [stdout, file];
  return pino(
    { level: config.logLevel, base: { pid: process.pid } },
    pino.multistream([
      { level: config.logLevel, stream: stdout },
      { level: config.logLevel, stream: file },
    ]),
  );
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
