/**
 * A log file that never blocks the event loop, never grows memory without bound, and can be
 * reopened in place for log rotation (SIGUSR1, as nginx does).
 *
 * Writes go to sonic-boom (pino's own file writer, made by pino.destination): a line is appended to an in-memory buffer and
 * written by asynchronous fs.write calls, many lines per call while one is in flight. When the
 * disk does not keep up and more than `maxBuffer` bytes wait, new lines are dropped and counted
 * instead of queued. Reopening opens the path again (logrotate has renamed the old file) and
 * swaps it in; the old descriptor is closed once what was queued for it is written, so no line
 * is lost or split across the rotation.
 */
import { openSync } from 'node:fs';
import pino from 'pino';

/** sonic-boom, as pino.destination makes it. */
type SonicBoom = ReturnType<typeof pino.destination>;

export interface LogFileOptions {
  /** Most bytes waiting for the disk; past it, lines are dropped (counted in `dropped`). */
  maxBuffer: number;
  /** A write or reopen failed (disk full, permissions): the caller decides how to report it. */
  onError(err: Error): void;
}

export class LogFile {
  readonly path: string;
  readonly #options: LogFileOptions;
  #dest: SonicBoom;
  #dropped = 0;

  /** Opens (or creates) `path` for appending, synchronously, so a bad path fails the start. */
  constructor(path: string, options: LogFileOptions) {
    this.path = path;
    this.#options = options;
    this.#dest = this.#open();
  }

  /** Lines dropped so far because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  write(data: string): void {
    this.#dest.write(data);
  }

  /** Starts a new file at `path` (after a rotation renamed the old one). Keeps the old one on failure. */
  reopen(): void {
    let next: SonicBoom;
    try {
      next = this.#open();
    } catch (err) {
      this.#options.onError(err as Error);
      return;
    }
    const old = this.#dest;
    this.#dest = next;
    old.end();
  }

  /** Writes out everything buffered, synchronously: only at exit. */
  flushSync(): void {
    try {
      this.#dest.flushSync();
    } catch {
      // Nothing buffered, or a write already under way that finishes on its own.
    }
  }

  #open(): SonicBoom {
    // Opened here with openSync (one syscall, at start and on SIGUSR1): an asynchronous open
    // leaves a window in which an early exit cannot flush ("sonic boom is not ready yet").
    const dest = pino.destination({ fd: openSync(this.path, 'a', 0o640), sync: false, maxLength: this.#options.maxBuffer });
    dest.on('drop', () => this.#dropped++);
    dest.on('error', (err: Error) => this.#options.onError(err));
    return dest;
  }
}
