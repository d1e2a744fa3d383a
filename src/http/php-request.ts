/**
 * The one loop that carries a request to PHP, for a client's request (src/http/server.ts) and
 * for one the front door makes itself (the micro-cache's background refresh): reserve a worker
 * (or wait in the bounded queue), send the request, let the consumer take the response, let the
 * supervisor decide the worker's fate from how the exchange ended, and, when a worker hands the
 * request back unrun (it was pipelined behind a request that streamed, or the worker stopped or
 * died first), reserve a worker again, ahead of the queue. REQUEST_TIMEOUT runs over all of it:
 * in the queue the request just leaves; on a worker the consumer gets the error and the stuck
 * worker is killed.
 */
import type { Config } from '../config.js';
import { BridgeError, toBridgeError } from '../errors.js';
import type { RequestHead } from '../codec/messages.js';
import type { ExchangeOutcome, ResponseHandler } from '../pool/connection.js';
import type { PhpWorker } from '../pool/php-worker.js';
import { QuickRoutes } from '../pool/quick-routes.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import type { FrontDoorMetrics } from '../metrics/registry.js';

/** What the consumer of a response may ask of the loop carrying it. */
export interface RequestControl {
  /** The worker serving the request now (null while none is reserved). */
  worker(): PhpWorker | null;
  /** The response is still coming (a stream wrote): REQUEST_TIMEOUT counts from now again. */
  activity(): void;
  /** The response is over for its consumer: REQUEST_TIMEOUT no longer applies. */
  stopTimer(): void;
}

/** One request for PHP and the one who waits for its answer. */
export interface PhpJob {
  readonly head: RequestHead;
  readonly body: ArrayBuffer | null;
  /** How REQUEST_TIMEOUT's message names it: "request GET /x", "cache refresh /x". */
  readonly what: string;
  /** The response's consumer, made when a worker is first reserved for it. */
  consumer(control: RequestControl): { handler: ResponseHandler; finished(): boolean };
  /** It failed before any worker began it: the queue was full, the server stopped, or its time ran out while it waited. */
  fail(error: BridgeError): void;
  /** Its client left (never, for a request without a client): nobody waits for an answer. */
  gone(): boolean;
  /** Its client left before a worker began it: end it (499). */
  abandon(): void;
  /** While it waits in the queue, `leave` is called if the client goes; returns the undo. */
  whileQueued(leave: () => void): () => void;
}

export interface PhpRequestsDeps {
  config: Config;
  scheduler: WorkerScheduler;
  supervisor: Supervisor;
  dispatcher: Dispatcher;
  metrics: FrontDoorMetrics;
}

export class PhpRequests {
  readonly #deps: PhpRequestsDeps;
  /** Which routes answer quickly enough to pipeline a request behind, and how quickly (PIPELINE_WINDOW_MS). */
  readonly #quickRoutes: QuickRoutes;

  constructor(deps: PhpRequestsDeps) {
    this.#deps = deps;
    this.#quickRoutes = new QuickRoutes(deps.config.pipelineWindowMs);
  }

  /** Carries `job` to PHP until its response is over or it failed. Never rejects. */
  async run(job: PhpJob): Promise<void> {
    const { scheduler, supervisor, config, metrics } = this.#deps;
    const { head, body } = job;
    let worker: PhpWorker | null = null;
    let consumer: { handler: ResponseHandler; finished(): boolean } | null = null;
    let giveUpWait: (() => void) | null = null;
    let timedOut = false;
    const onTimeout = (): void => {
      timedOut = true;
      const error = new BridgeError('REQUEST_TIMEOUT', `${job.what} ran past REQUEST_TIMEOUT`);
      if (worker === null) {
        giveUpWait?.();
        job.fail(error);
        return;
      }
      // The consumer answers 504 (or cuts a stream already under way); the stuck worker goes.
      consumer?.handler.onError(error);
      supervisor.kill(worker, 'timeout', error.message);
    };
    let timer = setTimeout(onTimeout, config.requestTimeoutMs);
    const control: RequestControl = {
      worker: () => worker,
      activity: () => {
        clearTimeout(timer);
        if (!timedOut) timer = setTimeout(onTimeout, config.requestTimeoutMs);
      },
      stopTimer: () => clearTimeout(timer),
    };
    const giveUp = (): void => {
      clearTimeout(timer);
      job.abandon();
    };

    const route = QuickRoutes.key(head.method, head.uri);
    const estimate = this.#quickRoutes.estimate(route);
    // Time spent waiting for PHP to begin it: in the queue, and pipelined behind other requests.
    let waitedMs = 0;
    try {
      for (let retried = false; ; retried = true) {
        const acquired = scheduler.acquire(retried, estimate);
        if ('promise' in acquired) {
          // Waiting in the queue: a client that leaves gives up its place at once, so dead
          // requests never hold queue room or a worker.
          giveUpWait = acquired.cancel;
          const waitStarted = performance.now();
          const undo = job.whileQueued(() => {
            acquired.cancel();
            giveUp();
          });
          try {
            worker = await acquired.promise;
          } catch (err) {
            clearTimeout(timer);
            if (!timedOut) job.fail(toBridgeError(err));
            return;
          } finally {
            waitedMs += performance.now() - waitStarted;
            undo();
            giveUpWait = null;
          }
        } else {
          worker = acquired;
        }
        if (timedOut || job.gone()) {
          // Nobody is waiting for this answer any more: give the worker straight back (the place
          // behind its current request, when that is what this request was given).
          supervisor.giveBack(worker, worker.inFlight < 2);
          if (!timedOut) giveUp();
          return;
        }

        consumer ??= job.consumer(control);
        const outcome = await this.#exchange(worker, head, body, consumer.handler, route);
        waitedMs += outcome.pipelinedMs;
        if (outcome.kind === 'retry') {
          // Handed back unrun by the worker it was pipelined to: send it again, ahead of the queue.
          worker = null;
          if (timedOut) return; // answered 504 already
          if (job.gone()) {
            giveUp();
            return;
          }
          continue;
        }
        clearTimeout(timer);
        if (!consumer.finished()) consumer.handler.onError(new BridgeError('INTERNAL', 'the exchange with PHP ended without a response'));
        return;
      }
    } finally {
      // Once per request, however it ended: what it waited before PHP began it (0 when a worker was idle).
      metrics.recordQueueWait(waitedMs);
    }
  }

  /**
   * One exchange with the reserved worker: the request goes out, the handler gets the response,
   * the route's service time is learnt (QuickRoutes), and the supervisor settles the worker's fate.
   */
  async #exchange(worker: PhpWorker, head: RequestHead, body: ArrayBuffer | null, handler: ResponseHandler, route: string): Promise<{ kind: ExchangeOutcome['kind']; pipelinedMs: number }> {
    const { dispatcher, supervisor, config } = this.#deps;
    const sent = performance.now();
    const outcome = await dispatcher.run({ workerId: worker.id, socketPath: worker.socketPath, head, body, bufferLimit: config.maxResponseBuffer }, handler);
    // When it became the worker's current request: a pipelined one waited behind others first
    // (the worker's fate is settled below, so currentSince is still this request's own).
    const began = outcome.kind === 'done' ? Math.max(sent, worker.currentSince) : sent;
    if (outcome.kind === 'done') this.#quickRoutes.record(route, performance.now() - began);
    supervisor.settle(worker, outcome);
    // A request handed back waited all this time for nothing.
    return { kind: outcome.kind, pipelinedMs: (outcome.kind === 'retry' ? performance.now() : began) - sent };
  }
}
