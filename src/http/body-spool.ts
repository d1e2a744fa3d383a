/**
 * Receives a request body from uWS, the size limit enforced while it arrives, and puts it where
 * it belongs before any PHP worker is involved:
 *
 * - up to BODY_MEMORY_MAX, in memory: one ArrayBuffer (of exactly the Content-Length when there
 *   is one), later transferred to the worker thread and sent as REQUEST_BODY frames;
 * - larger (or a chunked body that grows past it), into one file in UPLOAD_TMP_DIR as it
 *   arrives, which PHP reads as the request content (`body_file` in the head);
 * - multipart/form-data POSTs, through busboy into one file per upload (src/http/multipart.ts).
 *
 * Memory stays bounded whatever the body's size: when the disk (or busboy) is slower than the
 * client, `res.pause()` stops reading the socket until the writes drain (uWS 20.30 has
 * HttpResponse.pause/resume); what uWS already read meanwhile is at most its receive buffer.
 *
 * uWS hands out each chunk in a buffer that is detached right after the callback, so every chunk
 * is copied. The files belong to the request: `release()` removes them once it is over.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { BridgeError } from '../errors.js';
import { traffic } from '../metrics/traffic.js';
import type { FormData } from '../codec/messages.js';
import { MultipartSpool } from './multipart.js';
import type { UploadDir } from './upload-dir.js';
import type { Uws } from './uws.js';

/** Write buffer of a spooled body before the client is paused. */
const FILE_HWM = 1024 * 1024;

export interface ReceivedBody {
  /** The body in memory (REQUEST_BODY frames), or null when it is on disk / parsed. */
  memory: ArrayBuffer | null;
  /** Bytes the client sent. */
  size: number;
  /** The body's file (raw bodies over BODY_MEMORY_MAX). */
  file: string | null;
  /** A parsed multipart/form-data body. */
  form: FormData | null;
}

export type BodyResult = { ok: true; body: ReceivedBody } | { ok: false; error: BridgeError };

export interface BodyOptions {
  /** Content-Length, or -1 when the body is chunked. */
  declaredLength: number;
  /** MAX_BODY_SIZE. */
  limit: number;
  /** BODY_MEMORY_MAX. */
  memoryMax: number;
  dir: UploadDir;
  /** The Content-Type of a POST that may be multipart/form-data (null otherwise). */
  formContentType: string | null;
}

/**
 * One request body on its way in. `done` is called once, unless `abort()` comes first; after a
 * failure the rest of the body is read and dropped (so a 413 reaches a client still sending).
 */
export class BodySpool {
  readonly #res: Uws.HttpResponse;
  readonly #o: BodyOptions;
  readonly #done: (result: BodyResult) => void;
  /** Every file this body created; removed by release(). */
  readonly #paths: string[] = [];
  #finished = false;
  #released = false;
  #paused = false;
  #lastChunk = false;
  #size = 0;
  // memory mode
  #buffer: Uint8Array | null = null;
  #chunks: Uint8Array[] | null = null;
  // file mode
  #file: WriteStream | null = null;
  #filePath: string | null = null;
  #fileError: Error | null = null;
  // form mode
  #form: MultipartSpool | null = null;

