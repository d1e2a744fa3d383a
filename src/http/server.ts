/**
 * The HTTP side on the main thread: uWebSockets.js accepts requests, copies what it needs out of
 * the short-lived uWS objects, reserves a PHP worker, hands the request to a thread, and writes
 * the answer back in one cork.
 *
 * uWS rules kept here (see STYLE.md): everything is read from HttpRequest synchronously;
 * onAborted is registered before any await; `state` guards every write after abort or end.
 */
import type { Config } from '../config.js';
import { BridgeError, toBridgeError } from '../errors.js';
import type { HeaderPairs, RequestHead } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import type { WorkerScheduler, WorkerSlot } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import type { PhpTaskResult } from '../threads/task.js';
import type { MessagePort } from 'node:worker_threads';
import type { StreamControl, StreamMessage } from '../threads/stream-relay.js';
import { readBody } from './body.js';
import { normalizeAddress, stripUntrustedForwarding } from './trusted-proxies.js';
import { pipeStream } from './stream-writer.js';
import { findUnsafeHeader, writeError, writeResponse, type ResponseState } from './respond.js';
import { StaticFiles } from './static-files.js';
import type { Uws } from './uws.js';

export interface HttpServerDeps {
  config: Config;
  log: Logger;
  uws: typeof Uws;
  scheduler: WorkerScheduler;
  dispatcher: Dispatcher;
  supervisor: Supervisor;
}

/** Largest declared body still read (and discarded) after a 413, so the client sees the answer. */
const LINGER_MAX_BYTES = 64 * 1024 * 1024;
const discard = (): void => undefined;

/** Errors after which the connection to the PHP worker cannot be trusted: replace the worker. */
const WORKER_BROKEN = new Set(['WORKER_CRASHED', 'WORKER_CONNECT_FAILED', 'FRAME_BAD_MAGIC', 'FRAME_BAD_VERSION', 'FRAME_BAD_CHECKSUM', 'FRAME_UNKNOWN_TYPE', 'FRAME_BAD_FLAGS', 'FRAME_PAYLOAD_TOO_LARGE', 'FRAME_TRUNCATED', 'FRAME_WRONG_REQUEST_ID', 'FRAME_UNEXPECTED', 'FRAME_BAD_PAYLOAD']);

export class HttpServer {
  readonly #deps: HttpServerDeps;
  readonly #app: Uws.TemplatedApp;
  #listenSocket: Uws.us_listen_socket | null = null;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #closing = false;
  readonly #static: StaticFiles | null;

  constructor(deps: HttpServerDeps) {
    this.#deps = deps;
    this.#static = deps.config.staticFiles
      ? new StaticFiles({ publicDir: `${deps.config.laravelPath}/public`, linkRoots: [`${deps.config.laravelPath}/storage/app/public`], log: deps.log })
      : null;
    this.#app = deps.uws.App();
    this.#app.any('/*', (res, req) => {
      try {
        this.#handle(res, req);
      } catch (err) {
        // An exception escaping a uWS handler would take the whole process down.
        deps.log.error({ err }, 'unexpected error while handling a request');
        try {
          res.cork(() => res.writeStatus('500 Internal Server Error').end('Internal Server Error\n', true));
        } catch {
          // The response was already ended or aborted.
        }
      }
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  listen(): Promise<number> {
    const { httpHost, httpPort } = this.#deps.config;
    return new Promise((resolve, reject) => {
      this.#app.listen(httpHost, httpPort, (token) => {
        if (!token) {
          reject(new BridgeError('SOCKET_IN_USE', `cannot listen on ${httpHost}:${httpPort}: the port is in use or the address is not available (HTTP_HOST/HTTP_PORT)`));
          return;
        }
        this.#listenSocket = token;
        resolve(this.#deps.uws.us_socket_local_port(token));
      });
    });
  }

