/**
 * Serves the files under the app's public/ from the front door, as nginx's
 * `try_files $uri /index.php?$query_string` does: whatever is not a static file goes to PHP.
 *
 * `tryServe` decides synchronously from the in-memory index (static-cache.ts), so a request that
 * is not a static file costs a method check and a Map lookup; a hit is answered asynchronously:
 * open, fstat, check the opened file's real path, then conditional requests (RFC 9110 §13),
 * ranges (§14) and the body. Files up to SMALL_FILE are read whole and sent in one `end`;
 * larger ones stream in CHUNK-sized reads with tryEnd + onWritable, one buffer per response.
 *
 * Like nginx by default: no Cache-Control; ETag `"<mtime hex>-<size hex>"`, Last-Modified,
 * Accept-Ranges: bytes; several ranges are answered with the whole file (200).
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import type { HeaderPairs } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import { endWithoutBody, statusLine, writeResponse, type ResponseState } from './respond.js';
import { isInside, isServablePath, StaticIndex, type StaticEntry, type StaticIndexOptions } from './static-cache.js';
import type { CompressionSettings } from './compression-policy.js';
import { StaticCompression } from './static-compression.js';
import { pumpFile } from './file-pump.js';
import type { Uws } from './uws.js';

/** Files up to this size are read whole and sent with one `end`. */
export const SMALL_FILE = 64 * 1024;
/** Most bytes of small files kept in memory at once. */
const CACHE_BUDGET = 64 * 1024 * 1024;
export { CHUNK } from './file-pump.js';

/** O_NOFOLLOW: the indexed path is a real path, so a symlink there now was put in after the walk. O_NONBLOCK: a FIFO swapped in must not hang a libuv thread. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const HAS_PROC_FD = process.platform === 'linux';

export type StaticFilesOptions = StaticIndexOptions & {
  /** Precompressed siblings and compress-once copies (static-compression.ts); null/absent = off. */
  compression?: CompressionSettings | null;
};

/** The request headers that decide a static answer (RFC 9110 §13.1, §14.2). */
export interface ConditionalHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
  range?: string;
  ifRange?: string;
}

export interface ResponsePlan {
  status: 200 | 206 | 304 | 412 | 416;
  headers: HeaderPairs;
  /** The bytes of the file to send, `start` inclusive, `end` exclusive (empty for 304/412/416). */
  start: number;
  end: number;
}

/** nginx's ETag: `"<mtime seconds hex>-<size hex>"`. */
export function etagFor(size: number, mtimeSec: number): string {
  return `"${mtimeSec.toString(16)}-${size.toString(16)}"`;
}

/** Strips `W/`: RFC 9110 §8.8.3.2 weak comparison. */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Whether an If-Match / If-None-Match list matches the ETag (`*` matches any). */
export function etagListMatches(list: string, etag: string, weak: boolean): boolean {
  for (const raw of list.split(',')) {
    const tag = raw.trim();
    if (tag === '*') return true;
    if (weak ? opaque(tag) === etag : tag === etag) return true;
  }
  return false;
}

/**
 * RFC 9110 §14.1.2 for one file: a single `bytes=` range as [start, end) within `size`;
 * 'unsatisfiable' for 416; null to ignore the header (bad syntax, another unit, several ranges
 * — which we answer with the whole file — or an empty file).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const unit = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (unit === null || size === 0) return null;
  const specs = unit[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return null;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (spec === null) return null;
  const [, first = '', last = ''] = spec;
  if (first === '') {
    if (last === '') return null;
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // §14.1.1: an invalid range-spec
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size : Math.min(Number(last) + 1, size) };
}

/** An HTTP date as epoch seconds, or NaN. */
function httpDate(value: string): number {
  return Math.floor(Date.parse(value) / 1000);
}

