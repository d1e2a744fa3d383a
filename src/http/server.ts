/**
 * The HTTP side on the main thread: uWebSockets.js accepts requests, copies what it needs out of
 * the short-lived uWS objects, reserves a PHP worker, hands the request to a thread, and writes
 * the answer back in one cork.
 *
 * uWS rules kept here (see STYLE.md): everything is read from HttpRequest synchronously;
 * onAborted is registered before any await; `state` guards every write after abort or end.
 */
import type { Config } from '../config.js';
import { BridgeError, StartupError, toBridgeError } from '../errors.js';
import type { HeaderPairs, RequestHead } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import type { PhpWorker } from '../pool/php-worker.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import { BodySpool, type ReceivedBody } from './body-spool.js';
import { UploadDir } from './upload-dir.js';
import { Sendfile } from './sendfile.js';
import { normalizeAddress, stripUntrustedForwarding } from './trusted-proxies.js';
import { PhpResponseWriter } from './php-response.js';
import { UNAVAILABLE_HEADERS, writeError, writeResponse, type ResponseState } from './respond.js';
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

export class HttpServer {
  readonly #deps: HttpServerDeps;
  readonly #app: Uws.TemplatedApp;
  #listenSocket: Uws.us_listen_socket | null = null;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #closing = false;
  readonly #static: StaticFiles | null;
  readonly #uploads: UploadDir;
  readonly #sendfile: Sendfile | null;

