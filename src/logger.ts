/**
 * pino, writing JSON lines to stdout and to `${LOG_DIR}/server.log`. Both destinations are
 * asynchronous so a burst of request lines never blocks the event loop on disk or a slow pipe;
 * `flushLogs()` drains them on shutdown.
 */
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

let destinations: pino.DestinationStream[] = [];

export function createLogger(config: Pick<Config, 'logLevel' | 'logDir'>): Logger {
  mkdirSync(config.logDir, { recursive: true });
  const stdout = pino.destination({ dest: 1, sync: false });
  // Opened here, synchronously: a destination still opening when an early start-up error exits
  // the process made pino's exit hook throw ("sonic boom is not ready yet") over the real message.
  const file = pino.destination({ dest: openSync(join(config.logDir, 'server.log'), 'a'), sync: false });
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
