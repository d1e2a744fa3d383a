/**
 * Reads one line of a PHP worker's stderr. The worker's own log lines
 * (php/src/Support/StderrLog.php) look like `[php-worker 1234] [error] request 2 failed: …` and
 * are logged at their level; everything else on stderr (the app's own writes, the `[stdout] …`
 * lines of what it echoed, PHP's own error text with display_errors=stderr) has no level and is
 * logged at `warn`.
 */

/** The pino levels a PHP worker's stderr line is logged at. */
export type PhpLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface PhpLogLine {
  level: PhpLogLevel;
  /** The text without the `[php-worker PID] [LEVEL] ` prefix; the whole line when it has none. */
  message: string;
  /** The PHP process id from the prefix; null for a line without one. */
  pid: number | null;
}

/** StderrLog's level names (PSR-3's) to pino's. */
const LEVELS: ReadonlyMap<string, PhpLogLevel> = new Map<string, PhpLogLevel>([
  ['debug', 'debug'],
  ['info', 'info'],
  ['warning', 'warn'],
  ['error', 'error'],
]);

/** Level of a line without a (known) level tag. */
export const UNTAGGED_LEVEL: PhpLogLevel = 'warn';

/** `[php-worker PID] `, then the optional `[LEVEL] `. */
const PREFIX = /^(\[php-worker (\d+)\] )(?:\[([a-z]+)\] )?/;

export function parsePhpLogLine(line: string): PhpLogLine {
  const match = PREFIX.exec(line);
  if (match === null) return { level: UNTAGGED_LEVEL, message: line, pid: null };
  const [whole, workerPrefix = '', pid, tag] = match;
  const level = tag === undefined ? undefined : LEVELS.get(tag);
  // An unknown tag stays part of the message, so nothing the worker wrote is lost.
  return level === undefined
    ? { level: UNTAGGED_LEVEL, message: line.slice(workerPrefix.length), pid: Number(pid) }
    : { level, message: line.slice(whole.length), pid: Number(pid) };
}
