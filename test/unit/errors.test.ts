import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BridgeError, breaksWorker, clientMessageFor, ConfigError, FrameError, httpStatusFor, REQUEST_ERROR_CODES, StartupError, toBridgeError, type ErrorCode } from '../../src/errors.js';

/**
 * Every request error code, with the status a client sees and whether the PHP worker that
 * served it is replaced. Adding a code without deciding both fails here.
 */
const TABLE: Record<ErrorCode, [status: number, breaksWorker: boolean]> = {
  BAD_REQUEST: [400, false],
  CLIENT_TIMEOUT: [408, false],
  BODY_TOO_LARGE: [413, false],
  HEADERS_TOO_LARGE: [431, false],
  RATE_LIMITED: [429, false],
  INTERNAL: [500, false],
  WORKER_APP_ERROR: [502, false],
  BAD_RESPONSE_HEADER: [502, false],
  SENDFILE_FORBIDDEN: [502, false],
  WORKER_CRASHED: [502, true],
  WORKER_CONNECT_FAILED: [502, true],
  FRAME_BAD_MAGIC: [502, true],
  FRAME_BAD_VERSION: [502, true],
  FRAME_BAD_CHECKSUM: [502, true],
  FRAME_UNKNOWN_TYPE: [502, true],
  FRAME_BAD_FLAGS: [502, true],
  FRAME_PAYLOAD_TOO_LARGE: [502, true],
  FRAME_TRUNCATED: [502, true],
  FRAME_WRONG_REQUEST_ID: [502, true],
  FRAME_UNEXPECTED: [502, true],
  FRAME_BAD_PAYLOAD: [502, true],
  QUEUE_FULL: [503, false],
  SHUTTING_DOWN: [503, false],
  REQUEST_TIMEOUT: [504, false],
};

describe('error codes', () => {
  it('the table above covers every request error code', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...REQUEST_ERROR_CODES].sort());
  });

  it.each(Object.entries(TABLE))('%s → HTTP %j with a one-line message and no internals', (code, [status, breaks]) => {
    expect(httpStatusFor(code as ErrorCode)).toBe(status);
    expect(breaksWorker(code as ErrorCode)).toBe(breaks);
    const message = clientMessageFor(code as ErrorCode);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeGreaterThan(5);
    expect(message).not.toMatch(/\.ts|\.js|at /);
  });

  it('every status the front door answers by itself is documented in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const status of new Set(Object.values(TABLE).map(([s]) => s).filter((s) => s !== 500))) {
      expect(readme).toMatch(new RegExp(`\\| ${status}( |\\b)`));
    }
  });

  it('start-up errors are their own kind: never a request error, never an HTTP status', () => {
    const err = new StartupError('SOCKET_IN_USE', 'in use');
    expect(err).not.toBeInstanceOf(BridgeError);
    expect(new ConfigError('bad')).toBeInstanceOf(StartupError);
    expect((REQUEST_ERROR_CODES as string[]).includes('SOCKET_IN_USE')).toBe(false);
    expect((REQUEST_ERROR_CODES as string[]).includes('CONFIG_INVALID')).toBe(false);
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
    expect(toBridgeError({ code: 'NOT_A_CODE', message: 'x' }).code).toBe('INTERNAL');
  });

  it('frame errors carry the offending bytes', () => {
    const err = new FrameError('FRAME_BAD_MAGIC', 'bad', Buffer.from('GET / HTTP/1.1'));
    expect(err.rawHex).toBe(Buffer.from('GET / HTTP/1.1').toString('hex'));
    expect(err.message).toContain(err.rawHex);
  });
});
