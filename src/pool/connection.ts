/**
 * One Unix-socket connection to one PHP worker process. Owned by a single thread; carries one
 * request at a time (the main thread's scheduler never gives a busy PHP worker a second request).
 *
 * Every frame is checked against the request in flight: a wrong id, an unexpected type or a
 * malformed frame closes the connection for good, so bytes meant for one client can never be
 * read as another's response.
 */
import { connect, type Socket } from 'node:net';
import { BridgeError, FrameError, WorkerAppError } from '../errors.js';
import { FrameFlags, FrameType, frameTypeName, encodeFrame, type Frame } from '../codec/frame.js';
import { FrameReader } from '../codec/reader.js';
import { decodeHello, decodePong, decodeResponseHead, decodeWorkerError, encodeRequest, type HeaderPairs, type Pong, type RequestHead } from '../codec/messages.js';

export interface PhpResponse {
  status: number;
  headers: HeaderPairs;
  /** A standalone ArrayBuffer (safe to transfer to another thread). */
  body: ArrayBuffer;
  /** The PHP worker exits after this response (recycling); do not give it more work. */
  stopping: boolean;
}

/** Receives a streamed response's body as PHP produces it. */
export interface StreamHandlers {
  onChunk(chunk: Buffer): void;
  /** The response ended normally; `stopping`: the worker exits now. */
  onEnd(stopping: boolean): void;
  /** The connection failed mid-stream (the worker crashed or sent a bad frame). */
  onError(err: BridgeError): void;
}

/** What `request` resolves with when PHP streams: the body goes to the handlers instead. */
export interface PhpStreamStarted {
  streamed: true;
  status: number;
  headers: HeaderPairs;
}

export type StreamOpener = (start: PhpStreamStarted) => StreamHandlers;

interface Pending {
  id: number;
  kind: 'request' | 'ping';
  resolve: (value: PhpResponse | PhpStreamStarted | Pong) => void;
  reject: (err: BridgeError) => void;
  head: { status: number; headers: HeaderPairs } | null;
  chunks: Buffer[];
  size: number;
  openStream: StreamOpener | null;
  stream: StreamHandlers | null;
  cancelled: boolean;
}

/** The HELLO protocol number this server speaks (FRAME.md). */
const PROTOCOL_VERSION = 1;

