/**
 * Carries a response body from the thread that reads it off the PHP socket to the main thread
 * that writes it to the client, over a MessagePort, with credit-based flow control: the thread
 * stops reading the PHP socket while more than STREAM_WINDOW bytes are unacknowledged, so a slow
 * client slows PHP down instead of filling memory.
 *
 * thread → main: {t:'chunk', data} (ArrayBuffer, transferred) · {t:'end'} · {t:'error', error}
 *                · {t:'outcome', outcome} (last: how the exchange left the worker)
 * main → thread: {t:'ack', n} once n bytes were handed to the client · {t:'cancel'} when it left
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { BridgeError, type ErrorData } from '../errors.js';
import type { ExchangeOutcome, FlowControl, ResponseHandler } from '../pool/connection.js';
import { outcomeFromData, type OutcomeData } from './outcome-data.js';

export const STREAM_WINDOW = 1024 * 1024;

export type StreamMessage =
  | { t: 'chunk'; data: ArrayBuffer }
  | { t: 'end' }
  | { t: 'error'; error: ErrorData }
  | { t: 'outcome'; outcome: OutcomeData };

export type StreamControl = { t: 'ack'; n: number } | { t: 'cancel' };

/** Thread side: feeds the port from the connection's events. */
export class StreamRelay {
  readonly port: MessagePort;
  readonly #local: MessagePort;
  readonly #flow: FlowControl;
  #unacked = 0;
  #paused = false;

  constructor(flow: FlowControl) {
    const { port1, port2 } = new MessageChannel();
    this.#local = port1;
    this.port = port2;
    this.#flow = flow;
    port1.on('message', (message: StreamControl) => {
      if (message.t === 'cancel') {
        flow.cancel();
        return;
      }
      this.#unacked -= message.n;
      if (this.#paused && this.#unacked <= STREAM_WINDOW / 2) {
        this.#paused = false;
        flow.resume();
      }
    });
  }

  chunk(chunk: Buffer): void {
    // A standalone copy: the socket's buffer may hold other frames, so it cannot be transferred.
    const data = new ArrayBuffer(chunk.byteLength);
    new Uint8Array(data).set(chunk);
    this.#unacked += chunk.byteLength;
    this.#local.postMessage({ t: 'chunk', data } satisfies StreamMessage, [data]);
    if (!this.#paused && this.#unacked > STREAM_WINDOW) {
      this.#paused = true;
      this.#flow.pause();
    }
  }

  end(): void {
    this.#local.postMessage({ t: 'end' } satisfies StreamMessage);
  }

  error(err: BridgeError): void {
    this.#local.postMessage({ t: 'error', error: err.toData() } satisfies StreamMessage);
  }

  outcome(outcome: OutcomeData): void {
    if (this.#paused) this.#flow.resume();
    this.#local.postMessage({ t: 'outcome', outcome } satisfies StreamMessage);
    // Let the last message leave before the port goes.
    setImmediate(() => this.#local.close());
  }
}

/**
 * Main-thread side: replays the port's messages as ResponseHandler events (the head was
 * already delivered with `flow`'s counterpart) and resolves with the exchange's outcome.
 */
export function replayStream(port: MessagePort, handler: ResponseHandler): { flow: FlowControl; outcome: Promise<ExchangeOutcome> } {
  let paused = false;
  let owed = 0;
  let closed = false;
  const send = (message: StreamControl): void => {
    if (!closed) port.postMessage(message);
  };
  const flow: FlowControl = {
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      if (owed > 0) send({ t: 'ack', n: owed });
      owed = 0;
    },
    cancel: () => send({ t: 'cancel' }),
  };
  /** A consumer that throws is our bug: the response fails with INTERNAL, the rest is dropped. */
  let abandoned = false;
  const deliver = (call: () => void): void => {
    if (abandoned) return;
    try {
      call();
    } catch (err) {
      abandoned = true;
      flow.cancel();
      flow.resume();
      try {
        handler.onError(new BridgeError('INTERNAL', `response consumer failed: ${String((err as Error)?.stack ?? err)}`, { cause: err }));
      } catch {
        // Nothing further can be told.
      }
    }
  };
  const outcome = new Promise<ExchangeOutcome>((resolve) => {
    port.on('message', (message: StreamMessage) => {
      switch (message.t) {
        case 'chunk': {
          const length = message.data.byteLength;
          deliver(() => handler.onBody(Buffer.from(message.data)));
          // Acknowledged once the client side took it; while it pushes back, the credit is owed.
          if (paused && !abandoned) owed += length;
          else send({ t: 'ack', n: length });
          return;
        }
        case 'end':
          deliver(() => handler.onEnd());
          return;
        case 'error':
          deliver(() => handler.onError(new BridgeError(message.error.code, message.error.message)));
          return;
        case 'outcome':
          closed = true;
          port.close();
          resolve(outcomeFromData(message.outcome));
      }
    });
  });
  return { flow, outcome };
}
