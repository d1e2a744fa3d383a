import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BridgeError, clientMessageFor, FrameError, httpStatusFor, toBridgeError, type ErrorCode } from '../../src/errors.js';

/** Every code, with the status a client sees. Adding a code without deciding its status fails here. */
const TABLE: Record<ErrorCode, number> = {
  CONFIG_INVALID: 502,
  UWS_NOT_NATIVE: 502,
  FRAME_BAD_MAGIC: 502,
  FRAME_BAD_VERSION: 502,
  FRAME_BAD_CHECKSUM: 502,
  FRAME_UNKNOWN_TYPE: 502,
  FRAME_BAD_FLAGS: 502,
  FRAME_PAYLOAD_TOO_LARGE: 502,
  FRAME_TRUNCATED: 502,
  FRAME_WRONG_REQUEST_ID: 502,
  FRAME_UNEXPECTED: 502,
  FRAME_BAD_PAYLOAD: 502,
  WORKER_CRASHED: 502,
  WORKER_CONNECT_FAILED: 502,
  WORKER_APP_ERROR: 502,
  QUEUE_FULL: 503,
  REQUEST_TIMEOUT: 504,
  BODY_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  CLIENT_TIMEOUT: 408,
  BAD_REQUEST: 400,
  BAD_RESPONSE_HEADER: 502,
  SHUTTING_DOWN: 503,
  SOCKET_IN_USE: 502,
  SOCKET_UNUSABLE: 502,
  INTERNAL: 500,
};

describe('error codes', () => {
  it.each(Object.entries(TABLE))('%s → HTTP %i with a one-line message and no internals', (code, status) => {
    expect(httpStatusFor(code as ErrorCode)).toBe(status);
    const message = clientMessageFor(code as ErrorCode);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeGreaterThan(5);
    expect(message).not.toMatch(/\.ts|\.js|at /);
  });

  it('every status the front door answers by itself is documented in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const status of new Set(Object.values(TABLE).filter((s) => s !== 500))) {
      expect(readme).toMatch(new RegExp(`\\| ${status}( |\\b)`));
    }
  });

  it('errors cross threads as {code, message} and come back typed', () => {
    const original = new BridgeError('QUEUE_FULL', 'full');
    const clone = structuredClone(original.toData());
    const rebuilt = toBridgeError(clone);
    expect(rebuilt).toBeInstanceOf(BridgeError);
    expect(rebuilt.code).toBe('QUEUE_FULL');
    expect(rebuilt.message).toBe('full');
  });

  it('wraps unknown failures as INTERNAL, keeping the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toBridgeError(cause);
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBe(cause);
  });

  it('frame errors carry the offending bytes', () => {
    const err = new FrameError('FRAME_BAD_MAGIC', 'bad', Buffer.from('GET / HTTP/1.1'));
    expect(err.rawHex).toBe(Buffer.from('GET / HTTP/1.1').toString('hex'));
    expect(err.message).toContain(err.rawHex);
  });
});
