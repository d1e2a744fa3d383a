/**
 * Counters bumped by the low-level write and read functions (src/http/respond.ts, body.ts,
 * body-writer.ts, static-files.ts), which have no handle on the metrics registry. Plain numbers,
 * not prom-client objects: an add on the request path, read by the registry at scrape time
 * (src/metrics/registry.ts).
 */
import type { ErrorCode } from '../errors.js';

export const traffic = {
  /** Request body bytes read from clients. */
  bytesIn: 0,
  /** Response body bytes handed to uWS (headers not included). */
  bytesOut: 0,
};

/** Error pages the front door wrote itself, by code (bounded: one entry per ErrorCode). */
export const frontDoorErrors = new Map<ErrorCode, number>();

export function countFrontDoorError(code: ErrorCode): void {
  frontDoorErrors.set(code, (frontDoorErrors.get(code) ?? 0) + 1);
}
