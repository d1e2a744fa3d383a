/**
 * Writes one PHP response to the client: the main thread's consumer of the one response path
 * (src/pool/connection.ts's ResponseHandler), whether the events come straight off the socket
 * (WORKER_THREADS=0) or from a thread (src/threads/dispatcher.ts).
 *
 * A response PHP does not stream is buffered and written in one cork — status, headers and
 * body in one syscall — up to MAX_RESPONSE_BUFFER; past that, and for streamed responses
 * (StreamedResponse, downloads, server-sent events), the head goes out at once and the body
 * follows as it arrives, with backpressure back to PHP (BodyWriter).
 *
 * With `compression` (COMPRESSION on), both ways go through the compression stage
 * (compression.ts): a buffered body is compressed whole, a streamed one chunk by chunk.
 * Whatever replays a response through this writer (a thread, a cache) gets it too.
 */
import { BridgeError, httpStatusFor } from '../errors.js';
import { NO_FLOW, type FlowControl, type ResponseHandler, type ResponseHeadInfo } from '../pool/connection.js';
import type { HeaderPairs } from '../codec/messages.js';
import { BodyWriter } from './body-writer.js';
import { CompressedBody, writeCompressible } from './compression.js';
import { planStreamed, type RequestCompression } from './compression-policy.js';
import { sendfilePath, type Sendfile } from './sendfile.js';
import { cutResponse, declaredLength, endWithoutBody, writeCloseHeader, findUnsafeHeader, forwardedHeaders, statusHasNoBody, statusLine, writeError, writeResponse, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

export interface PhpResponseOptions {
  res: Uws.HttpResponse;
  state: ResponseState;
  isHead: boolean;
  /** Largest body held in memory before the response is streamed instead. */
  bufferLimit: number;
  /** The client's negotiated coding and the settings; null when COMPRESSION is off. */
  compression: RequestCompression | null;
  /** Body bytes arrived (the request's idle timer restarts). */
  onActivity(): void;
  /** PHP streams this response (it may never end): nothing is to be pipelined behind it. */
  onStreamed?: () => void;
  /** The response is over on our side: the status the client got (499 if it left). */
  onDone(status: number, error: BridgeError | null): void;
  /** Sends the files the app hands over (X-Sendfile); null when SENDFILE_ROOTS is empty. */
  sendfile?: Sendfile | null;
  /** The client's request headers (Range, If-*), for a handed-over file. */
  requestHeaders?: HeaderPairs;
}

export class PhpResponseWriter implements ResponseHandler {
  readonly #o: PhpResponseOptions;
  #head: ResponseHeadInfo | null = null;
  #flow: FlowControl = NO_FLOW;
  #chunks: Buffer[] = [];
  #size = 0;
  /** The head is on the wire: the body streams. */
  #streaming = false;
  #writer: BodyWriter | CompressedBody | null = null;
  /** The whole body is being compressed in the threadpool: the response is ours to finish. */
  #compressing = false;
  /** Nothing more goes to the client (answered already, or it left): read the rest and drop it. */
  #discarding = false;
  #done = false;
  /** What the front door answered instead of the app's response, for the log. */
  #error: BridgeError | null = null;
  /** The file the app handed over (X-Sendfile), sent by the front door once PHP's response ends. */
  #handover: string | null = null;
  /** The file is being sent: PHP's side is over, the client's is not. */
  #handedOver = false;

  constructor(options: PhpResponseOptions) {
    this.#o = options;
    options.state.onAbort = () => this.#clientLeft();
  }

  /** The client's side of the response is over (written, cut, or the client left). */
  get finished(): boolean {
    return this.#done || this.#compressing || this.#handedOver;
  }

  onHead(head: ResponseHeadInfo, flow: FlowControl): void {
    this.#flow = flow;
    if (head.streamed) this.#o.onStreamed?.();
    if (this.#discarding) {
      // Answered already, or the client left before the head: nobody will read a stream, so its
      // producer is stopped now (an SSE loop would otherwise hold the worker until
      // REQUEST_TIMEOUT, and be killed then).
      if (head.streamed) flow.cancel();
      return;
    }
    const unsafe = findUnsafeHeader(head.headers);
    if (unsafe !== null) {
      const error = new BridgeError('BAD_RESPONSE_HEADER', `the app sent response header "${unsafe}" with an invalid name or a CR/LF in its value`);
      this.#answerError(error);
      if (head.streamed) flow.cancel();
      return;
    }
    this.#head = head;
    if (!head.streamed && this.#o.sendfile) this.#handover = sendfilePath(head.headers);
    if (head.streamed) this.#startStreaming();
  }

  onBody(chunk: Buffer): void {
    if (this.#discarding) return;
    this.#o.onActivity();
    if (this.#streaming) {
      this.#send(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#size > this.#o.bufferLimit) this.#startStreaming();
  }

  onEnd(): void {
    const head = this.#head;
    if (this.#discarding || head === null) {
      this.#finish(this.#o.state.aborted ? 499 : this.#error !== null ? httpStatusFor(this.#error.code) : head?.status ?? 502, this.#error);
      return;
    }
    if (this.#handover !== null) {
      this.#sendFile(head, this.#handover);
      return;
    }
    if (!this.#streaming) {
      const chunks = this.#chunks;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
      this.#chunks = [];
      const compression = this.#o.compression;
      if (compression === null) {
        writeResponse(this.#o.res, this.#o.state, this.#o.isHead, head.status, head.headers, body);
      } else {
        const written = writeCompressible(this.#o.res, this.#o.state, this.#o.isHead, head.status, head.headers, body, compression);
        if (written !== undefined) {
          this.#compressing = true;
          const done = (): void => this.#finish(this.#o.state.aborted ? 499 : head.status, null);
          void written.then(done, done);
          return;
        }
      }
    } else if (this.#writer !== null) {
      this.#writer.end();
      // PHP's side of this response is over, so nothing is held back any more; a pause from a
      // client (or an encoder) still full would otherwise leave the connection deaf to the next
      // request's frames.
      this.#flow.resume();
    } else {
      this.#endWithoutBody(head);
    }
    this.#finish(this.#o.state.aborted ? 499 : head.status, null);
  }

  onError(err: BridgeError): void {
    if (this.#done || this.#compressing || this.#handedOver) return;
    if (this.#streaming) {
      if (this.#writer instanceof CompressedBody) this.#writer.destroy();
      // The status line is already out: cut the connection, as nginx does, rather than let the
      // client take a truncated body for a whole one.
      cutResponse(this.#o.res, this.#o.state);
      this.#finish(this.#o.state.aborted ? 499 : this.#head!.status, err);
      return;
    }
    const status = this.#answerError(err);
    this.#finish(this.#o.state.aborted ? 499 : status, err);
  }

  /** PHP is done (its worker is free now); the front door sends the file itself (src/http/sendfile.ts). */
  #sendFile(head: ResponseHeadInfo, path: string): void {
    this.#handedOver = true;
    const { res, state, isHead } = this.#o;
    state.onAbort = undefined;
    this.#o.sendfile!.serve(res, state, isHead, head.status, head.headers, path, this.#o.requestHeaders ?? []).then(
      (status) => this.#finish(status, null),
      (err: unknown) => {
        const error = new BridgeError('INTERNAL', `sendfile: ${String((err as Error)?.stack ?? err)}`, { cause: err });
        this.#finish(state.aborted ? 499 : writeError(res, state, error), error);
      },
    );
  }

  #startStreaming(): void {
    let head = this.#head!;
    const { res, state, isHead, compression } = this.#o;
    this.#streaming = true;
    if (state.aborted || state.done) return;
    const noBody = isHead || statusHasNoBody(head.status);
    const plan = compression === null ? null : planStreamed(compression, head.status, head.headers);
    if (plan !== null) this.#head = head = { ...head, headers: plan.headers };
    const resume = (): void => this.#flow.resume();
    if (!noBody && plan?.encoding) {
      // Flushed after each chunk only when the app streams: its flushes are the ones that matter
      // (an SSE event). A body that merely outgrew the buffer compresses better unflushed.
      this.#writer = new CompressedBody(res, state, plan.encoding, compression!.settings, head.streamed, resume);
    } else if (!noBody) {
      this.#writer = new BodyWriter(res, state, declaredLength(head.headers), resume);
    }
    res.cork(() => {
      res.writeStatus(statusLine(head.status));
      writeCloseHeader(res, state);
      for (const [name, value] of forwardedHeaders(head.headers)) res.writeHeader(name, value);
      for (const chunk of this.#chunks) this.#send(chunk);
    });
    this.#chunks = [];
  }

  #send(chunk: Buffer): void {
    const writer = this.#writer;
    if (writer === null) return; // HEAD, 204, 304: the body is read and dropped
    let ok = true;
    this.#o.res.cork(() => {
      ok = writer.write(chunk);
    });
    if (!ok) this.#flow.pause();
  }

  #endWithoutBody(head: ResponseHeadInfo): void {
    const { res, state, isHead } = this.#o;
    if (state.aborted || state.done) return;
    state.done = true;
    const length = declaredLength(head.headers);
    res.cork(() => endWithoutBody(res, isHead && length !== null && length > 0 ? length : null, state.closeConnection));
  }

  #answerError(err: BridgeError): number {
    this.#discarding = true;
    this.#chunks = [];
    this.#error = err;
    return writeError(this.#o.res, this.#o.state, err);
  }

  /** The client went away: nothing more can be written; let PHP run to its end quickly. */
  #clientLeft(): void {
    this.#discarding = true;
    this.#chunks = [];
    if (this.#writer instanceof CompressedBody) this.#writer.destroy();
    if (this.#streaming || this.#head?.streamed) this.#flow.cancel();
    this.#flow.resume();
  }

  #finish(status: number, error: BridgeError | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#o.state.onAbort = undefined;
    this.#o.onDone(status, error);
  }
}