  constructor(res: Uws.HttpResponse, options: BodyOptions, done: (result: BodyResult) => void) {
    this.#res = res;
    this.#o = options;
    this.#done = done;
    if (options.formContentType !== null) {
      try {
        this.#form = new MultipartSpool({ 'content-type': options.formContentType }, options.dir, (paused) => this.#pressure(paused));
      } catch {
        // No usable boundary: not a form PHP would parse either; the body stays raw.
        this.#form = null;
      }
    }
    if (this.#form === null) {
      if (options.declaredLength > options.memoryMax) this.#toFile([]);
      else if (options.declaredLength >= 0) this.#buffer = new Uint8Array(new ArrayBuffer(options.declaredLength));
      else this.#chunks = [];
    }
    res.onData((chunk, isLast) => this.#onData(chunk, isLast));
  }

  /** The client left or the request timed out while the body arrived: stop, and remove what was written. */
  abort(): void {
    this.#finished = true;
    this.#stopWriting();
    void this.release();
  }

  /**
   * The response to this request is over: a socket still paused from the body is resumed, so the
   * next request on the keep-alive connection is read (the idle timeout uWS re-arms is right now).
   */
  resumeAfterResponse(): void {
    this.#lastChunk = false;
    this.#pressure(false);
  }

  /** Removes the request's files (after its response, or when it failed). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const paths = [...this.#paths, ...(this.#form?.paths ?? [])];
    if (this.#file !== null && !this.#file.closed) await new Promise<void>((resolve) => this.#file!.once('close', () => resolve()));
    await this.#o.dir.remove(paths);
  }

  #onData(chunk: ArrayBuffer, isLast: boolean): void {
    if (this.#finished) return; // failed already: the rest is read and dropped
    const { declaredLength, limit } = this.#o;
    const length = chunk.byteLength;
    traffic.bytesIn += length;
    if (declaredLength >= 0 ? this.#size + length > declaredLength : this.#size + length > limit) {
      this.#fail(declaredLength >= 0 ? new BridgeError('BAD_REQUEST', 'body does not match its Content-Length') : new BridgeError('BODY_TOO_LARGE', 'body exceeds MAX_BODY_SIZE'));
      return;
    }
    // From the last chunk on nothing is paused: uWS 20.30's resume() re-arms its 10-second idle
    // timeout, which would then cut a response PHP takes longer than that to produce.
    if (isLast) this.#lastChunk = true;
    if (length > 0) this.#take(chunk);
    this.#size += length;
    if (isLast) {
      if (declaredLength >= 0 && this.#size !== declaredLength) {
        this.#fail(new BridgeError('BAD_REQUEST', 'body does not match its Content-Length'));
        return;
      }
      this.#finished = true;
      void this.#complete();
    }
  }

  #take(chunk: ArrayBuffer): void {
    if (this.#buffer !== null) {
      this.#buffer.set(new Uint8Array(chunk), this.#size);
      return;
    }
    const copy = Buffer.from(new Uint8Array(chunk));
    if (this.#form !== null) {
      this.#form.write(copy);
      return;
    }
    if (this.#chunks !== null) {
      this.#chunks.push(copy);
      // A chunked body that outgrows memory moves to disk with what it already has.
      if (this.#size + chunk.byteLength > this.#o.memoryMax) this.#toFile(this.#chunks);
      return;
    }
    if (this.#file !== null && !this.#file.write(copy)) this.#pressure(true);
  }

  #toFile(held: Uint8Array[]): void {
    this.#chunks = null;
    const path = this.#o.dir.newPath('body');
    this.#paths.push(path);
    this.#filePath = path;
    const file = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: FILE_HWM });
    file.on('drain', () => this.#pressure(false));
    file.on('error', (err) => {
      this.#fileError = err;
      this.#fail(new BridgeError('INTERNAL', `cannot write the request body to ${path}: ${err.message}`, { cause: err }));
    });
    this.#file = file;
    let ok = true;
    for (const part of held) ok = file.write(part);
    if (!ok) this.#pressure(true);
  }

  async #complete(): Promise<void> {
    try {
      let body: ReceivedBody;
      if (this.#form !== null) {
        body = { memory: null, size: this.#size, file: null, form: await this.#form.end() };
      } else if (this.#file !== null) {
        const file = this.#file;
        await new Promise<void>((resolve, reject) => {
          file.once('error', reject);
          file.end(() => resolve());
        });
        body = { memory: null, size: this.#size, file: this.#filePath, form: null };
      } else if (this.#buffer !== null) {
        body = { memory: this.#buffer.buffer as ArrayBuffer, size: this.#size, file: null, form: null };
      } else {
        body = { memory: concat(this.#chunks ?? [], this.#size), size: this.#size, file: null, form: null };
      }
      if (this.#released) return; // aborted while the last writes drained
      // A body that ended while the client was held back (uWS had already read its last bytes)
      // stays paused until its response is over (resumeAfterResponse): uWS 20.30's resume()
      // re-arms its 10-second idle timeout, which would cut the connection while the app works.
      this.#done({ ok: true, body });
    } catch (err) {
      if (this.#released) return;
      this.#finished = false;
      this.#fail(err instanceof BridgeError ? err : new BridgeError('INTERNAL', `request body: ${(err as Error).message}`, { cause: err }));
    }
  }

  #fail(error: BridgeError): void {
    if (this.#released) return;
    this.#finished = true;
    this.#stopWriting();
    void this.release();
    this.#done({ ok: false, error });
  }

  #stopWriting(): void {
    this.#form?.abort();
    if (this.#file !== null && !this.#file.destroyed) this.#file.destroy(this.#fileError ?? undefined);
    this.#buffer = null;
    this.#chunks = null;
    this.#pressure(false);
  }

  /** Holds the client back while the disk (or the form parser) catches up. */
  #pressure(paused: boolean): void {
    if (paused === this.#paused || (paused && this.#lastChunk)) return;
    this.#paused = paused;
    try {
      if (paused) this.#res.pause();
      else this.#res.resume();
    } catch {
      // The response already ended or was aborted: nothing left to hold back.
    }
  }
}

function concat(chunks: Uint8Array[], total: number): ArrayBuffer {
  const body = new ArrayBuffer(total);
  const view = new Uint8Array(body);
  let offset = 0;
  for (const part of chunks) {
    view.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}
