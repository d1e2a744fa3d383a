/**
 * The access log (ACCESS_LOG): one line per request, written through a bounded, asynchronous,
 * reopenable LogFile. A full buffer drops lines rather than slowing requests; how many were
 * dropped is reported in the server log, at most once a second.
 */
import type { Logger } from '../logger.js';
import { formatAccessLine, type AccessEntry, type AccessLogFormat } from './access-line.js';
import { LogFile } from './log-file.js';

/** Bytes of access-log lines that may wait for the disk (about 40,000 lines). */
const MAX_BUFFER = 8 * 1024 * 1024;
const DROP_REPORT_MS = 1000;

export class AccessLog {
  readonly #format: AccessLogFormat;
  readonly #file: LogFile;
  readonly #log: Logger;
  #reportedDrops = 0;
  #lastReport = 0;

  constructor(path: string, format: AccessLogFormat, log: Logger) {
    this.#format = format;
    this.#log = log;
    this.#file = new LogFile(path, { maxBuffer: MAX_BUFFER, onError: (err) => log.error({ err, path }, 'access log: cannot write') });
  }

  record(entry: AccessEntry): void {
    const now = new Date();
    this.#file.write(formatAccessLine(this.#format, entry, now));
    const dropped = this.#file.dropped;
    if (dropped !== this.#reportedDrops && now.getTime() - this.#lastReport >= DROP_REPORT_MS) {
      this.#log.warn({ dropped: dropped - this.#reportedDrops, path: this.#file.path }, 'access log: lines dropped, the disk does not keep up');
      this.#reportedDrops = dropped;
      this.#lastReport = now.getTime();
    }
  }

  reopen(): void {
    this.#file.reopen();
  }

  flushSync(): void {
    this.#file.flushSync();
  }
}
