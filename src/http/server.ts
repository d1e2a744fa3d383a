/**
 * The HTTP side on the main thread: uWebSockets.js accepts requests, copies what it needs out of
 * the short-lived uWS objects, reserves a PHP worker, hands the request to a thread, and writes
 * the answer back in one cork.
 *
 * uWS rules kept here (see STYLE.md): everything is read from HttpRequest synchronously;
 * onAborted is registered before any await; `state` guards every write after abort or end.
 */
import type { Config } from '../config.js';
import { BridgeError } from '../errors.js';
import type { HeaderPairs, RequestHead } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import type { ObservabilityEndpoints } from '../metrics/endpoints.js';
import type { FrontDoorMetrics, RouteKind } from '../metrics/registry.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import type { AccessLog } from '../log/access-log.js';
import type { ResponseHandler } from '../pool/connection.js';
import { CacheFront, type DispatchTap } from './cached-response.js';
import type { MicroCache } from './micro-cache.js';
import { resolveClientAddress } from './client-address.js';
import { BodySpool, type ReceivedBody } from './body-spool.js';
import { UploadDir } from './upload-dir.js';
import { Sendfile } from './sendfile.js';
import { normalizeAddress, stripUntrustedForwarding } from './trusted-proxies.js';
import { requestCompression } from './compression-policy.js';
import { PhpResponseWriter } from './php-response.js';
import { PhpRequests } from './php-request.js';
import { FrontListener, type TlsReload } from './front-listener.js';
import { RateLimitGate } from './rate-limit-gate.js';
import { RedirectListener } from './redirect.js';
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
  accessLog: AccessLog | null;
  /** The micro-cache (CACHE_MAX_MB), or null when it is off. */
  cache: MicroCache | null;
  metrics: FrontDoorMetrics;
  /** METRICS_PATH and STATUS_PATH (src/metrics/endpoints.ts). */
  endpoints: ObservabilityEndpoints;
}

function headerValue(headers: HeaderPairs, name: string): string | null {
  for (const [key, value] of headers) if (key === name) return value;
  return null;
}

/** Largest declared body still read (and discarded) after a 413, so the client sees the answer. */
const LINGER_MAX_BYTES = 64 * 1024 * 1024;
const discard = (): void => undefined;

export class HttpServer {
  readonly #deps: HttpServerDeps;
  readonly #listener: FrontListener;
  readonly #redirect: RedirectListener | null;
  readonly #rateLimit: RateLimitGate | null;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  /** Stopping, first phase: readiness answers 503, requests are still served as usual. */
  #draining = false;
  /** Stopping, second phase: every response closes its connection; the listener is closed. */
  #closing = false;
  readonly #static: StaticFiles | null;
  readonly #uploads: UploadDir;
  readonly #sendfile: Sendfile | null;
  readonly #cache: CacheFront | null;
  /** The one loop that carries every request to PHP. */
  readonly #php: PhpRequests;

  constructor(deps: HttpServerDeps) {
    this.#deps = deps;
    this.#php = new PhpRequests(deps);
    this.#uploads = new UploadDir(deps.config.uploadTmpDir);
    this.#sendfile = deps.config.sendfileRoots.length > 0 ? new Sendfile(deps.config.sendfileRoots, deps.log) : null;
    this.#static = deps.config.staticFiles
      ? new StaticFiles({ publicDir: `${deps.config.laravelPath}/public`, linkRoots: [`${deps.config.laravelPath}/storage/app/public`], log: deps.log, compression: deps.config.compression })
      : null;
    this.#cache = deps.cache
      ? new CacheFront({
          cache: deps.cache,
          bufferLimit: deps.config.maxResponseBuffer,
          compression: deps.config.compression,
          dispatch: (res, state, isHead, head, finish, tap) => void this.#dispatch(res, state, isHead, head, null, finish, tap),
          fetchDetached: (head, handler) => void this.#fetchDetached(head, handler),
        })
      : null;
    this.#rateLimit = RateLimitGate.from(deps.config);
    // Plain or TLS (and the certificate swap on reload): src/http/front-listener.ts.
    this.#listener = new FrontListener(deps.uws, deps.config, deps.log, (res, req) => {
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
    const redirectPort = deps.config.httpRedirectPort;
    this.#redirect = redirectPort === null ? null : new RedirectListener(deps.uws, deps.config.httpHost, redirectPort, deps.config.httpPort);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get tls(): boolean {
    return this.#listener.tls;
  }

