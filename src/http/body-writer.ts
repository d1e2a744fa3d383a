/**
 * Writes a response body to uWS piece by piece with backpressure: the one write pump behind
 * streamed PHP responses, PHP responses too large to buffer, and static files read from disk.
 *
 * With a known length the pieces go out with tryEnd (uWS's VideoStreamer pattern: a piece uWS
 * only partly took is retried from the write offset in onWritable); without one, with write()
 * and chunked transfer encoding (uWS keeps what it cannot send yet and says so).
 *
 * `write` returns false when uWS pushed back; `onDrain` then fires once it can take more.
 * Callers write inside `res.cork`.
 */
import { cutResponse, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

export class BodyWriter {
  readonly #res: Uws.HttpResponse;
  readonly #state: ResponseState;
  /** Content-Length, or null for chunked. */
  readonly #total: number | null;
  readonly #onDrain: () => void;
  /** tryEnd mode: the piece uWS did not fully take, and the write offset it started at. */
  #pending: Uint8Array | null = null;
  #pendingOffset = 0;
  /** tryEnd mode: pieces written while blocked. */
  readonly #queue: Uint8Array[] = [];
  #blocked = false;
  #endRequested = false;
  /** uWS has sent the whole declared length: the response is complete. */
  #responded = false;

  constructor(res: Uws.HttpResponse, state: ResponseState, total: number | null, onDrain: () => void) {
    this.#res = res;
    this.#state = state;
    this.#total = total;
    this.#onDrain = onDrain;
    res.onWritable((offset) => this.#drain(offset));
  }

  /** Bytes the client has been sent in full (or the response already ended). */
  get complete(): boolean {
    return this.#responded;
  }

  /**
   * Hands one piece to uWS (inside a cork). False: uWS pushed back; stop producing until
   * onDrain. A piece written while blocked is queued, in order, and sent on drain (keep it
   * unchanged until then).
   */
  write(chunk: Uint8Array): boolean {
    if (this.#gone() || this.#responded) return true;
    this.#state.sent = (this.#state.sent ?? 0) + chunk.byteLength;
    if (this.#total === null) {
      // uWS keeps what it could not send, in order; false means its buffer is over its limit.
      const ok = this.#res.write(chunk);
      if (!ok) this.#blocked = true;
      return ok && !this.#blocked;
    }
    if (this.#blocked) {
      this.#queue.push(chunk);
      return false;
    }
    return this.#tryEnd(chunk);
  }

  #tryEnd(chunk: Uint8Array): boolean {
    const offset = this.#res.getWriteOffset();
    const [ok, responded] = this.#res.tryEnd(chunk, this.#total!);
    if (responded) {
      this.#markResponded();
      return true;
    }
    if (!ok) {
      this.#pending = chunk;
      this.#pendingOffset = offset;
      this.#blocked = true;
    }
    return ok;
  }

  /**
   * The body is complete: ends the response once uWS took everything. A body shorter than the
   * declared length cuts the connection, so the client never takes it for a whole one.
   */
  end(): void {
    if (this.#blocked) {
      this.#endRequested = true;
      return;
    }
    if (this.#gone()) return;
    this.#state.done = true;
    const res = this.#res;
    res.cork(() => {
      if (this.#total === null || this.#total === 0) res.end();
      else if (!this.#responded) res.close();
    });
  }

  /** Cuts the connection now (the producer failed mid-body). */
  abort(): void {
    cutResponse(this.#res, this.#state);
  }

  #markResponded(): void {
    this.#responded = true;
    // uWS finished the response: no further call on res is allowed.
    this.#state.done = true;
  }

  #gone(): boolean {
    return this.#state.aborted || this.#state.done;
  }

  #drain(offset: number): boolean {
    if (this.#gone()) return true;
    const pending = this.#pending;
    if (pending !== null) {
      let ok = true;
      this.#res.cork(() => {
        const [taken, responded] = this.#res.tryEnd(pending.subarray(offset - this.#pendingOffset), this.#total!);
        if (responded) this.#markResponded();
        ok = taken || responded;
      });
      if (!ok) return false;
      this.#pending = null;
      // A piece that completed the response ends it: uWS forbids any further call on res, even
      // a cork (it throws, and outside a handler that ends the process).
      if (!this.#responded && this.#queue.length > 0) {
        let flushed = true;
        this.#res.cork(() => {
          while (flushed && this.#queue.length > 0 && !this.#responded) flushed = this.#tryEnd(this.#queue.shift()!);
        });
        if (!flushed) return false; // blocked again: the next onWritable carries on
      }
    }
    if (!this.#blocked || this.#pending !== null) return true;
    this.#blocked = false;
    if (this.#endRequested) this.end();
    else this.#onDrain();
    return true;
  }
}
