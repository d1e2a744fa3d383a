/**
 * Every failure the bridge can hit, as one base class with a stable `code`, and the single
 * table that maps a code to the HTTP status a client sees.
 *
 * Errors cross worker-thread boundaries as plain `{ code, message }` data (structured clone
 * drops class identity), and are rebuilt on the main thread with `toBridgeError`.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'UWS_NOT_NATIVE'
  | 'FRAME_BAD_MAGIC'
  | 'FRAME_BAD_VERSION'
  | 'FRAME_BAD_CHECKSUM'
  | 'FRAME_UNKNOWN_TYPE'
  | 'FRAME_BAD_FLAGS'
  | 'FRAME_PAYLOAD_TOO_LARGE'
  | 'FRAME_TRUNCATED'
  | 'FRAME_WRONG_REQUEST_ID'
  | 'FRAME_UNEXPECTED'
  | 'FRAME_BAD_PAYLOAD'
  | 'WORKER_CRASHED'
  | 'WORKER_CONNECT_FAILED'
  | 'WORKER_APP_ERROR'
  | 'QUEUE_FULL'
  | 'REQUEST_TIMEOUT'
  | 'BODY_TOO_LARGE'
  | 'HEADERS_TOO_LARGE'
  | 'CLIENT_TIMEOUT'
  | 'BAD_REQUEST'
  | 'BAD_RESPONSE_HEADER'
  | 'SHUTTING_DOWN'
  | 'SOCKET_IN_USE'
  | 'SOCKET_UNUSABLE'
  | 'INTERNAL';

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

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

export class ConfigError extends BridgeError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** HTTP status for each code a request can fail with; everything else is a 500 or 502. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  CLIENT_TIMEOUT: 408,
  QUEUE_FULL: 503,
  SHUTTING_DOWN: 503,
  REQUEST_TIMEOUT: 504,
  INTERNAL: 500,
};

/** Short texts for the bodies the front door writes itself: never a stack trace. */
const CLIENT_MESSAGE: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Bad Request',
  BODY_TOO_LARGE: 'Payload Too Large',
  HEADERS_TOO_LARGE: 'Request Header Fields Too Large',
  CLIENT_TIMEOUT: 'Request Timeout: the request body did not arrive in time',
  QUEUE_FULL: 'Service Unavailable: the request queue is full, retry shortly',
  SHUTTING_DOWN: 'Service Unavailable: the server is shutting down',
  REQUEST_TIMEOUT: 'Gateway Timeout: the application did not answer in time',
  INTERNAL: 'Internal Server Error',
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 502;
}

export function clientMessageFor(code: ErrorCode): string {
  return CLIENT_MESSAGE[code] ?? 'Bad Gateway: the PHP worker failed to answer this request';
}

/** Any failure as a typed error; rebuilds one that crossed a thread boundary as `{code, message}`. */
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
    typeof (value as ErrorData).message === 'string'
  );
}
