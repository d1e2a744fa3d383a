/**
 * The micro-cache's rules, as pure functions: which requests may be answered from the cache,
 * which responses may be stored and for how long (RFC 9111, as a shared cache: s-maxage wins
 * over max-age), and which request headers the key takes from `Vary`.
 *
 * Rules chosen (README, "Micro-cache"):
 * - Only GET and HEAD without a body, and never with `Authorization` (RFC 9111 §3.5: a shared
 *   cache must not reuse a response to an authenticated request unless told to; we never do).
 * - Request cookies are not part of the key, as with nginx's fastcgi_cache: a Laravel route with
 *   a session sets a cookie on every response, and a response with `Set-Cookie` is never stored.
 * - A client's `Cache-Control: no-cache` / `Pragma: no-cache` is ignored, as nginx does by
 *   default: otherwise any client could send every request through to PHP under load.
 * - Stored only with `public` plus a positive `s-maxage` or `max-age`, never with `private`,
 *   `no-store`, `no-cache`, `Set-Cookie`, `Vary: *`, a `Content-Range`, or a file hand-over.
 */
import type { HeaderPairs } from '../codec/messages.js';

/** Statuses stored: RFC 9110 §15.1's heuristically cacheable ones, minus 206 (ranges), 405, 414 and 501. */
export const CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 308, 404, 410]);

/** A file the front door would serve itself (X-Accel-Redirect / X-Sendfile): never stored. */
const HANDOVER_HEADERS = new Set(['x-accel-redirect', 'x-sendfile']);

export interface StoragePolicy {
  /** Fresh for this long after it was stored. */
  ttlMs: number;
  /** After that, served STALE while one background request refreshes it. */
  staleWhileRevalidateMs: number;
  /** After that, served STALE when PHP fails (5xx or a front-door error). */
  staleIfErrorMs: number;
  /** Lower-case request header names the variant depends on. */
  vary: string[];
}

/** Directives of a Cache-Control value, names lower-cased; a directive without a value maps to ''. */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    const raw = eq === -1 ? '' : part.slice(eq + 1).trim();
    directives.set(name, raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw);
  }
  return directives;
}

/** RFC 9111 §1.2.2: delta-seconds; anything else counts as absent. */
function seconds(directives: Map<string, string>, name: string): number | null {
  const raw = directives.get(name);
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

/** All values of a header, joined as one list (repeated headers are a comma-separated list). */
export function headerValue(headers: HeaderPairs, name: string): string | null {
  let value: string | null = null;
  for (const [n, v] of headers) {
    if (n.toLowerCase() === name) value = value === null ? v : `${value}, ${v}`;
  }
  return value;
}

/** May this request be answered from, and fill, the cache? */
export function requestIsCacheable(method: string, headers: HeaderPairs): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  for (const [name] of headers) if (name === 'authorization') return false;
  return true;
}

/** How long a response may be kept, or null when it must not be stored. */
export function storagePolicy(status: number, headers: HeaderPairs): StoragePolicy | null {
  if (!CACHEABLE_STATUSES.has(status)) return null;
  let cacheControl: string | null = null;
  let vary: string | null = null;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'set-cookie' || name === 'content-range' || HANDOVER_HEADERS.has(name)) return null;
    if (name === 'cache-control') cacheControl = cacheControl === null ? value : `${cacheControl}, ${value}`;
    else if (name === 'vary') vary = vary === null ? value : `${vary}, ${value}`;
  }
  if (cacheControl === null) return null;
  const cc = parseCacheControl(cacheControl);
  if (!cc.has('public') || cc.has('private') || cc.has('no-store') || cc.has('no-cache')) return null;
  const ttl = seconds(cc, 's-maxage') ?? seconds(cc, 'max-age');
  if (ttl === null || ttl <= 0) return null;
  const varyNames = vary === null ? [] : vary.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
  if (varyNames.includes('*')) return null;
  return {
    ttlMs: ttl * 1000,
    staleWhileRevalidateMs: (seconds(cc, 'stale-while-revalidate') ?? 0) * 1000,
    staleIfErrorMs: (seconds(cc, 'stale-if-error') ?? 0) * 1000,
    vary: [...new Set(varyNames)].sort(),
  };
}

/** The request's values of the Vary headers, as one string (part of the key). */
export function varyValues(names: readonly string[], headers: HeaderPairs): string {
  if (names.length === 0) return '';
  return names.map((name) => headerValue(headers, name) ?? '').join('\n');
}