/** Decides status, headers and byte range for a GET or HEAD of a file (RFC 9110 §13.2.2's order). */
export function planResponse(isHead: boolean, request: ConditionalHeaders, size: number, mtimeMs: number, contentType: string): ResponsePlan {
  const mtimeSec = Math.floor(mtimeMs / 1000);
  const etag = etagFor(size, mtimeSec);
  const lastModified = new Date(mtimeSec * 1000).toUTCString();
  const validators: HeaderPairs = [['Last-Modified', lastModified], ['ETag', etag]];
  const none = { start: 0, end: 0 };

  if (request.ifMatch !== undefined) {
    if (!etagListMatches(request.ifMatch, etag, false)) return { status: 412, headers: validators, ...none };
  } else if (request.ifUnmodifiedSince !== undefined) {
    const since = httpDate(request.ifUnmodifiedSince);
    if (!Number.isNaN(since) && mtimeSec > since) return { status: 412, headers: validators, ...none };
  }
  if (request.ifNoneMatch !== undefined) {
    if (etagListMatches(request.ifNoneMatch, etag, true)) return { status: 304, headers: validators, ...none };
  } else if (request.ifModifiedSince !== undefined) {
    const since = httpDate(request.ifModifiedSince);
    if (!Number.isNaN(since) && mtimeSec <= since) return { status: 304, headers: validators, ...none };
  }

  const headers: HeaderPairs = [['Content-Type', contentType], ...validators, ['Accept-Ranges', 'bytes']];
  // §14.2: Range is defined for GET only; If-Range must match exactly (strong ETag or the very date).
  if (!isHead && request.range !== undefined) {
    const ifRange = request.ifRange;
    const current = ifRange === undefined || (ifRange.startsWith('"') ? ifRange === etag : !ifRange.startsWith('W/') && httpDate(ifRange) === mtimeSec);
    const range = current ? parseRange(request.range, size) : null;
    if (range === 'unsatisfiable') {
      return { status: 416, headers: [['Content-Range', `bytes */${size}`], ...validators], ...none };
    }
    if (range !== null) {
      headers.push(['Content-Range', `bytes ${range.start}-${range.end - 1}/${size}`]);
      return { status: 206, headers, start: range.start, end: range.end };
    }
  }
  return { status: 200, headers, start: 0, end: size };
}

/** Percent-decodes a URL path once; null when malformed. */
function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

export function conditionalHeaders(headers: HeaderPairs): ConditionalHeaders {
  const found: ConditionalHeaders = {};
  const add = (key: keyof ConditionalHeaders, value: string): void => {
    const before = found[key];
    found[key] = before === undefined ? value : `${before}, ${value}`;
  };
  for (const [name, value] of headers) {
    if (name.charCodeAt(0) === 105 /* i */) {
      if (name === 'if-none-match') add('ifNoneMatch', value);
      else if (name === 'if-modified-since') found.ifModifiedSince ??= value;
      else if (name === 'if-match') add('ifMatch', value);
      else if (name === 'if-unmodified-since') found.ifUnmodifiedSince ??= value;
      else if (name === 'if-range') found.ifRange ??= value;
    } else if (name === 'range') {
      add('range', value); // two Range fields read as a list of ranges: answered whole
    }
  }
  return found;
}

const TEXT: HeaderPairs = [['Content-Type', 'text/plain; charset=utf-8']];
const NO_HEADERS: HeaderPairs = [];

/** Headers compression adds to a plan (see StaticFiles#serveEntry). */
interface ExtraHeaders {
  extra: HeaderPairs;
  varyMin: number | null;
}
const NO_EXTRA: ExtraHeaders = { extra: NO_HEADERS, varyMin: null };

function addHeaders(plan: ResponsePlan, more: ExtraHeaders, size: number): void {
  if (plan.status === 412 || plan.status === 416) return;
  if (more.varyMin !== null && size >= more.varyMin) plan.headers.push(['Vary', 'Accept-Encoding']);
  for (const pair of more.extra) {
    if (plan.status !== 304 || pair[0] === 'Vary') plan.headers.push(pair);
  }
}
const encoder = new TextEncoder();
const BODIES: Record<number, Uint8Array> = {
  403: encoder.encode('Forbidden\n'),
  404: encoder.encode('Not Found\n'),
  412: encoder.encode('Precondition Failed\n'),
  416: encoder.encode('Range Not Satisfiable\n'),
  500: encoder.encode('Internal Server Error\n'),
};

export class StaticFiles {
  readonly #index: StaticIndex;
  #cacheGeneration = -1;
  #cachedBytes = 0;
  readonly #log: Logger;
  readonly #compression: StaticCompression | null;

  constructor(options: StaticFilesOptions) {
    this.#index = new StaticIndex(options);
    this.#log = options.log;
    this.#compression = options.compression ? new StaticCompression(this.#index, options.compression, options.log) : null;
  }

  get index(): StaticIndex {
    return this.#index;
  }

  close(): void {
    this.#index.close();
  }

