/**
 * One Unix-socket connection to one PHP worker process. Owned by a single thread; carries one
 * exchange at a time, plus the requests pipelined behind it (src/pool/scheduler.ts): those are
 * sent at once and wait on the worker's socket, and PHP reads each when the one before is over.
 * PHP may hand them back unrun with an ERROR `RETRY` (when it starts streaming), and when the
 * connection fails before one became current it never ran either: both end it as `retry`.
 *
 * A response reaches its consumer the one way every response takes, buffered or streamed: the
 * `ResponseHandler` events (head, body chunks, end or error), as undici's dispatcher handlers do.
 * Buffering a whole body is one such consumer (src/pool/buffered-response.ts), writing to the
 * client another (src/http/php-response.ts).
 *
 * Every frame is checked against the exchange in flight: a wrong id, an unexpected type or a
 * malformed frame closes the connection for good (outcome `broken`), so bytes meant for one
 * client can never be read as another's response. A consumer that throws is a bug on our side,
 * not the worker's: the exchange is failed with INTERNAL, the rest of its frames are read and
 * dropped, and the worker stays in service.
 */
import { connect, type Socket } from 'node:net';
import { BridgeError, FrameError, WorkerAppError } from '../errors.js';
import { FrameFlags, FrameType, frameTypeName, encodeFrame, type Frame } from '../codec/frame.js';
import { FrameReader } from '../codec/reader.js';
import { decodeHello, decodePong, decodeResponseHead, decodeWorkerError, encodeRequest, type HeaderPairs, type Pong, type RequestHead } from '../codec/messages.js';

export interface ResponseHeadInfo {
  status: number;
  headers: HeaderPairs;
  /** PHP streams this body (StreamedResponse, downloads, SSE): write it as it comes. */
  streamed: boolean;
}

/** Backpressure and cancellation, from the consumer back to whoever reads the PHP socket. */
export interface FlowControl {
  /** Stop reading: PHP's writes block, so a slow client slows the producer. */
  pause(): void;
  resume(): void;
  /** The client left: ask PHP to stop producing (a streamed response's producer gets an exception). */
  cancel(): void;
}

/** Flow control of a response that is already complete (or not yet started): nothing to do. */
export const NO_FLOW: FlowControl = { pause: () => undefined, resume: () => undefined, cancel: () => undefined };

/** Receives one response. Exactly one of `onEnd` / `onError` ends it. */
export interface ResponseHandler {
  onHead(head: ResponseHeadInfo, flow: FlowControl): void;
  /** A view into the socket's read buffer: keep a reference or copy it, never mutate it. */
  onBody(chunk: Buffer): void;
  onEnd(): void;
  /** The app failed (WORKER_APP_ERROR), the worker broke, or a consumer threw (INTERNAL). */
  onError(err: BridgeError): void;
}

/**
 * How an exchange left the PHP worker: `done` — its connection is in step and the worker can
 * take the next request (unless `stopping`: it announced it exits now); `broken` — the
 * connection failed or the worker broke the protocol; `lost` — our side dropped the connection
 * (a Node bug, or a shutdown): the worker itself is fine; `retry` — the worker never ran it (it
 * was pipelined behind a request that streamed, or the connection closed before it was read):
 * the caller sends it to another worker.
 */
export type ExchangeOutcome = { kind: 'done'; stopping: boolean } | { kind: 'broken'; error: BridgeError } | { kind: 'lost'; error: BridgeError } | { kind: 'retry' };

/** A pipelined request the worker never ran (it started streaming, stopped, or died first): send it to another. */
export const RETRY: ExchangeOutcome = Object.freeze({ kind: 'retry' });

interface RequestExchange {
  kind: 'request';
  id: number;
  handler: ResponseHandler;
  settle: (outcome: ExchangeOutcome) => void;
  headSeen: boolean;
  /** A consumer threw: the response's remaining frames are dropped. */
  abandoned: boolean;
  cancelled: boolean;
}

interface PingExchange {
  kind: 'ping';
  id: number;
  resolve: (pong: Pong) => void;
  reject: (err: BridgeError) => void;
}