  constructor(deps: HttpServerDeps) {
    this.#deps = deps;
    this.#uploads = new UploadDir(deps.config.uploadTmpDir);
    this.#sendfile = deps.config.sendfileRoots.length > 0 ? new Sendfile(deps.config.sendfileRoots, deps.log) : null;
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
          reject(new StartupError('SOCKET_IN_USE', `cannot listen on ${httpHost}:${httpPort}: the port is in use or the address is not available (HTTP_HOST/HTTP_PORT)`));
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
      this.#answerProbe(res, state, isHead, path === config.healthPath);
      return;
    }
    this.#inFlight++;
    const finish = (status: number, worker: number | null): void => {
      this.#inFlight--;
      this.#deps.log.info({ method, path, status, ms: Math.round((performance.now() - started) * 100) / 100, worker }, 'request');
      if (this.#inFlight === 0 && this.#drained) this.#drained();
    };

    if (this.#closing) {
      finish(writeError(res, state, new BridgeError('SHUTTING_DOWN', 'server is shutting down'), true), null);
      return;
    }
    if (headerBytes > config.maxHeaderSize) {
      finish(writeError(res, state, new BridgeError('HEADERS_TOO_LARGE', 'request headers exceed MAX_HEADER_SIZE'), true), null);
      return;
    }
    if (badLength || (chunked && contentLength !== -1)) {
      // RFC 9112 §6.3: a message with both, or an invalid length, cannot be framed safely.
      finish(writeError(res, state, new BridgeError('BAD_REQUEST', 'invalid or conflicting Content-Length / Transfer-Encoding'), true), null);
      return;
    }
    if (contentLength > config.maxBodySize) {
      // Refuse before reading a byte. Like nginx's lingering close, the rest of a body of sane
      // size is then read and thrown away (never buffered), so the client, still sending,
      // reads the 413 instead of a connection reset; a huge one gets the connection closed.
      const linger = contentLength <= LINGER_MAX_BYTES;
      if (linger) res.onData(discard);
      finish(writeError(res, state, new BridgeError('BODY_TOO_LARGE', `body of ${contentLength} bytes exceeds MAX_BODY_SIZE`), !linger), null);
      return;
    }
    // Files under public/ are served here, as nginx's try_files does; a miss is one Map lookup.
    if (this.#static?.tryServe(res, state, method, path, headers, finish)) return;
    if (contentLength > 0 || chunked) {
      // Slow clients: the body must arrive within CLIENT_TIMEOUT. No PHP worker is held meanwhile.
      let bodyDone = false;
      const bodyTimer = setTimeout(() => giveUp(), config.clientTimeoutMs);
      const contentType = method === 'POST' ? headers.find(([name]) => name === 'content-type')?.[1] ?? '' : '';
      const spool = new BodySpool(
        res,
        {
          declaredLength: chunked ? -1 : contentLength,
          limit: config.maxBodySize,
          memoryMax: config.bodyMemoryMax,
          dir: this.#uploads,
          formContentType: /^multipart\/form-data/i.test(contentType) ? contentType : null,
        },
        (result) => {
          if (bodyDone) return;
          bodyDone = true;
          clearTimeout(bodyTimer);
          state.onAbort = undefined;
          if (state.aborted) {
            void spool.release();
            finish(499, null);
            return;
          }
          if (!result.ok) {
            // Too large: the spool keeps discarding what still arrives, so the answer gets
            // through (see the Content-Length case above).
            const tooLarge = result.error.code === 'BODY_TOO_LARGE';
            finish(writeError(res, state, result.error, !tooLarge), null);
            return;
          }
          // The request's files live until PHP is done with it, whatever the outcome.
          void this.#dispatch(res, state, isHead, withBody(head, result.body), result.body.memory, finish).finally(() => spool.release());
        },
      );
      const giveUp = (): void => {
        if (bodyDone) return;
        bodyDone = true;
        clearTimeout(bodyTimer);
        spool.abort();
        finish(state.aborted ? 499 : writeError(res, state, new BridgeError('CLIENT_TIMEOUT', 'request body too slow'), true), null);
      };
      state.onAbort = giveUp;
      return;
    }
    void this.#dispatch(res, state, isHead, head, null, finish);
  }

  /**
   * Liveness: the front door runs. Readiness: at least one PHP worker can take a request.
   * Answered here, never by PHP, so a probe works even when every worker is busy or down.
   */
  #answerProbe(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, liveness: boolean): void {
    const workers = this.#deps.supervisor.readyCount;
    const ready = liveness || (workers > 0 && !this.#closing);
    const body = JSON.stringify({
      status: ready ? 'ok' : 'unavailable',
      workers,
      idle: this.#deps.scheduler.idleCount,
      waiting: this.#deps.scheduler.waiting,
      closing: this.#closing,
    });
    const headers: HeaderPairs = [['Content-Type', 'application/json'], ['Cache-Control', 'no-store'], ...(ready ? [] : UNAVAILABLE_HEADERS)];
    writeResponse(res, state, isHead, ready ? 200 : 503, headers, Buffer.from(body));
  }

  /**
   * The one path of a request to PHP: reserve a worker (or wait, bounded), send the request,
   * let PhpResponseWriter write whatever comes back, then let the supervisor decide the
   * worker's fate from how the exchange ended.
   */
  async #dispatch(
    res: Uws.HttpResponse,
    state: ResponseState,
    isHead: boolean,
    head: RequestHead,
    body: ArrayBuffer | null,
    finish: (status: number, worker: number | null) => void,
  ): Promise<void> {
    const { scheduler, dispatcher, supervisor, config, log } = this.#deps;
    let worker: PhpWorker | null = null;
    let writer: PhpResponseWriter | null = null;
    let giveUpWait: (() => void) | null = null;
    let timedOut = false;
    const onTimeout = (): void => {
      timedOut = true;
      const error = new BridgeError('REQUEST_TIMEOUT', `request ${head.method} ${head.uri} ran past REQUEST_TIMEOUT`);
      if (worker === null) {
        giveUpWait?.();
        finish(writeError(res, state, error), null);
        return;
      }
      // The writer answers 504 (or cuts a stream already under way); the stuck worker goes.
      writer?.onError(error);
      supervisor.kill(worker, 'timeout', error.message);
    };
    let timer = setTimeout(onTimeout, config.requestTimeoutMs);

    const acquired = scheduler.acquire();
    if ('promise' in acquired) {
      // Waiting in the queue: a client that leaves gives up its place at once, so dead
      // requests never hold queue room or a worker.
      giveUpWait = acquired.cancel;
      state.onAbort = () => {
        acquired.cancel();
        clearTimeout(timer);
        finish(499, null);
      };
      try {
        worker = await acquired.promise;
      } catch (err) {
        clearTimeout(timer);
        if (!timedOut) finish(writeError(res, state, toBridgeError(err)), null);
        return;
      } finally {
        state.onAbort = undefined;
        giveUpWait = null;
      }
    } else {
      worker = acquired;
    }
    if (timedOut || state.aborted) {
      // Nobody is waiting for this answer any more: give the worker straight back.
      clearTimeout(timer);
      supervisor.giveBack(worker);
      if (!timedOut) finish(499, null);
      return;
    }

    const served = worker;
    writer = new PhpResponseWriter({
      res,
      state,
      isHead,
      bufferLimit: config.maxResponseBuffer,
      sendfile: this.#sendfile,
      requestHeaders: head.headers,
      onActivity: () => {
        // A stream that keeps producing is alive: REQUEST_TIMEOUT is then the longest silence.
        clearTimeout(timer);
        if (!timedOut) timer = setTimeout(onTimeout, config.requestTimeoutMs);
      },
      onDone: (status, error) => {
        clearTimeout(timer);
        if (error !== null) log.warn({ worker: served.id, code: error.code, uri: head.uri }, error.message);
        finish(status, served.id);
      },
    });
    const outcome = await dispatcher.run({ workerId: served.id, socketPath: served.socketPath, head, body, bufferLimit: config.maxResponseBuffer }, writer);
    clearTimeout(timer);
    if (!writer.finished) writer.onError(new BridgeError('INTERNAL', 'the exchange with PHP ended without a response'));
    supervisor.settle(served, outcome);
  }
}

/** The head PHP gets for a received body: its size, and where it is when not in body frames (FRAME.md). */
function withBody(head: RequestHead, body: ReceivedBody): RequestHead {
  const out: RequestHead = { ...head, body_size: body.size };
  if (body.file !== null) out.body_file = body.file;
  if (body.form !== null) out.form = body.form;
  return out;
}
