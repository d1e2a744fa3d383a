/**
 * The compression stage of a response body (node:zlib's gzip and brotli): whole bodies for
 * buffered responses, and a streaming encoder in front of BodyWriter for streamed ones.
 *
 * Where the work runs, measured on this machine (2026-12-03, one-off script, 2 cores, noisy):
 * zlib's one-shot async API (`zlib.gzip(buf, cb)`, run in libuv's threadpool) costs the main
 * thread 90–130 µs per call whatever the size (a new zlib handle and stream per call), while the
 * synchronous call costs 20–70 µs up to 16 KiB and about 200 µs at 64 KiB (gzip level 6 or
 * brotli quality 4 on JSON). So bodies up to SYNC_MAX are compressed inline — cheaper for the
 * main thread than handing them off — and larger ones in the threadpool, so a big body never
 * holds the event loop. Streamed bodies always go through a zlib stream, whose work also runs
 * in the threadpool.
 *
 * Streams flush after every chunk the app flushed (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH), so a
 * server-sent event is on the wire, decodable, as soon as PHP sent it. Memory stays bounded:
 * PHP's socket is paused while either the encoder's input buffer or the client is full.
 */
import * as zlib from 'node:zlib';
import type { Encoding } from './accept-encoding.js';
import { BodyWriter } from './body-writer.js';
import type { HeaderPairs } from '../codec/messages.js';
import { planBuffered, withVary, type CompressionSettings, type RequestCompression } from './compression-policy.js';
import { writeResponse, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

/** Bodies up to this size are compressed synchronously (see above). */
export const SYNC_MAX = 32 * 1024;

/**
 * Brotli's window for streams: 2^18 = 256 KiB instead of the default 4 MiB, so each open
 * stream (a long-lived SSE connection) keeps a small encoder; the ratio barely changes at the
 * qualities used for dynamic responses.
 */
const STREAM_BROTLI_LGWIN = 18;

export interface Levels {
  gzipLevel: number;
  brotliQuality: number;
}

function brotliOptions(quality: number, sizeHint: number, lgwin?: number): zlib.BrotliOptions {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
  };
  if (sizeHint > 0) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  if (lgwin !== undefined) params[zlib.constants.BROTLI_PARAM_LGWIN] = lgwin;
  return { params };
}