  async listen(): Promise<number> {
    const port = await this.#listener.listen();
    await this.#redirect?.listen();
    return port;
  }

  /** On reload: new certificate files are used for new connections (src/http/front-listener.ts). */
  reloadTls(): Promise<TlsReload> {
    return this.#listener.reload();
  }

  /**
   * First phase of a stop: readiness (READY_PATH) answers 503 so load balancers take this
   * instance out of rotation, while every request, on new and kept-alive connections alike, is
   * still served as usual (SHUTDOWN_DELAY is how long main.ts waits here).
   */
  drain(): void {
    this.#draining = true;
  }

  /**
   * Second phase: every response from now on (those in flight too) carries `Connection: close`
   * and its connection is closed after it; the listener is closed, so new connections are
   * refused (a balancer retries those elsewhere safely). Resolves once in-flight requests are
   * done, or `graceMs` passed; then closes every connection left, which are idle ones only
   * unless the grace ran out. uWS 20.30 cannot close only idle connections (app.close() closes
   * them all, requests in flight included), hence this order.
   */
  async close(graceMs: number): Promise<void> {
    this.#draining = true;
    this.#closing = true;
    this.#listener.close();
    this.#redirect?.close();
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#listener.closeConnections();
    // Uploads still arriving (or at PHP) when the grace ran out leave no file behind.
    this.#uploads.removeAll();
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
    const server = this;
    const state: ResponseState = {
      aborted: false,
      done: false,
      // Read when the response ends, so a request already in flight when the stop reaches its
      // second phase closes its connection too.
      get closeConnection() {
        return server.#closing;
      },
    };
    res.onAborted(() => {
      state.aborted = true;
      state.onAbort?.();
    });
    const remoteAddr = normalizeAddress(Buffer.from(res.getRemoteAddressAsText()).toString());
    // Before the forwarding headers are stripped: they tell a proxied request from a local one.
    if (this.#deps.endpoints.serves(path)) {
      this.#deps.endpoints.answer(res, state, method, path, query, headers, remoteAddr);
      return;
    }
    stripUntrustedForwarding(headers, remoteAddr, config.trustedProxies);
    const head: RequestHead = {
      method,
      uri: query ? `${path}?${query}` : path,
      headers,
      remote_addr: remoteAddr,
      remote_port: 0,
      server_addr: config.httpHost,
      server_port: config.httpPort,
      https: this.#listener.tls,
      protocol: 'HTTP/1.1',
      time: Date.now() / 1000,
    };
    const isHead = method === 'HEAD';
    if (path === config.healthPath || path === config.readyPath) {
      this.#answerProbe(res, state, isHead, path === config.healthPath);
      return;
    }
    this.#inFlight++;
    // Who answers, for the metrics: PHP when a worker served it, else whoever sets this.
    let route: RouteKind = 'frontdoor';
    const finish = (status: number, worker: number | null): void => {
      this.#inFlight--;
      const ms = Math.round((performance.now() - started) * 100) / 100;
      this.#deps.metrics.recordRequest(method, status, worker !== null ? 'php' : route, ms, state.sent ?? 0);
      this.#deps.log.info({ method, path, status, ms, worker }, 'request');
      this.#deps.accessLog?.record({
        remoteAddr: resolveClientAddress(remoteAddr, headers, config.trustedProxies),
        method,
        uri: head.uri,
        protocol: head.protocol,
        status,
        bytes: state.sent ?? 0,
        referer: headerValue(headers, 'referer'),
        userAgent: headerValue(headers, 'user-agent'),
        ms,
        worker,
      });
      if (this.#inFlight === 0 && this.#drained) this.#drained();
    };

