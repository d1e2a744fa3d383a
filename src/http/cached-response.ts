/**
 * The micro-cache in front of PHP (src/http/micro-cache.ts holds the entries, cache-policy.ts
 * the rules). For a GET/HEAD it answers a fresh entry (`X-Cache: HIT`), a stale one within
 * `stale-while-revalidate` (`STALE`, with one background refresh), lets the requests for a key
 * whose answer is already at PHP wait for it, and otherwise sends the request to PHP through the
 * server's one dispatch path with a tap that records the response on its way to the client
 * (`MISS`) and, when PHP fails, answers with a copy still within `stale-if-error` (`STALE`).
 *
 * Every answer from the cache is a REPLAY of the identity response PHP gave through a
 * PhpResponseWriter, so every output stage of that writer (compression, ...) applies to hits as
 * to misses. `CacheFront.#answer` is the one place where a response comes from the cache.
 */
import type { HeaderPairs, RequestHead } from '../codec/messages.js';
import type { BridgeError } from '../errors.js';
import { NO_FLOW, type FlowControl, type ResponseHandler, type ResponseHeadInfo } from '../pool/connection.js';
import { requestIsCacheable, storagePolicy, type StoragePolicy } from './cache-policy.js';
import { ageSeconds, freshness, type CacheEntry, type KeyLock, type MicroCache } from './micro-cache.js';
import { PhpResponseWriter } from './php-response.js';
import { findUnsafeHeader, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE';
type Finish = (status: number, worker: number | null) => void;

/** What the server's dispatch path lets the cache do with a response to a client. */
export interface DispatchTap {
  /** Sees the PHP response before the client's writer does. */
  wrap(writer: PhpResponseWriter): ResponseHandler;
  /** A front-door error before PHP answered (queue full, timeout): the status of a stale copy answered instead, or null. */
  rescue(error: BridgeError): number | null;
}

export interface CacheFrontDeps {
  cache: MicroCache;
  /** MAX_RESPONSE_BUFFER: a larger body streams to the client and is never stored. */
  bufferLimit: number;
  /** Sends a client's request to PHP (the server's one dispatch path) with the cache's tap. */
  dispatch(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, head: RequestHead, finish: Finish, tap: DispatchTap): void;
  /** Sends a request of the front door's own to PHP, with no client (a background refresh). */
  fetchDetached(head: RequestHead, handler: ResponseHandler & { readonly finished: boolean }): void;
}

/** Feeds a stored entry to a handler as if PHP had just sent it. */
function replay(entry: CacheEntry, status: CacheStatus, handler: ResponseHandler, now: number): void {
  const headers: HeaderPairs = [...entry.headers, ['X-Cache', status], ['Age', String(ageSeconds(entry, now))]];
  handler.onHead({ status: entry.status, headers, streamed: false }, NO_FLOW);
  if (entry.body.byteLength > 0) handler.onBody(entry.body);
  handler.onEnd();
}

/** Request headers that let PHP answer 304 (RFC 9110 §13.1). */
const CONDITIONAL = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range']);

/** Headers the cache sets on every answer itself: a copy of the app's own would be stale. */
const OWN_HEADERS = new Set(['age', 'x-cache']);

/** What a cacheable response keeps while it is on its way: the body, up to the entry cap. */
class Recording {
  #chunks: Buffer[] = [];
  #size = 0;
  policy: StoragePolicy | null;
  readonly #cap: number;

  constructor(policy: StoragePolicy | null, cap: number) {
    this.policy = policy;
    this.#cap = cap;
  }

  /** False once the body outgrew the cap (the response is then not stored). */
  add(chunk: Buffer): boolean {
    if (this.policy === null) return false;
    this.#size += chunk.byteLength;
    if (this.#size > this.#cap) {
      this.policy = null;
      this.#chunks = [];
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  body(): Buffer {
    return this.#chunks.length === 1 ? Buffer.from(this.#chunks[0]!) : Buffer.concat(this.#chunks, this.#size);
  }
}

const storedHeaders = (headers: HeaderPairs): HeaderPairs => headers.filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));

interface Target {
  baseKey: string;
  path: string;
  head: RequestHead;
}

export class CacheFront {
  readonly #d: CacheFrontDeps;
  /** The largest body stored: CACHE_MAX_ENTRY_SIZE, and never one that streams. */
  readonly #cap: number;

  constructor(deps: CacheFrontDeps) {
    this.#d = deps;
    this.#cap = Math.min(deps.cache.maxEntryBytes, deps.bufferLimit);
  }

  /** Takes a request without a body; false when the cache does not apply (the caller sends it to PHP). */
  serve(res: Uws.HttpResponse, state: ResponseState, head: RequestHead, finish: Finish): boolean {
    if (!requestIsCacheable(head.method, head.headers)) return false;
    let host = '';
    for (const [name, value] of head.headers) if (name === 'host') host = value.toLowerCase();
    const q = head.uri.indexOf('?');
    const target: Target = { baseKey: `${head.https ? 'https' : 'http'}://${host}${head.uri}`, path: q === -1 ? head.uri : head.uri.slice(0, q), head };
    this.#lookup(res, state, target, finish, false);
    return true;
  }

  #lookup(res: Uws.HttpResponse, state: ResponseState, target: Target, finish: Finish, retried: boolean): void {
    const { cache } = this.#d;
    const now = Date.now();
    const key = cache.keyFor(target.baseKey, target.head.headers);
    const entry = cache.get(key);
    let fallback: CacheEntry | null = null;
    if (entry !== undefined && cache.matches(entry, target.head.headers)) {
      const fresh = freshness(entry, now);
      if (fresh === 'fresh') return this.#answer(res, state, target.head, entry, 'HIT', finish);
      if (fresh === 'stale-while-revalidate') {
        this.#answer(res, state, target.head, entry, 'STALE', finish);
        this.#refresh(key, target);
        return;
      }
      if (fresh === 'stale-if-error') fallback = entry;
    }
    const lock = cache.lockFor(key);
    if (lock !== undefined && !lock.full && !retried) {
      this.#wait(res, state, target, lock, finish);
      return;
    }
    this.#fetch(res, state, target, key, lock === undefined ? cache.lock(key) : null, fallback, finish);
  }

  /** Another request for this key is at PHP: wait for its answer (nginx's proxy_cache_lock). */
  #wait(res: Uws.HttpResponse, state: ResponseState, target: Target, lock: KeyLock, finish: Finish): void {
    const waiting = lock.wait();
    state.onAbort = () => {
      waiting.cancel();
      finish(499, null);
    };
    void waiting.promise.then((stored) => {
      state.onAbort = undefined;
      if (state.aborted) return;
      if (stored !== null && this.#d.cache.matches(stored, target.head.headers)) this.#answer(res, state, target.head, stored, 'HIT', finish);
      // Not stored, or another variant (its Vary is known now): look again, then go to PHP.
      else this.#lookup(res, state, target, finish, true);
    });
  }

  /** Writes a stored entry to the client: the one place a response comes from the cache. */
  #answer(res: Uws.HttpResponse, state: ResponseState, head: RequestHead, entry: CacheEntry, status: CacheStatus, finish: Finish): void {
    const writer = new PhpResponseWriter({
      res,
      state,
      isHead: head.method === 'HEAD',
      bufferLimit: this.#d.bufferLimit,
      onActivity: () => undefined,
      onDone: (answered) => finish(answered, null),
    });
    replay(entry, status, writer, Date.now());
  }

  /** A miss: this request goes to PHP; with `lock`, the others for the key wait for it. */
  #fetch(res: Uws.HttpResponse, state: ResponseState, target: Target, key: string, lock: KeyLock | null, fallback: CacheEntry | null, finish: Finish): void {
    const { cache } = this.#d;
    const release = (entry: CacheEntry | null): void => {
      if (lock !== null) cache.unlock(key, lock, entry);
    };
    const isHead = target.head.method === 'HEAD';
    const tap: DispatchTap = {
      wrap: (writer) => new MissRecorder(writer, this, target, release, fallback),
      rescue: () => {
        if (fallback === null) return null;
        let answered: number | null = null;
        this.#answer(res, state, target.head, fallback, 'STALE', (status) => (answered = status));
        return answered;
      },
    };
    // HEAD goes to PHP as GET, so that its answer can fill the entry later GETs use (nginx's
    // proxy_cache_convert_head); the client's writer still sends no body.
    const head = isHead ? { ...target.head, method: 'GET' } : target.head;
    this.#d.dispatch(res, state, isHead, head, (status, worker) => {
      release(null); // whatever happened, nobody waits past the end of this request
      finish(status, worker);
    }, tap);
  }

  /** stale-while-revalidate: one background request per key brings a fresh copy. */
  #refresh(key: string, target: Target): void {
    const { cache } = this.#d;
    if (!cache.beginRefresh(key)) return;
    const collector = new RefreshCollector(this, target, () => cache.endRefresh(key));
    // Without the client's conditions: a 304 could not refresh the entry.
    const headers = target.head.headers.filter(([name]) => !CONDITIONAL.has(name));
    this.#d.fetchDetached({ ...target.head, method: 'GET', headers, time: Date.now() / 1000 }, collector);
  }

  /** @internal used by the recorders */
  policyFor(head: ResponseHeadInfo): StoragePolicy | null {
    // A head the writer refuses (502) is not kept either: each hit would be that 502 again.
    if (head.streamed || findUnsafeHeader(head.headers) !== null) return null;
    return storagePolicy(head.status, head.headers);
  }

  /** @internal */
  recording(policy: StoragePolicy | null): Recording {
    return new Recording(policy, this.#cap);
  }

  /** @internal */
  store(target: Target, head: ResponseHeadInfo, recording: Recording): CacheEntry | null {
    if (recording.policy === null) return null;
    return this.#d.cache.store(target.baseKey, target.path, target.head.headers, head.status, storedHeaders(head.headers), recording.body(), recording.policy, Date.now());
  }
}