export class PhpConnection {
  readonly socketPath: string;
  #socket: Socket;
  #reader: FrameReader;
  #nextId = 1;
  #pending: Pending | null = null;
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
        else conn.#fail(new BridgeError('WORKER_CRASHED', `connection to the PHP worker failed: ${err.message}`, { cause: err }));
      });
      socket.on('close', () => {
        if (!settled) fail(new BridgeError('WORKER_CONNECT_FAILED', `the PHP worker at ${socketPath} closed the connection before HELLO`));
        else conn.#fail(new BridgeError('WORKER_CRASHED', 'the PHP worker closed the connection (it exited or crashed)'));
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          conn.#reader.push(chunk, (frame) => {
            if (!settled) {
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
              return;
            }
            conn.#onFrame(frame);
          });
        } catch (err) {
          const error = err instanceof BridgeError ? err : new FrameError('FRAME_BAD_PAYLOAD', String(err));
          if (!settled) fail(error);
          else conn.#fail(error);
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
   * Sends one request (head + whole body). Resolves with the whole response, or, when PHP
   * streams and `openStream` is given, with PhpStreamStarted once the head arrives; the body then
   * goes to the handlers `openStream` returns, and the connection stays busy until its END.
   */
  request(head: RequestHead, body: Uint8Array | null, openStream?: StreamOpener): Promise<PhpResponse | PhpStreamStarted> {
    return this.#start('request', (id) => encodeRequest(id, head, body), openStream ?? null) as Promise<PhpResponse | PhpStreamStarted>;
  }

  ping(): Promise<Pong> {
    return this.#start('ping', (id) => encodeFrame(FrameType.PING, FrameFlags.NONE, id), null) as Promise<Pong>;
  }

  /** Backpressure from the client: stop reading, so PHP's writes block. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** The client of the streaming request went away: ask PHP to stop producing. */
  cancel(): void {
    const pending = this.#pending;
    if (pending === null || pending.cancelled || this.#closed) return;
    pending.cancelled = true;
    this.#socket.write(encodeFrame(FrameType.CANCEL, FrameFlags.NONE, pending.id));
    this.#socket.resume();
  }

  close(): void {
    this.#fail(new BridgeError('WORKER_CRASHED', 'connection closed by the bridge'));
  }

  #start(kind: Pending['kind'], encode: (id: number) => Buffer, openStream: StreamOpener | null): Promise<PhpResponse | PhpStreamStarted | Pong> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#pending) return Promise.reject(new BridgeError('INTERNAL', 'PHP connection already has a request in flight'));
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise((resolve, reject) => {
      this.#pending = { id, kind, resolve, reject, head: null, chunks: [], size: 0, openStream, stream: null, cancelled: false };
      this.#socket.write(encode(id));
    });
  }

  #onFrame(frame: Frame): void {
    const pending = this.#pending;
    if (pending === null) {
      throw new FrameError('FRAME_UNEXPECTED', `${frameTypeName(frame.type)} frame arrived while no request was in flight`);
    }
    if (frame.id !== pending.id) {
      throw new FrameError('FRAME_WRONG_REQUEST_ID', `${frameTypeName(frame.type)} frame for request ${frame.id}, but request ${pending.id} is in flight`);
    }
    const end = (frame.flags & FrameFlags.END) !== 0;
    const stopping = (frame.flags & FrameFlags.WORKER_STOPPING) !== 0;

    switch (frame.type) {
      case FrameType.PONG:
        if (pending.kind !== 'ping') break;
        this.#pending = null;
        pending.resolve(decodePong(frame.payload));
        return;
      case FrameType.ERROR: {
        const info = decodeWorkerError(frame.payload);
        this.#pending = null;
        const error = new WorkerAppError(`PHP worker error ${info.code}: ${info.message}`, stopping);
        if (pending.stream) {
          // The head is already on its way to the client: the stream simply ends early.
          pending.stream.onError(error);
        } else {
          pending.reject(error);
        }
        if (stopping) this.#retire();
        return;
      }
      case FrameType.RESPONSE_HEAD: {
        if (pending.kind !== 'request' || pending.head !== null) break;
        const head = decodeResponseHead(frame.payload);
        pending.head = head;
        if (head.stream === true && pending.openStream !== null && !end) {
          const start: PhpStreamStarted = { streamed: true, status: head.status, headers: head.headers };
          pending.stream = pending.openStream(start);
          pending.resolve(start);
          return;
        }
        if (end) this.#finish(pending, stopping);
        return;
      }
      case FrameType.RESPONSE_BODY:
        if (pending.kind !== 'request' || pending.head === null) break;
        if (pending.stream !== null) {
          if (frame.payload.byteLength > 0) pending.stream.onChunk(frame.payload);
          if (end) {
            this.#pending = null;
            pending.stream.onEnd(stopping);
            if (stopping) this.#retire();
          }
          return;
        }
        if (frame.payload.byteLength > 0) {
          // Payloads may be views of the socket's chunk: keep a reference now, copy once at the end.
          pending.chunks.push(frame.payload);
          pending.size += frame.payload.byteLength;
        }
        if (end) this.#finish(pending, stopping);
        return;
    }
    throw new FrameError('FRAME_UNEXPECTED', `unexpected ${frameTypeName(frame.type)} frame for a ${pending.kind}`);
  }

  #finish(pending: Pending, stopping: boolean): void {
    // One fresh ArrayBuffer that nothing else shares, so it can be transferred, not cloned.
    const body = new ArrayBuffer(pending.size);
    const view = new Uint8Array(body);
    let offset = 0;
    for (const chunk of pending.chunks) {
      view.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#pending = null;
    pending.resolve({ status: pending.head!.status, headers: pending.head!.headers, body, stopping });
    if (stopping) this.#retire();
  }

  /** The worker said it exits after this response: never reuse this connection. */
  #retire(): void {
    this.#fail(new BridgeError('WORKER_CRASHED', 'the PHP worker is stopping (recycled)'));
  }

  #fail(err: BridgeError): void {
    if (this.#closed) return;
    this.#closed = err;
    this.#socket.destroy();
    const pending = this.#pending;
    this.#pending = null;
    if (pending?.stream) pending.stream.onError(err);
    else pending?.reject(err);
    this.#onClose?.();
  }
}