    if (this.#rateLimit !== null) {
      const refused = this.#rateLimit.refuse(res, state, path, remoteAddr, headers, contentLength > 0 || chunked);
      if (refused !== 0) return finish(refused, null);
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
    route = 'static';
    if (this.#static?.tryServe(res, state, method, path, headers, finish)) return;
    route = 'frontdoor';
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
          const done = (status: number, worker: number | null): void => {
            spool.resumeAfterResponse();
            finish(status, worker);
          };
          void this.#dispatch(res, state, isHead, withBody(head, result.body), result.body.memory, done).finally(() => spool.release());
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
    // The micro-cache answers a hit itself, or sends the request on through #dispatch with its tap.
    if (this.#cache !== null) {
      // A hit is answered with no worker: it counts as the cache's; a miss, as PHP's.
      route = 'cache';
      if (this.#cache.serve(res, state, head, finish)) return;
      route = 'frontdoor';
    }
    void this.#dispatch(res, state, isHead, head, null, finish);
  }

  /**
   * Liveness: the front door runs. Readiness: at least one PHP worker can take a request.
   * Answered here, never by PHP, so a probe works even when every worker is busy or down.
   */
  #answerProbe(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, liveness: boolean): void {
    const workers = this.#deps.supervisor.readyCount;
    const ready = liveness || (workers > 0 && !this.#draining);
    const body = JSON.stringify({
      status: ready ? 'ok' : 'unavailable',
      workers,
      idle: this.#deps.scheduler.idleCount,
      waiting: this.#deps.scheduler.waiting,
      closing: this.#draining,
    });
    const headers: HeaderPairs = [['Content-Type', 'application/json'], ['Cache-Control', 'no-store'], ...(ready ? [] : UNAVAILABLE_HEADERS)];
    writeResponse(res, state, isHead, ready ? 200 : 503, headers, Buffer.from(body));
  }

  /**
   * A client's request to PHP: the one loop every request to PHP takes (src/http/php-request.ts),
   * with PhpResponseWriter writing whatever comes back to the client.
   */
  #dispatch(
    res: Uws.HttpResponse,
    state: ResponseState,
    isHead: boolean,
    head: RequestHead,
    body: ArrayBuffer | null,
    finish: (status: number, worker: number | null) => void,
    tap: DispatchTap | null = null,
  ): Promise<void> {
    const { scheduler, config, log } = this.#deps;
    return this.#php.run({
      head,
      body,
      what: `request ${head.method} ${head.uri}`,
      consumer: (control) => {
        const writer = new PhpResponseWriter({
          res,
          state,
          isHead,
          bufferLimit: config.maxResponseBuffer,
          compression: requestCompression(head.headers, config.compression),
          sendfile: this.#sendfile,
          requestHeaders: head.headers,
          // A stream that keeps producing is alive: REQUEST_TIMEOUT is then the longest silence.
          onActivity: control.activity,
          onStreamed: () => {
            const worker = control.worker();
            if (worker !== null) scheduler.streaming(worker);
          },
          onDone: (status, error) => {
            control.stopTimer();
            const worker = control.worker();
            if (error !== null) log.warn({ worker: worker?.id, code: error.code, uri: head.uri }, error.message);
            finish(status, worker?.id ?? null);
          },
        });
        return { handler: tap?.wrap(writer) ?? writer, finished: () => writer.finished };
      },
      fail: (error) => finish(tap?.rescue(error) ?? writeError(res, state, error), null),
      gone: () => state.aborted,
      abandon: () => finish(499, null),
      whileQueued: (leave) => {
        // A request sent again already has its writer listening for the client leaving.
        const writerOnAbort = state.onAbort;
        state.onAbort = leave;
        return () => {
          state.onAbort = writerOnAbort;
        };
      },
    });
  }

  /**
   * A request the front door makes itself, with no client: the micro-cache's background
   * refresh (stale-while-revalidate). Same loop, bounded queue, REQUEST_TIMEOUT and settling as
   * a client's request; the handler gets the response or the error.
   */
  #fetchDetached(head: RequestHead, handler: ResponseHandler & { readonly finished: boolean }): Promise<void> {
    return this.#php.run({
      head,
      body: null,
      what: `cache refresh ${head.uri}`,
      consumer: () => ({ handler, finished: () => handler.finished }),
      fail: (error) => handler.onError(error),
      gone: () => false,
      abandon: () => undefined,
      whileQueued: () => () => undefined,
    });
  }
}

/** The head PHP gets for a received body: its size, and where it is when not in body frames (FRAME.md). */
function withBody(head: RequestHead, body: ReceivedBody): RequestHead {
  const out: RequestHead = { ...head, body_size: body.size };
  if (body.file !== null) out.body_file = body.file;
  if (body.form !== null) out.form = body.form;
  return out;
}