  /** Stops accepting connections and resolves when in-flight requests are done (or `graceMs` passes). */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    if (this.#listenSocket) {
      this.#deps.uws.us_listen_socket_close(this.#listenSocket);
      this.#listenSocket = null;
    }
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #handle(res: Uws.HttpResponse, req: Uws.HttpRequest): void {
    const started = performance.now();
    const { config } = this.#deps;
    // Copy everything from `req` now: it is invalid after this synchronous call.
    const method = req.getCaseSensitiveMethod();
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    const headers: HeaderPairs = [];
    let contentLength = -1;
    let chunked = false;
    let badLength = false;
    let headerBytes = path.length + query.length;
    req.forEach((name, value) => {
      headers.push([name, value]);
      headerBytes += name.length + value.length + 4;
      if (name === 'content-length') {
        if (contentLength !== -1 || !/^\d+$/.test(value)) badLength = true;
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = true;
      }
    });
    const state: ResponseState = { aborted: false, done: false };
    res.onAborted(() => {
      state.aborted = true;
      state.onAbort?.();
    });
    const remoteAddr = normalizeAddress(Buffer.from(res.getRemoteAddressAsText()).toString());
    stripUntrustedForwarding(headers, remoteAddr, config.trustedProxies);
    const head: RequestHead = {
      method,
      uri: query ? `${path}?${query}` : path,
      headers,
      remote_addr: remoteAddr,
      remote_port: 0,
      server_addr: config.httpHost,
      server_port: config.httpPort,
      https: false,
      protocol: 'HTTP/1.1',
      time: Date.now() / 1000,
    };
    const isHead = method === 'HEAD';
    if (path === config.healthPath || path === config.readyPath) {
      this.#answerProbe(res, state, path === config.healthPath);
      return;
    }
    this.#inFlight++;
    const finish = (status: number, worker: number | null): void => {
      this.#inFlight--;
      this.#deps.log.info({ method, path, status, ms: Math.round((performance.now() - started) * 100) / 100, worker }, 'request');
      if (this.#inFlight === 0 && this.#drained) this.#drained();
    };

    if (this.#closing) {
      finish(writeError(res, state, new BridgeError('SHUTTING_DOWN', 'server is shutting down'), [], true), null);
      return;
    }
    if (headerBytes > config.maxHeaderSize) {
      finish(writeError(res, state, new BridgeError('HEADERS_TOO_LARGE', 'request headers exceed MAX_HEADER_SIZE'), [], true), null);
      return;
    }
    if (badLength || (chunked && contentLength !== -1)) {
      // RFC 9112 §6.3: a message with both, or an invalid length, cannot be framed safely.
      finish(writeError(res, state, new BridgeError('BAD_REQUEST', 'invalid or conflicting Content-Length / Transfer-Encoding'), [], true), null);
      return;
    }
    if (contentLength > config.maxBodySize) {
      // Refuse before reading a byte. Like nginx's lingering close, the rest of a body of sane
      // size is then read and thrown away (never buffered), so the client, still sending,
      // reads the 413 instead of a connection reset; a huge one gets the connection closed.
      const linger = contentLength <= LINGER_MAX_BYTES;
      if (linger) res.onData(discard);
      finish(writeError(res, state, new BridgeError('BODY_TOO_LARGE', `body of ${contentLength} bytes exceeds MAX_BODY_SIZE`), [], !linger), null);
      return;
    }
    // Files under public/ are served here, as nginx's try_files does; a miss is one Map lookup.
    if (this.#static?.tryServe(res, state, method, path, headers, finish)) return;
    if (contentLength > 0 || chunked) {
      // Slow clients: the body must arrive within CLIENT_TIMEOUT. No PHP worker is held meanwhile.
      let bodyDone = false;
      const giveUp = (): void => {
        if (bodyDone) return;
        bodyDone = true;
        clearTimeout(bodyTimer);
        finish(state.aborted ? 499 : writeError(res, state, new BridgeError('CLIENT_TIMEOUT', 'request body too slow'), [], true), null);
      };
      const bodyTimer = setTimeout(giveUp, config.clientTimeoutMs);
      state.onAbort = giveUp;
      readBody(res, chunked ? -1 : contentLength, config.maxBodySize, (result) => {
        if (bodyDone) return;
        bodyDone = true;
        clearTimeout(bodyTimer);
        state.onAbort = undefined;
        if (state.aborted) {
          finish(499, null);
          return;
        }
        if (!result.ok) {
          // Too large: readBody keeps discarding what still arrives, so the answer gets through
          // (see the Content-Length case above).
          const error = result.tooLarge
            ? new BridgeError('BODY_TOO_LARGE', 'body exceeds MAX_BODY_SIZE')
            : new BridgeError('BAD_REQUEST', 'body does not match its Content-Length');
          finish(writeError(res, state, error, [], !result.tooLarge), null);
          return;
        }
        void this.#dispatch(res, state, isHead, head, result.body, finish);
      });
      return;
    }
    void this.#dispatch(res, state, isHead, head, null, finish);
  }

  /**
   * Liveness: the front door runs. Readiness: at least one PHP worker can take a request.
   * Answered here, never by PHP, so a probe works even when every worker is busy or down.
   */
  #answerProbe(res: Uws.HttpResponse, state: ResponseState, liveness: boolean): void {
    const workers = this.#deps.supervisor.readyCount;
    const ready = liveness || (workers > 0 && !this.#closing);
    const body = JSON.stringify({
      status: ready ? 'ok' : 'unavailable',
      workers,
      idle: this.#deps.scheduler.idleCount,
      waiting: this.#deps.scheduler.waiting,
      closing: this.#closing,
    });
    writeResponse(res, state, false, ready ? 200 : 503, [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']], new TextEncoder().encode(body));
  }

  async #dispatch(
    res: Uws.HttpResponse,
    state: ResponseState,
    isHead: boolean,
    head: RequestHead,
    body: ArrayBuffer | null,
    finish: (status: number, worker: number | null) => void,
  ): Promise<void> {
    const { scheduler, dispatcher, supervisor, config } = this.#deps;
    let slot: WorkerSlot | null = null;
    let timedOut = false;
    let giveUpWait: (() => void) | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      giveUpWait?.();
      if (slot !== null) supervisor.kill(slot.id, `request ${head.method} ${head.uri} ran past REQUEST_TIMEOUT`);
      finish(writeError(res, state, new BridgeError('REQUEST_TIMEOUT', 'request timed out')), slot?.id ?? null);
    }, config.requestTimeoutMs);

    const acquired = scheduler.acquire();
    if ('promise' in acquired) {
      // Waiting in the queue: a client that leaves (or times out) gives up its place at once,
      // so dead requests never hold queue room or a worker.
      giveUpWait = acquired.cancel;
      state.onAbort = () => {
        acquired.cancel();
        clearTimeout(timer);
        finish(499, null);
      };
      try {
        slot = await acquired.promise;
      } catch (err) {
        clearTimeout(timer);
        if (timedOut) return;
        const error = toBridgeError(err);
        finish(writeError(res, state, error, error.code === 'QUEUE_FULL' ? [['Retry-After', '1']] : []), null);
        return;
      } finally {
        state.onAbort = undefined;
        giveUpWait = null;
      }
    } else {
      slot = acquired;
    }
    if (timedOut || state.aborted) {
      // Nobody is waiting for this answer any more: give the worker straight back.
      clearTimeout(timer);
      scheduler.release(slot);
      if (!timedOut) finish(499, null);
      return;
    }

    let result: PhpTaskResult;
    try {
      result = await dispatcher.run({ workerId: slot.id, socketPath: slot.socketPath, head, body });
    } catch (err) {
      result = { ok: false, error: toBridgeError(err).toData() };
    }
    clearTimeout(timer);
    if (timedOut) return; // answered 504 and the worker is already being replaced
    slot.served++;

    if (!result.ok) {
      const error = toBridgeError(result.error);
      if (WORKER_BROKEN.has(error.code)) {
        supervisor.kill(slot.id, error.message);
      } else {
        // An app error leaves the worker usable, unless it said it exits now (exit(), a fatal error).
        scheduler.release(slot, result.stopping === true);
      }
      this.#deps.log.warn({ worker: slot.id, code: error.code, uri: head.uri }, error.message);
      finish(state.aborted ? 499 : writeError(res, state, error), slot.id);
      return;
    }

    const unsafe = findUnsafeHeader(result.headers);
    if (unsafe !== null) {
      const error = new BridgeError('BAD_RESPONSE_HEADER', `the app sent response header "${unsafe}" with an invalid name or a CR/LF in its value`);
      this.#deps.log.warn({ worker: slot.id, uri: head.uri }, error.message);
      if (result.stream === undefined) scheduler.release(slot, result.stopping);
      else this.#drainAndRelease(slot, result.stream);
      finish(writeError(res, state, error), slot.id);
      return;
    }

    if (result.stream !== undefined) {
      const streamSlot = slot;
      pipeStream(res, state, isHead, result.status, result.headers, result.stream, config.requestTimeoutMs, (outcome) => {
        if (outcome.ok) {
          scheduler.release(streamSlot, outcome.stopping);
        } else if (outcome.error.code === 'WORKER_APP_ERROR') {
          scheduler.release(streamSlot, outcome.stopping === true);
        } else {
          supervisor.kill(streamSlot.id, `streamed response failed: ${outcome.error.message}`);
        }
        if (!outcome.ok) this.#deps.log.warn({ worker: streamSlot.id, code: outcome.error.code, uri: head.uri, bytes: outcome.bytes }, outcome.error.message);
        finish(state.aborted ? 499 : result.status, streamSlot.id);
      });
      return;
    }

    scheduler.release(slot, result.stopping);
    writeResponse(res, state, isHead, result.status, result.headers, result.body);
    finish(state.aborted ? 499 : result.status, slot.id);
  }

  /** A stream we will not forward: let PHP finish (acknowledging everything), then free the worker. */
  #drainAndRelease(slot: WorkerSlot, port: MessagePort): void {
    port.postMessage({ t: 'cancel' } satisfies StreamControl);
    port.on('message', (message: StreamMessage) => {
      if (message.t === 'chunk') {
        port.postMessage({ t: 'ack', n: message.data.byteLength } satisfies StreamControl);
        return;
      }
      port.close();
      if (message.t === 'end') this.#deps.scheduler.release(slot, message.stopping);
      else this.#deps.supervisor.kill(slot.id, `stream failed while being discarded: ${message.error.message}`);
    });
  }
}
