/**
 * Counters bumped by the low-level functions that have no handle on the metrics registry
 * (request bodies in src/http/body-spool.ts, error pages in respond.ts); response bytes are added per
 * request from its ResponseState's `sent` (registry.ts recordRequest). Plain numbers,
 * not prom-client objects: an add on the request path, read by the registry at scrape time
 * (src/metrics/registry.ts).
 */
import type { ErrorCode } from '../errors.js';

export const traffic = {
  /** Request body bytes read from clients. */
  bytesIn: 0,
  /** Response body bytes handed to uWS (headers not included), added when each response is over. */
  bytesOut: 0,
};

/** Error pages the front door wrote itself, by code (bounded: one entry per ErrorCode). */
export const frontDoorErrors = new Map<ErrorCode, number>();

export function countFrontDoorError(code: ErrorCode): void {
  frontDoorErrors.set(code, (frontDoorErrors.get(code) ?? 0) + 1);
}