  /**
   * Takes the request when it names a static file and returns true; `finish(status, null)` is
   * then called exactly once, when the response is over (499 if the client went away). Returns
   * false, having touched nothing, for every other request: it goes to PHP.
   * `res.onAborted` must already be registered, with `state` tracking it.
   */
  tryServe(
    res: Uws.HttpResponse,
    state: ResponseState,
    method: string,
    path: string,
    headers: HeaderPairs,
    finish: (status: number, worker: number | null) => void,
  ): boolean {
    if (method !== 'GET' && method !== 'HEAD') return false;
    let key: string | null = path;
    if (path.includes('%')) {
      key = decodePath(path);
      if (key === null) return false;
    }
    const entry = this.#index.lookup(key);
    if (entry === undefined || !isServablePath(key)) return false;
    const isHead = method === 'HEAD';
    const compression = this.#compression;
    if (compression === null) {
      this.#serveEntry(res, state, isHead, entry, headers, NO_HEADERS, null, path, finish);
      return true;
    }
    const vary = compression.identityVary(key, entry);
    const variant = compression.choose(key, entry, headers);
    if (variant instanceof Promise) {
      // The first request for this coding waits for the copy (made once, in the threadpool).
      variant
        .then((made) => {
          if (made === null) this.#serveEntry(res, state, isHead, entry, headers, NO_HEADERS, vary, path, finish);
          else this.#serveEntry(res, state, isHead, made.entry, headers, made.headers, null, path, finish);
        })
        .catch((err: unknown) => {
          // Outside uWS's handler an escaping error would be an unhandled rejection.
          this.#log.error({ err, path }, 'static files: unexpected error');
          finish(this.#answer(res, state, false, 500), null);
        });
    } else if (variant !== null) {
      this.#serveEntry(res, state, isHead, variant.entry, headers, variant.headers, null, path, finish);
    } else {
      this.#serveEntry(res, state, isHead, entry, headers, NO_HEADERS, vary, path, finish);
    }
    return true;
  }

  /**
   * Answers with `entry`; `extra` headers go on a 200 (a compressed variant's Content-Encoding
   * and Vary; Vary alone on a 304), and `varyMin` adds Vary to an identity answer of at least
   * that size.
   */
  #serveEntry(
    res: Uws.HttpResponse,
    state: ResponseState,
    isHead: boolean,
    entry: StaticEntry,
    headers: HeaderPairs,
    extra: HeaderPairs,
    varyMin: number | null,
    path: string,
    finish: (status: number, worker: number | null) => void,
  ): void {
    const more = { extra, varyMin };
    if (entry.cached !== undefined) {
      // A small file read before: answered from memory, no file-system call at all.
      finish(this.#serveCached(res, state, isHead, entry.cached, entry.contentType, headers, more), null);
      return;
    }
    this.#serve(res, state, isHead, entry, headers, more).then(
      (status) => finish(status, null),
      (err: unknown) => {
        this.#log.error({ err, path }, 'static files: unexpected error');
        finish(this.#answer(res, state, false, 500), null);
      },
    );
  }

  #serveCached(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, cached: NonNullable<StaticEntry['cached']>, contentType: string, headers: HeaderPairs, more: ExtraHeaders = NO_EXTRA): number {
    const plan = planResponse(isHead, conditionalHeaders(headers), cached.size, cached.mtimeMs, contentType);
    addHeaders(plan, more, cached.size);
    if (plan.status === 412 || plan.status === 416) return this.#answer(res, state, isHead, plan.status, plan.headers);
    if (plan.status === 304) return this.#answerWithoutBody(res, state, plan, null);
    if (isHead) return this.#answerWithoutBody(res, state, plan, plan.end - plan.start);
    if (state.aborted || state.done) return state.aborted ? 499 : plan.status;
    writeResponse(res, state, false, plan.status, plan.headers, cached.body.subarray(plan.start, plan.end));
    return plan.status;
  }

  /** Keeps a small file's bytes on its index entry, within a total budget. */
  #remember(entry: StaticEntry, body: Buffer, size: number, mtimeMs: number): void {
    const generation = this.#index.generation;
    if (generation !== this.#cacheGeneration) {
      // A new walk replaced every entry: what was counted before is garbage now.
      this.#cacheGeneration = generation;
      this.#cachedBytes = 0;
    }
    if (this.#cachedBytes + size > CACHE_BUDGET) return;
    this.#cachedBytes += size;
    entry.cached = { body, size, mtimeMs };
  }

