/**
 * The micro-cache's store (CACHE_MAX_MB): responses PHP marked `public`, kept in memory within a
 * byte budget (an LRU with size accounting), plus the single-flight locks that send one request
 * per key to PHP however many arrive. No uWS here: src/http/cached-response.ts answers from it.
 *
 * Keys are `scheme host path?query`, then the request's values of the headers the response
 * named in `Vary`. The Vary names are only known once a response came back, so each base key
 * remembers the last Vary list it saw (a small bounded index), as nginx keeps a secondary key.
 */
import { LRUCache } from 'lru-cache';
import type { HeaderPairs } from '../codec/messages.js';
import { varyValues, type StoragePolicy } from './cache-policy.js';

export interface CacheEntry {
  status: number;
  /** The identity response PHP gave (every output stage runs again on replay). */
  headers: HeaderPairs;
  body: Buffer;
  /** The path part of the key, for a purge by prefix. */
  path: string;
  storedAt: number;
  policy: StoragePolicy;
  /** The Vary header values of the request that filled it. */
  varyValues: string;
  size: number;
}

export type Freshness = 'fresh' | 'stale-while-revalidate' | 'stale-if-error' | 'expired';

export function freshness(entry: CacheEntry, now: number): Freshness {
  const age = now - entry.storedAt;
  if (age < entry.policy.ttlMs) return 'fresh';
  if (age < entry.policy.ttlMs + entry.policy.staleWhileRevalidateMs) return 'stale-while-revalidate';
  if (age < entry.policy.ttlMs + entry.policy.staleIfErrorMs) return 'stale-if-error';
  return 'expired';
}

/** Seconds since the entry was stored (RFC 9111 §5.1 `Age`). */
export function ageSeconds(entry: CacheEntry, now: number): number {
  return Math.max(0, Math.floor((now - entry.storedAt) / 1000));
}

/** Roughly what an entry holds in memory: its bytes plus the objects around them. */
const ENTRY_OVERHEAD = 256;
/** Base keys whose Vary list is remembered; forgetting one only costs a miss. */
const VARY_INDEX_MAX = 65_536;
/** Requests that may wait for one key's answer; beyond it they go to PHP (MAX_QUEUE bounds them there). */
export const MAX_WAITERS_PER_KEY = 1024;

/** One request for a key at PHP; the others wait for what it brings back. */
export class KeyLock {
  readonly #waiters: Array<(entry: CacheEntry | null) => void> = [];
  #released = false;

  get full(): boolean {
    return this.#waiters.length >= MAX_WAITERS_PER_KEY;
  }

  /** Resolves with the stored entry, or null when the answer was not stored (go to PHP yourself). */
  wait(): { promise: Promise<CacheEntry | null>; cancel(): void } {
    let waiter!: (entry: CacheEntry | null) => void;
    const promise = new Promise<CacheEntry | null>((resolve) => (waiter = resolve));
    this.#waiters.push(waiter);
    return {
      promise,
      cancel: () => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
      },
    };
  }

  release(entry: CacheEntry | null): void {
    if (this.#released) return;
    this.#released = true;
    for (const waiter of this.#waiters.splice(0)) waiter(entry);
  }
}

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  maxEntryBytes: number;
}

export class MicroCache {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly #entries: LRUCache<string, CacheEntry>;
  readonly #varyIndex = new LRUCache<string, string[]>({ max: VARY_INDEX_MAX });
  readonly #locks = new Map<string, KeyLock>();
  /** Keys with a background refresh under way (stale-while-revalidate): one at a time. */
  readonly #refreshing = new Set<string>();

  constructor(maxBytes: number, maxEntryBytes: number) {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
    this.#entries = new LRUCache<string, CacheEntry>({
      maxSize: maxBytes,
      maxEntrySize: this.maxEntryBytes,
      sizeCalculation: (entry) => entry.size,
    });
  }

  /** The key of a request: its base key plus its values of the Vary headers last seen for it. */
  keyFor(baseKey: string, headers: HeaderPairs): string {
    const vary = this.#varyIndex.get(baseKey);
    return vary === undefined || vary.length === 0 ? baseKey : `${baseKey}\0${varyValues(vary, headers)}`;
  }

  get(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }

  /** Stores a response; returns the entry, or null when it is larger than CACHE_MAX_ENTRY_SIZE allows. */
  store(baseKey: string, path: string, requestHeaders: HeaderPairs, status: number, headers: HeaderPairs, body: Buffer, policy: StoragePolicy, now: number): CacheEntry | null {
    let size = ENTRY_OVERHEAD + body.byteLength;
    for (const [name, value] of headers) size += name.length + value.length + 16;
    if (size > this.maxEntryBytes) return null;
    this.#varyIndex.set(baseKey, policy.vary);
    const values = varyValues(policy.vary, requestHeaders);
    const key = policy.vary.length === 0 ? baseKey : `${baseKey}\0${values}`;
    const entry: CacheEntry = { status, headers, body, path, storedAt: now, policy, varyValues: values, size };
    // Dropped once no stale use is left for it; until then the byte budget decides (LRU).
    const keepMs = policy.ttlMs + Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
    this.#entries.set(key, entry, { ttl: keepMs });
    return entry;
  }

  /** Does a stored entry fit this request's Vary header values? */
  matches(entry: CacheEntry, headers: HeaderPairs): boolean {
    return varyValues(entry.policy.vary, headers) === entry.varyValues;
  }

  lockFor(key: string): KeyLock | undefined {
    return this.#locks.get(key);
  }

  /** Takes the key's lock: the caller's request is the one that goes to PHP. */
  lock(key: string): KeyLock {
    const lock = new KeyLock();
    this.#locks.set(key, lock);
    return lock;
  }

  unlock(key: string, lock: KeyLock, entry: CacheEntry | null): void {
    if (this.#locks.get(key) === lock) this.#locks.delete(key);
    lock.release(entry);
  }

  /** True when the caller should start the background refresh of `key` (none is under way). */
  beginRefresh(key: string): boolean {
    if (this.#refreshing.has(key)) return false;
    this.#refreshing.add(key);
    return true;
  }

  endRefresh(key: string): void {
    this.#refreshing.delete(key);
  }

  /** Removes every entry whose path starts with `prefix`; returns how many. */
  purge(prefix: string): number {
    let purged = 0;
    for (const [key, entry] of this.#entries.entries()) {
      if (entry.path.startsWith(prefix)) {
        this.#entries.delete(key);
        purged++;
      }
    }
    return purged;
  }

  stats(): CacheStats {
    return { entries: this.#entries.size, bytes: this.#entries.calculatedSize, maxBytes: this.maxBytes, maxEntryBytes: this.maxEntryBytes };
  }
}
