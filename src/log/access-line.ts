/**
 * One access-log line per request, in nginx's `combined` format or as JSON. Pure functions, no I/O.
 *
 * combined (nginx's predefined log_format):
 *   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
 * We have no HTTP authentication at the door, so $remote_user is always "-", as nginx writes it
 * for a request without credentials. Strings are escaped the way nginx's default escaping does
 * (`"` and `\` and bytes outside printable ASCII as \xHH), so a client cannot forge a line or
 * a field.
 */

export const ACCESS_LOG_FORMATS = ['combined', 'json'] as const;
export type AccessLogFormat = (typeof ACCESS_LOG_FORMATS)[number];

export interface AccessEntry {
  /** The client, after TRUSTED_PROXIES resolved X-Forwarded-For (nginx's realip $remote_addr). */
  remoteAddr: string;
  method: string;
  /** Path and query as the client sent them. */
  uri: string;
  protocol: string;
  status: number;
  /** Body bytes sent to the client ($body_bytes_sent). */
  bytes: number;
  referer: string | null;
  userAgent: string | null;
  /** Milliseconds from the request's arrival to its end ($request_time, in ms). */
  ms: number;
  /** The PHP worker that served it; null when the front door answered by itself. */
  worker: number | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** nginx's $time_local: `03/Dec/2026:18:16:26 +0000`, in the server's time zone. */
export function timeLocal(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** nginx's `escape=default`: `"`, `\`, control characters and non-ASCII bytes as \xHH. */
export function escapeField(value: string): string {
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte < 0x20 || byte === 0x22 || byte === 0x5c || byte > 0x7e ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

export function combinedLine(entry: AccessEntry, date: Date): string {
  const request = escapeField(`${entry.method} ${entry.uri} ${entry.protocol}`);
  const referer = entry.referer === null ? '-' : escapeField(entry.referer);
  const agent = entry.userAgent === null ? '-' : escapeField(entry.userAgent);
  return `${escapeField(entry.remoteAddr)} - - [${timeLocal(date)}] "${request}" ${entry.status} ${entry.bytes} "${referer}" "${agent}"\n`;
}

/** The same fields as one JSON object, plus the time taken and the worker, for log shippers. */
export function jsonLine(entry: AccessEntry, date: Date): string {
  return `${JSON.stringify({
    time: date.toISOString(),
    remote_addr: entry.remoteAddr,
    method: entry.method,
    uri: entry.uri,
    protocol: entry.protocol,
    status: entry.status,
    body_bytes_sent: entry.bytes,
    referer: entry.referer,
    user_agent: entry.userAgent,
    request_time_ms: entry.ms,
    worker: entry.worker,
  })}\n`;
}

export function formatAccessLine(format: AccessLogFormat, entry: AccessEntry, date: Date): string {
  return format === 'json' ? jsonLine(entry, date) : combinedLine(entry, date);
}