/**
 * The tap on a miss: forwards the PHP response to the client's writer with `X-Cache: MISS`,
 * keeps a copy when it may be stored, and stands in a stale copy when PHP fails.
 */
class MissRecorder implements ResponseHandler {
  readonly #writer: PhpResponseWriter;
  readonly #front: CacheFront;
  readonly #target: Target;
  readonly #release: (entry: CacheEntry | null) => void;
  readonly #fallback: CacheEntry | null;
  #head: ResponseHeadInfo | null = null;
  #recording: Recording | null = null;
  /** PHP failed with a 5xx and a stale copy answers instead: PHP's body is dropped. */
  #rescuing = false;
  #over = false;

  constructor(writer: PhpResponseWriter, front: CacheFront, target: Target, release: (entry: CacheEntry | null) => void, fallback: CacheEntry | null) {
    this.#writer = writer;
    this.#front = front;
    this.#target = target;
    this.#release = release;
    this.#fallback = fallback;
  }

  onHead(head: ResponseHeadInfo, flow: FlowControl): void {
    if (this.#over) return;
    if (head.status >= 500 && this.#fallback !== null) {
      this.#rescuing = true;
      if (head.streamed) flow.cancel();
      return;
    }
    this.#head = head;
    const policy = this.#front.policyFor(head);
    // Not storable: the waiters need not wait for the body, they go to PHP now.
    if (policy === null) this.#release(null);
    this.#recording = this.#front.recording(policy);
    this.#writer.onHead({ ...head, headers: [...head.headers, ['X-Cache', 'MISS']] }, flow);
  }

  onBody(chunk: Buffer): void {
    if (this.#over || this.#rescuing) return;
    if (this.#recording?.policy != null && !this.#recording.add(chunk)) this.#release(null);
    this.#writer.onBody(chunk);
  }

  onEnd(): void {
    if (this.#over) return;
    if (this.#rescuing) return this.#standIn();
    this.#over = true;
    if (this.#head !== null && this.#recording !== null) this.#release(this.#front.store(this.#target, this.#head, this.#recording));
    this.#writer.onEnd();
  }

  onError(err: BridgeError): void {
    if (this.#over) return;
    if (this.#fallback !== null && (this.#head === null || this.#rescuing)) return this.#standIn();
    this.#over = true;
    this.#release(null);
    this.#writer.onError(err);
  }

  /** stale-if-error: the client gets the stale copy in place of PHP's failure. */
  #standIn(): void {
    this.#over = true;
    this.#release(null);
    replay(this.#fallback!, 'STALE', this.#writer, Date.now());
  }
}

/** The background refresh's consumer: stores a storable answer, keeps the stale copy otherwise. */
class RefreshCollector implements ResponseHandler {
  readonly #front: CacheFront;
  readonly #target: Target;
  readonly #done: () => void;
  #head: ResponseHeadInfo | null = null;
  #recording: Recording | null = null;
  #finished = false;

  constructor(front: CacheFront, target: Target, done: () => void) {
    this.#front = front;
    this.#target = target;
    this.#done = done;
  }

  get finished(): boolean {
    return this.#finished;
  }

  onHead(head: ResponseHeadInfo, flow: FlowControl): void {
    this.#head = head;
    this.#recording = this.#front.recording(this.#front.policyFor(head));
    // Nobody reads a stream here: stop its producer.
    if (head.streamed) flow.cancel();
  }

  onBody(chunk: Buffer): void {
    this.#recording?.add(chunk);
  }

  onEnd(): void {
    if (this.#finished) return;
    this.#finished = true;
    // A 5xx is never stored (not a cacheable status): the stale copy stays for stale-if-error.
    if (this.#head !== null && this.#recording !== null) this.#front.store(this.#target, this.#head, this.#recording);
    this.#done();
  }

  onError(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#done();
  }
}