/** Compresses a whole body: synchronously up to SYNC_MAX, in the threadpool above. */
export function compressBody(body: Uint8Array, encoding: Encoding, levels: Levels): Buffer | Promise<Buffer> {
  if (encoding === 'br') {
    const options = brotliOptions(levels.brotliQuality, body.byteLength);
    if (body.byteLength <= SYNC_MAX) return zlib.brotliCompressSync(body, options);
    return new Promise((resolve, reject) => zlib.brotliCompress(body, options, (err, out) => (err ? reject(err) : resolve(out))));
  }
  const options = { level: levels.gzipLevel };
  if (body.byteLength <= SYNC_MAX) return zlib.gzipSync(body, options);
  return new Promise((resolve, reject) => zlib.gzip(body, options, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * A compressed body written as it comes: the same surface as BodyWriter (write / end / abort),
 * with a zlib stream in front of a chunked BodyWriter. `write` returns false while the encoder
 * or the client pushes back; `onDrain` fires once both can take more.
 */
export class CompressedBody {
  readonly #state: ResponseState;
  readonly #inner: BodyWriter;
  readonly #stream: zlib.Gzip | zlib.BrotliCompress;
  readonly #flushKind: number;
  readonly #flushEachChunk: boolean;
  readonly #onDrain: () => void;
  #innerBlocked = false;
  #streamBlocked = false;
  /** write() returned false: onDrain is owed once both sides are clear. */
  #owed = false;
  #destroyed = false;

  constructor(res: Uws.HttpResponse, state: ResponseState, encoding: Encoding, settings: CompressionSettings, flushEachChunk: boolean, onDrain: () => void) {
    this.#state = state;
    this.#onDrain = onDrain;
    this.#flushEachChunk = flushEachChunk;
    this.#inner = new BodyWriter(res, state, null, () => {
      this.#innerBlocked = false;
      this.#maybeDrain();
    });
    if (encoding === 'br') {
      this.#stream = zlib.createBrotliCompress(brotliOptions(settings.brotliQuality, 0, STREAM_BROTLI_LGWIN));
      this.#flushKind = zlib.constants.BROTLI_OPERATION_FLUSH;
    } else {
      this.#stream = zlib.createGzip({ level: settings.gzipLevel });
      // Not Z_FULL_FLUSH: that also resets the dictionary, and the ratio with it.
      this.#flushKind = zlib.constants.Z_SYNC_FLUSH;
    }
    this.#stream.on('data', (out: Buffer) => {
      if (this.#gone()) return;
      let ok = true;
      try {
        res.cork(() => {
          ok = this.#inner.write(out);
        });
      } catch {
        // This runs from zlib's callback, outside any uWS handler: an error here would take the
        // process down. uWS refusing a write means the response is over for us anyway.
        state.done = true;
        this.destroy();
        return;
      }
      if (!ok) this.#innerBlocked = true;
    });
    this.#stream.on('drain', () => {
      this.#streamBlocked = false;
      this.#maybeDrain();
    });
    this.#stream.on('end', () => {
      if (!this.#destroyed) this.#inner.end();
    });
    this.#stream.on('error', () => {
      // zlib failing on its own input is a bug, not the client's fault: never pass off a
      // truncated body as whole.
      this.destroy();
      this.#inner.abort();
    });
  }

  write(chunk: Uint8Array): boolean {
    if (this.#destroyed || this.#gone()) return true;
    if (!this.#stream.write(chunk)) this.#streamBlocked = true;
    if (this.#flushEachChunk) this.#stream.flush(this.#flushKind);
    const ok = !this.#streamBlocked && !this.#innerBlocked;
    if (!ok) this.#owed = true;
    return ok;
  }

  /** The body is complete: the encoder's last bytes go out, then the response ends. */
  end(): void {
    if (this.#destroyed) return;
    this.#stream.end();
  }

  /** Cuts the connection now (the producer failed mid-body). */
  abort(): void {
    this.destroy();
    this.#inner.abort();
  }

  /** Frees the encoder (the client left, or the response was cut). */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#stream.destroy();
  }

  #gone(): boolean {
    return this.#state.aborted || this.#state.done;
  }

  #maybeDrain(): void {
    if (!this.#owed || this.#innerBlocked || this.#streamBlocked || this.#destroyed) return;
    this.#owed = false;
    this.#onDrain();
  }
}

/**
 * Writes a buffered response (writeResponse), compressed when the plan says so. Returns a
 * promise when the body is compressed in the threadpool; the response is written when it
 * settles. A body zlib cannot compress (never seen; a bug) goes out as identity instead.
 */
export function writeCompressible(
  res: Uws.HttpResponse,
  state: ResponseState,
  isHead: boolean,
  status: number,
  headers: HeaderPairs,
  body: Uint8Array,
  rc: RequestCompression,
): Promise<void> | undefined {
  const plan = planBuffered(rc, status, headers, body.byteLength, isHead);
  if (plan === null) {
    writeResponse(res, state, isHead, status, headers, body);
    return undefined;
  }
  if (plan.encoding === null || isHead) {
    // HEAD: the GET's headers (its compressed length is not known: none is sent), no body.
    writeResponse(res, state, isHead, status, plan.headers, isHead && plan.encoding !== null ? EMPTY : body);
    return undefined;
  }
  let encoded: Buffer | Promise<Buffer>;
  try {
    encoded = compressBody(body, plan.encoding, rc.settings);
  } catch {
    writeResponse(res, state, false, status, withVary(headers), body);
    return undefined;
  }
  if (!(encoded instanceof Promise)) {
    writeResponse(res, state, false, status, plan.headers, encoded);
    return undefined;
  }
  return encoded.then(
    (out) => writeResponse(res, state, false, status, plan.headers, out),
    () => writeResponse(res, state, false, status, withVary(headers), body),
  );
}

const EMPTY = new Uint8Array(0);