  async #serve(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, entry: StaticEntry, headers: HeaderPairs, more: ExtraHeaders = NO_EXTRA): Promise<number> {
    let fh: FileHandle;
    try {
      fh = await open(entry.file, OPEN_FLAGS);
    } catch (err) {
      // Deleted or replaced since the last walk (the index catches up within its debounce).
      return this.#failed(res, state, isHead, err, entry);
    }
    try {
      const st = await fh.stat();
      if (state.aborted) return 499;
      if (!st.isFile() || !(await this.#stillInside(fh, entry.file))) return this.#answer(res, state, isHead, 404);
      if (state.aborted) return 499;

      const plan = planResponse(isHead, conditionalHeaders(headers), st.size, st.mtimeMs, entry.contentType);
      addHeaders(plan, more, st.size);
      const length = plan.end - plan.start;
      if (plan.status === 304) return this.#answerWithoutBody(res, state, plan, null);
      if (plan.status === 412 || plan.status === 416) return this.#answer(res, state, isHead, plan.status, plan.headers);
      if (isHead || length <= SMALL_FILE) {
        let body = new Uint8Array(0);
        if (isHead) return this.#answerWithoutBody(res, state, plan, length);
        if (length > 0) {
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await fh.read(buffer, 0, length, plan.start);
          body = buffer.subarray(0, bytesRead);
          if (plan.start === 0 && bytesRead === st.size && length === st.size) {
            // The whole file, as it is now: later requests can skip the file system.
            this.#remember(entry, Buffer.from(body), st.size, st.mtimeMs);
          }
        }
        if (state.aborted) return 499;
        writeResponse(res, state, false, plan.status, plan.headers, body);
        return plan.status;
      }
      return await this.#stream(res, state, fh, plan, entry);
    } finally {
      // Waits for a read still in flight after an abort before it closes the descriptor.
      await fh.close().catch(() => undefined);
    }
  }

  /** The file actually opened is still inside public/ (closes the window between the walk and now). */
  async #stillInside(fh: FileHandle, indexed: string): Promise<boolean> {
    let real: string;
    try {
      real = HAS_PROC_FD ? await readlink(`/proc/self/fd/${fh.fd}`) : await realpath(indexed);
    } catch {
      real = await realpath(indexed).catch(() => '');
    }
    return real === indexed || isInside(this.#index.root, real);
  }

  /** Streams [plan.start, plan.end) (src/http/file-pump.ts); a file that shrinks or fails is cut. */
  #stream(res: Uws.HttpResponse, state: ResponseState, fh: FileHandle, plan: ResponsePlan, entry: StaticEntry): Promise<number> {
    return pumpFile(res, state, fh, plan, (reason, sent, headersSent) => {
      this.#log.warn({ file: entry.file, sent, total: plan.end - plan.start }, `static files: ${reason}`);
      return headersSent ? plan.status : this.#answer(res, state, false, 500);
    });
  }

  #failed(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, err: unknown, entry: StaticEntry): number {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return this.#answer(res, state, isHead, 404);
    if (code === 'EACCES' || code === 'EPERM') return this.#answer(res, state, isHead, 403);
    this.#log.warn({ file: entry.file, code }, `static files: cannot open: ${(err as Error).message}`);
    return this.#answer(res, state, isHead, 500);
  }

  /** A short plain-text answer (errors, 412, 416); returns its status (499 if the client is gone). */
  /** A 304 (`length` null) or the answer to a HEAD: the plan's status and headers, no body. */
  #answerWithoutBody(res: Uws.HttpResponse, state: ResponseState, plan: ResponsePlan, length: number | null): number {
    if (state.aborted) return 499;
    if (state.done) return plan.status;
    state.done = true;
    res.cork(() => {
      res.writeStatus(statusLine(plan.status));
      for (const [name, value] of plan.headers) res.writeHeader(name, value);
      endWithoutBody(res, length, state.closeConnection);
    });
    return plan.status;
  }

  #answer(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, status: number, extra: HeaderPairs = []): number {
    if (state.aborted) return 499;
    if (state.done) return status;
    state.done = true;
    const body = BODIES[status] ?? new Uint8Array(0);
    res.cork(() => {
      res.writeStatus(statusLine(status));
      for (const [name, value] of [...TEXT, ...extra]) res.writeHeader(name, value);
      if (isHead) {
        endWithoutBody(res, body.byteLength, state.closeConnection);
      } else {
        state.sent = body.byteLength;
        res.end(body, state.closeConnection);
      }
    });
    return status;
  }
}
