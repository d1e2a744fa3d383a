/**
 * Every failure the front door can hit, in two kinds that never mix:
 *
 * - **Start-up errors** (`StartupError`): bad configuration, a socket in use, uWS without its
 *   native binary. They stop the start with a message and an exit code; no client ever sees one.
 * - **Request errors** (`BridgeError`): one request failed. Each code has one row in
 *   `REQUEST_ERRORS`, the only place that says which HTTP status a client gets, what the body
 *   says, and whether the PHP worker that served it can still be trusted.
 *
 * Request errors cross worker-thread boundaries as plain `{ code, message }` data (structured
 * clone drops class identity) and are rebuilt on the main thread with `toBridgeError`.
 */

interface RequestErrorInfo {
  status: number;
  /** The short body the front door writes itself: never a stack trace. */
  text: string;
  /**
   * The connection to the PHP worker can no longer be trusted (it crashed, or its bytes broke
   * FRAME.md): the worker is killed and replaced rather than given another request.
   */
  breaksWorker?: true;
}

const BAD_GATEWAY = 'Bad Gateway: the PHP worker failed to answer this request';
const UNAVAILABLE = { status: 503 } as const;

/** A frame that breaks src/codec/FRAME.md: the peer is not speaking the protocol. */
const BROKEN_FRAME: RequestErrorInfo = { status: 502, text: BAD_GATEWAY, breaksWorker: true };

const REQUEST_ERRORS = {
  BAD_REQUEST: { status: 400, text: 'Bad Request' },
  CLIENT_TIMEOUT: { status: 408, text: 'Request Timeout: the request body did not arrive in time' },
  BODY_TOO_LARGE: { status: 413, text: 'Payload Too Large' },
  HEADERS_TOO_LARGE: { status: 431, text: 'Request Header Fields Too Large' },
  /** RATE_LIMIT: the client's bucket is empty (src/http/rate-limit.ts adds Retry-After and RateLimit-*). */
  RATE_LIMITED: { status: 429, text: 'Too Many Requests' },
  /** A bug on our side (Node): the request fails, the PHP worker is kept. */
  INTERNAL: { status: 500, text: 'Internal Server Error' },
  /** The app failed the request (an ERROR frame); the worker is fine unless it said it stops. */
  WORKER_APP_ERROR: { status: 502, text: BAD_GATEWAY },
  BAD_RESPONSE_HEADER: { status: 502, text: BAD_GATEWAY },
  /** The app handed over (X-Sendfile) a file outside SENDFILE_ROOTS: never sent; the worker is fine. */
  SENDFILE_FORBIDDEN: { status: 502, text: BAD_GATEWAY },
  WORKER_CRASHED: { status: 502, text: BAD_GATEWAY, breaksWorker: true },
  WORKER_CONNECT_FAILED: { status: 502, text: BAD_GATEWAY, breaksWorker: true },
  FRAME_BAD_MAGIC: BROKEN_FRAME,
  FRAME_BAD_VERSION: BROKEN_FRAME,
  FRAME_BAD_CHECKSUM: BROKEN_FRAME,
  FRAME_UNKNOWN_TYPE: BROKEN_FRAME,
  FRAME_BAD_FLAGS: BROKEN_FRAME,
  FRAME_PAYLOAD_TOO_LARGE: BROKEN_FRAME,
  FRAME_TRUNCATED: BROKEN_FRAME,
  FRAME_WRONG_REQUEST_ID: BROKEN_FRAME,
  FRAME_UNEXPECTED: BROKEN_FRAME,
  FRAME_BAD_PAYLOAD: BROKEN_FRAME,
  QUEUE_FULL: { ...UNAVAILABLE, text: 'Service Unavailable: the request queue is full, retry shortly' },
  SHUTTING_DOWN: { ...UNAVAILABLE, text: 'Service Unavailable: the server is shutting down' },
  REQUEST_TIMEOUT: { status: 504, text: 'Gateway Timeout: the application did not answer in time' },
} as const satisfies Record<string, RequestErrorInfo>;

export type ErrorCode = keyof typeof REQUEST_ERRORS;
export const REQUEST_ERROR_CODES = Object.keys(REQUEST_ERRORS) as ErrorCode[];

/** Seconds a client is told to wait (`Retry-After`) on every 503 the front door sends. */
export const RETRY_AFTER_SECONDS = 1;

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

/** One request failed. `message` is for the log; the client gets the code's short text. */
export class BridgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

/** A frame that breaks `src/codec/FRAME.md`. Carries the offending header bytes for the log. */
export class FrameError extends BridgeError {
  readonly rawHex: string;

  constructor(code: ErrorCode, message: string, raw?: Uint8Array) {
    const rawHex = raw ? Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 32)).toString('hex') : '';
    super(code, rawHex ? `${message} (bytes: ${rawHex})` : message);
    this.rawHex = rawHex;
  }
}

/** The app failed the request (ERROR frame); `stopping`: the worker exits now (exit(), fatal error). */
export class WorkerAppError extends BridgeError {
  readonly stopping: boolean;

  constructor(message: string, stopping: boolean) {
    super('WORKER_APP_ERROR', message);
    this.stopping = stopping;
  }
}

export type StartupErrorCode = 'CONFIG_INVALID' | 'UWS_NOT_NATIVE' | 'SOCKET_IN_USE' | 'SOCKET_UNUSABLE' | 'LOG_UNUSABLE' | 'TLS_INVALID';

/** The server cannot start (or reload): the message says what to fix. */
export class StartupError extends Error {
  readonly code: StartupErrorCode;

  constructor(code: StartupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ConfigError extends StartupError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

export function httpStatusFor(code: ErrorCode): number {
  return REQUEST_ERRORS[code].status;
}

export function clientMessageFor(code: ErrorCode): string {
  return REQUEST_ERRORS[code].text;
}

/** After this error the PHP worker's connection cannot be trusted: kill and replace the worker. */
export function breaksWorker(code: ErrorCode): boolean {
  return (REQUEST_ERRORS[code] as RequestErrorInfo).breaksWorker === true;
}

/** Any failure as a typed request error; rebuilds one that crossed a thread boundary as `{code, message}`. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  if (isErrorData(err)) return new BridgeError(err.code, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new BridgeError('INTERNAL', message, { cause: err });
}

function isErrorData(value: unknown): value is ErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorData).code === 'string' &&
    Object.hasOwn(REQUEST_ERRORS, (value as ErrorData).code) &&
    typeof (value as ErrorData).message === 'string'
  );
}