type Exchange = RequestExchange | PingExchange;

/**
 * The HELLO protocol number this server speaks (FRAME.md): 2 since request bodies may arrive as
 * files (body_file, form), 3 since a request may be pipelined behind another and handed back (RETRY).
 */
const PROTOCOL_VERSION = 3;

export class PhpConnection {
  readonly socketPath: string;
  #socket: Socket;
  #reader: FrameReader;
  #nextId = 1;
  #exchange: Exchange | null = null;
  /** Requests pipelined behind `#exchange`, in the order they were written (PHP serves them in that order). */
  #queue: RequestExchange[] = [];
  /** Requests sent this turn of the event loop, not yet written (#send). */
  #outbox: Uint8Array[] = [];
  #closed: BridgeError | null = null;
  #onClose: (() => void) | null = null;

  private constructor(socketPath: string, socket: Socket, maxPayload: number) {
    this.socketPath = socketPath;
    this.#socket = socket;
    this.#reader = new FrameReader(maxPayload);
  }

  /**
   * Connects and waits for the worker's HELLO. The promise settles exactly once: on HELLO, on a
   * socket error, or when `timeoutMs` passes.
   */
  static open(socketPath: string, timeoutMs: number, maxPayload?: number): Promise<PhpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const conn = new PhpConnection(socketPath, socket, maxPayload ?? 16 * 1024 * 1024);
      let settled = false;
      const fail = (err: BridgeError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new BridgeError('WORKER_CONNECT_FAILED', `no HELLO from the PHP worker at ${socketPath} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('error', (err) => {
        if (!settled) fail(new BridgeError('WORKER_CONNECT_FAILED', `cannot connect to the PHP worker at ${socketPath}: ${err.message}`, { cause: err }));
        else conn.#fail(new BridgeError('WORKER_CRASHED', `connection to the PHP worker failed: ${err.message}`, { cause: err }), 'broken');
      });
      socket.on('close', () => {
        if (!settled) fail(new BridgeError('WORKER_CONNECT_FAILED', `the PHP worker at ${socketPath} closed the connection before HELLO`));
        else conn.#fail(new BridgeError('WORKER_CRASHED', 'the PHP worker closed the connection (it exited or crashed)'), 'broken');
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          conn.#reader.push(chunk, (frame) => {
            if (settled) {
              conn.#onFrame(frame);
              return;
            }
            if (frame.type !== FrameType.HELLO) {
              throw new FrameError('FRAME_UNEXPECTED', `expected HELLO, got ${frameTypeName(frame.type)}`);
            }
            const hello = decodeHello(frame.payload);
            if (hello.protocol !== PROTOCOL_VERSION) {
              throw new FrameError('FRAME_BAD_VERSION', `the PHP worker at ${socketPath} speaks protocol ${hello.protocol}; this server speaks ${PROTOCOL_VERSION} (php/ and the server come from different versions)`);
            }
            settled = true;
            clearTimeout(timer);
            resolve(conn);
          });
        } catch (err) {
          // Consumers' exceptions are caught where they are called (#deliver): what arrives here
          // is the codec's verdict on the worker's bytes, or a bug in this file.
          const error = err instanceof BridgeError ? err : new BridgeError('INTERNAL', `PHP connection: ${String((err as Error)?.stack ?? err)}`, { cause: err });
          if (!settled) fail(error);
          else conn.#fail(error, err instanceof BridgeError ? 'broken' : 'lost');
        }
      });
    });
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  onClose(fn: () => void): void {
    this.#onClose = fn;
  }

  /**
   * Sends one request (head + whole body, one write) and feeds the response to `handler`.
   * Resolves when the exchange is over on the PHP side, with what that means for the worker.
   * Never rejects.
   */
  exchange(head: RequestHead, body: Uint8Array | null, handler: ResponseHandler): Promise<ExchangeOutcome> {
    if (this.#closed) {
      // Reserved on a worker whose connection closed meanwhile (it is leaving): never sent, so
      // it goes to another worker.
      return Promise.resolve(RETRY);
    }
    const current = this.#exchange;
    if (current !== null && current.kind !== 'request') {
      const error = new BridgeError('INTERNAL', 'PHP connection already has an exchange in flight');
      deliver(() => handler.onError(error));
      return Promise.resolve({ kind: 'lost', error });
    }
    const id = this.#takeId();
    return new Promise((settle) => {
      const exchange: RequestExchange = { kind: 'request', id, handler, settle, headSeen: false, abandoned: false, cancelled: false };
      if (current === null) this.#exchange = exchange;
      else this.#queue.push(exchange);
      this.#send(encodeRequest(id, head, body));
    });
  }

  ping(): Promise<Pong> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#exchange) return Promise.reject(new BridgeError('INTERNAL', 'PHP connection already has an exchange in flight'));
    const id = this.#takeId();
    return new Promise((resolve, reject) => {
      this.#exchange = { kind: 'ping', id, resolve, reject };
      this.#flush();
      this.#socket.write(encodeFrame(FrameType.PING, FrameFlags.NONE, id));
    });
  }

  /** Closes the connection from our side (the worker is being retired, or we shut down). */
  close(): void {
    this.#fail(new BridgeError('WORKER_CRASHED', 'connection closed by the bridge'), 'lost');
  }

  /**
   * Sends a request with the others sent to this worker in the same turn of the event loop:
   * they go out together (one writev) once the turn's callbacks are done, so a worker handed a
   * batch is woken once for all of it (docs/PERFORMANCE.md, item 13).
   */
  #send(bytes: Uint8Array): void {
    if (this.#outbox.push(bytes) === 1) setImmediate(this.#flush);
  }

  /** Writes what #send collected; also called before any other frame, so frames keep their order. */
  readonly #flush = (): void => {
    const out = this.#outbox;
    if (out.length === 0) return;
    this.#outbox = [];
    if (this.#closed) return;
    if (out.length === 1) {
      this.#socket.write(out[0]!);
      return;
    }
    this.#socket.cork();
    for (const bytes of out) this.#socket.write(bytes);
    this.#socket.uncork();
  };

  #takeId(): number {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return id;
  }

  /**
   * Flow control for one exchange. Pausing and resuming act on the socket whatever is current
   * (a writer resumes once its client drained, which may be after PHP's side of its response is
   * over: it must never leave the socket paused under the next request); cancelling only ever
   * reaches this exchange, never the request that came after it on this socket.
   */
  #flowOf(exchange: RequestExchange): FlowControl {
    return { pause: this.#pause, resume: this.#resume, cancel: () => this.#cancel(exchange) };
  }

  readonly #pause = (): void => {
    this.#socket.pause();
  };

  readonly #resume = (): void => {
    this.#socket.resume();
  };

  #cancel(exchange: RequestExchange): void {
    if (this.#exchange !== exchange || exchange.cancelled || this.#closed) return;
    exchange.cancelled = true;
    this.#flush(); // the request itself may still be in the outbox
    this.#socket.write(encodeFrame(FrameType.CANCEL, FrameFlags.NONE, exchange.id));
    this.#socket.resume();
  }

  #onFrame(frame: Frame): void {
    const exchange = this.#exchange;
    if (exchange === null) {
      throw new FrameError('FRAME_UNEXPECTED', `${frameTypeName(frame.type)} frame arrived while no request was in flight`);
    }
    if (frame.id !== exchange.id) {
      const index = this.#queue.findIndex((e) => e.id === frame.id);
      if (index !== -1 && frame.type === FrameType.ERROR && decodeWorkerError(frame.payload).code === 'RETRY') {
        // PHP handed a pipelined request back without running it (it is streaming the current one).
        const [next] = this.#queue.splice(index, 1);
        next!.settle(RETRY);
        return;
      }
      throw new FrameError('FRAME_WRONG_REQUEST_ID', `${frameTypeName(frame.type)} frame for request ${frame.id}, but request ${exchange.id} is in flight`);
    }
    const end = (frame.flags & FrameFlags.END) !== 0;
    const stopping = (frame.flags & FrameFlags.WORKER_STOPPING) !== 0;

    if (exchange.kind === 'ping') {
      if (frame.type !== FrameType.PONG) throw new FrameError('FRAME_UNEXPECTED', `unexpected ${frameTypeName(frame.type)} frame for a ping`);
      this.#exchange = null;
      exchange.resolve(decodePong(frame.payload));
      return;
    }

    switch (frame.type) {
      case FrameType.ERROR: {
        const info = decodeWorkerError(frame.payload);
        this.#settle(exchange, stopping, new WorkerAppError(`PHP worker error ${info.code}: ${info.message}`, stopping));
        return;
      }
      case FrameType.RESPONSE_HEAD: {
        if (exchange.headSeen) break;
        const head = decodeResponseHead(frame.payload);
        exchange.headSeen = true;
        this.#deliver(exchange, (h) => h.onHead({ status: head.status, headers: head.headers, streamed: head.stream === true && !end }, end ? NO_FLOW : this.#flowOf(exchange)));
        if (end) this.#settle(exchange, stopping, null);
        return;
      }
      case FrameType.RESPONSE_BODY:
        if (!exchange.headSeen) break;
        if (frame.payload.byteLength > 0) this.#deliver(exchange, (h) => h.onBody(frame.payload));
        if (end) this.#settle(exchange, stopping, null);
        return;
    }
    throw new FrameError('FRAME_UNEXPECTED', `unexpected ${frameTypeName(frame.type)} frame for a request`);
  }

  /** Calls the consumer; if it throws, the exchange is failed with INTERNAL and its rest dropped. */
  #deliver(exchange: RequestExchange, call: (handler: ResponseHandler) => void): void {
    if (exchange.abandoned) return;
    try {
      call(exchange.handler);
    } catch (err) {
      exchange.abandoned = true;
      // Keep reading: the rest of this response must be consumed for the connection to stay in step.
      this.#socket.resume();
      const error = new BridgeError('INTERNAL', `response consumer failed: ${String((err as Error)?.stack ?? err)}`, { cause: err });
      deliver(() => exchange.handler.onError(error));
    }
  }

  /** The exchange ended on the PHP side (END, or an ERROR frame); the first pipelined one, if any, becomes current. */
  #settle(exchange: RequestExchange, stopping: boolean, error: BridgeError | null): void {
    // A worker that stops after this response never reads the requests pipelined behind it:
    // they stay queued, and #fail below hands them back (RETRY).
    this.#exchange = stopping ? null : (this.#queue.shift() ?? null);
    if (error === null) this.#deliver(exchange, (h) => h.onEnd());
    else this.#deliver(exchange, (h) => h.onError(error));
    if (exchange.cancelled || exchange.abandoned) this.#socket.resume();
    exchange.settle({ kind: 'done', stopping });
    // The worker exits after this response (recycling): this connection has no future, and the
    // requests pipelined behind it were never read.
    if (stopping) this.#fail(new BridgeError('WORKER_CRASHED', 'the PHP worker is stopping (recycled)'), 'lost');
  }

  #fail(err: BridgeError, kind: 'broken' | 'lost'): void {
    if (this.#closed) return;
    this.#closed = err;
    this.#socket.destroy();
    const exchange = this.#exchange;
    const queued = this.#queue;
    this.#exchange = null;
    this.#queue = [];
    this.#outbox = [];
    if (exchange?.kind === 'ping') {
      exchange.reject(err);
    } else if (exchange) {
      this.#deliver(exchange, (h) => h.onError(err));
      exchange.settle(kind === 'broken' ? { kind: 'broken', error: err } : { kind: 'lost', error: err });
    }
    // PHP serves in order: the one behind an unfinished request never started.
    for (const next of queued) next.settle(RETRY);
    this.#onClose?.();
  }
}

/** Calls a consumer whose own failure nothing can report any further. */
function deliver(call: () => void): void {
  try {
    call();
  } catch {
    // The consumer failed while being told of a failure: the exchange is over either way.
  }
}
