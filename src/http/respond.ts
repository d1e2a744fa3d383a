/**
 * Writing responses with uWS: status, headers and body in one cork (one syscall), hop-by-hop
 * headers dropped (uWS frames the body itself), and header values with CR/LF refused so an app
 * can never split a response.
 */
import { STATUS_CODES } from 'node:http';
import { clientMessageFor, httpStatusFor, RETRY_AFTER_SECONDS, type BridgeError } from '../errors.js';
import type { HeaderPairs } from '../codec/messages.js';
import type { Uws } from './uws.js';
import { countFrontDoorError } from '../metrics/traffic.js';

/**
 * Fields the app must not set on the wire: the connection-specific ones of RFC 9110 §7.6.1, the
 * framing ones uWS writes itself (Content-Length), Date, which uWS always adds (nginx also hides
 * an upstream's Date), and the instructions meant for the front door itself that nginx's
 * fastcgi_hide_header drops by default (Status, X-Accel-*), and X-Sendfile (src/http/sendfile.ts).
 */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'date',
  'status',
  'x-accel-buffering',
  'x-accel-charset',
  'x-accel-expires',
  'x-accel-limit-rate',
  'x-accel-redirect',
  'x-sendfile',
]);

const statusLines = new Map<number, string>();
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    statusLines.set(status, line);
  }
  return line;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5: field values are visible characters, spaces and tabs; CR, LF and NUL never. */
const BAD_VALUE = /[\r\n\0]/;

/** Returns the name of the first header that cannot be sent safely, or null. */
export function findUnsafeHeader(headers: HeaderPairs): string | null {
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name) || BAD_VALUE.test(value)) return name;
  }
  return null;
}

/** The app's headers minus those the front door owns. */
export function forwardedHeaders(headers: HeaderPairs): HeaderPairs {
  return headers.filter(([name]) => !NOT_FORWARDED.has(name.toLowerCase()));
}

/** The app's Content-Length, when it gave a valid one (uWS writes the header itself). */
export function declaredLength(headers: HeaderPairs): number | null {
  const value = headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * Ends a response that has no body here (HEAD, 204, 304), stating `contentLength` when known.
 * Not uWS's endWithoutBody(n): in 20.30 it then waits for n body bytes that never come, and the
 * next request on the keep-alive connection is dropped. Call inside a cork.
 */
export function endWithoutBody(res: Uws.HttpResponse, contentLength: number | null, closeConnection = false): void {
  if (contentLength !== null) res.writeHeader('Content-Length', String(contentLength));
  // Not endWithoutBody(n, true) either: in 20.30 it adds `Content-Length: 0`, wrong on a 204 or
  // a HEAD. The header alone makes the client close the connection (RFC 9112 §9.6).
  if (closeConnection) res.writeHeader('Connection', 'close');
  res.endWithoutBody();
}

/**
 * For a response whose body uWS writes piece by piece (tryEnd, chunked write): `Connection: close`
 * as a header, so the client closes after it. Not end(…, true) after chunked writes: in 20.30 it
 * writes the header into the body. Call right after the status line.
 */
export function writeCloseHeader(res: Uws.HttpResponse, state: ResponseState): void {
  if (state.closeConnection === true) res.writeHeader('Connection', 'close');
}

/**
 * Closes the connection under a response whose status line is already out (its body failed
 * midway), so the client never takes a truncated body for a whole one, as nginx does.
 */
export function cutResponse(res: Uws.HttpResponse, state: ResponseState): void {
  if (state.aborted || state.done) return;
  state.done = true;
  res.close();
}

/** Tracks a response's life so nothing is written after abort or end (uWS would throw). */
export interface ResponseState {
  aborted: boolean;
  done: boolean;
  /** Called once if the client goes away before the response ends. */
  onAbort?: () => void;
  /** The server is stopping: end with `Connection: close` and close the connection after it. */
  readonly closeConnection?: boolean;
  /** Body bytes handed to uWS so far, for the access log ($body_bytes_sent). */
  sent?: number;
}

/** RFC 9110 §6.4.1: these never carry a body. */
export function statusHasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

export function writeResponse(
  res: Uws.HttpResponse,
  state: ResponseState,
  isHead: boolean,
  status: number,
  headers: HeaderPairs,
  body: ArrayBuffer | Uint8Array,
): void {
  if (state.aborted || state.done) return;
  state.done = true;
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [name, value] of headers) {
      if (!NOT_FORWARDED.has(name.toLowerCase())) res.writeHeader(name, value);
    }
    if (statusHasNoBody(status)) {
      // RFC 9110 §8.6: no Content-Length on 204 (and none needed on 304).
      endWithoutBody(res, null, state.closeConnection);
    } else if (isHead) {
      // HEAD: report the length the app declared for the GET, if it did (as nginx passes it on).
      endWithoutBody(res, declaredLength(headers) ?? (body.byteLength > 0 ? body.byteLength : null), state.closeConnection);
    } else {
      state.sent = body.byteLength;
      res.end(body, state.closeConnection);
    }
  });
}

const RETRY_AFTER = String(RETRY_AFTER_SECONDS);

/**
 * Writes a front-door error page: a short text and the status from the error table. Every 503
 * says when to come back (RFC 9110 §10.2.3), whoever produced it.
 */
export function writeError(res: Uws.HttpResponse, state: ResponseState, error: BridgeError, closeConnection = false): number {
  const status = httpStatusFor(error.code);
  if (state.aborted || state.done) return status;
  state.done = true;
  countFrontDoorError(error.code);
  res.cork(() => {
    res.writeStatus(statusLine(status));
    res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
    if (status === 503) res.writeHeader('Retry-After', RETRY_AFTER);
    const text = `${clientMessageFor(error.code)}\n`;
    state.sent = text.length;
    res.end(text, closeConnection || state.closeConnection === true);
  });
  return status;
}

/** Headers every 503 carries (the readiness probe's too). */
export const UNAVAILABLE_HEADERS: HeaderPairs = [['Retry-After', RETRY_AFTER]];
