/**
 * The unit of work a thread does for one HTTP request: send it to the chosen PHP worker over
 * this thread's own connection and bring the response back to the main thread — whole, in one
 * transferred ArrayBuffer, when PHP does not stream it and it fits MAX_RESPONSE_BUFFER;
 * otherwise as a stream over a MessagePort (src/threads/stream-relay.ts). Either way the main
 * thread replays it as the same ResponseHandler events (src/threads/dispatcher.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { BridgeError, type ErrorData } from '../errors.js';
import type { RequestHead } from '../codec/messages.js';
import type { ConnectionTable } from '../pool/connection-table.js';
import type { FlowControl, ResponseHandler, ResponseHeadInfo } from '../pool/connection.js';
import { outcomeToData, type OutcomeData } from './outcome-data.js';
import { StreamRelay } from './stream-relay.js';
import type { ThreadLoadSlot } from './thread-load.js';

export interface PhpTask {
  /** Which PHP worker the main thread's scheduler reserved for this request. */
  workerId: number;
  socketPath: string;
  head: RequestHead;
  /** Transferred, not copied, from the main thread. */
  body: ArrayBuffer | null;
  /** Largest body sent back whole; a larger one streams. */
  bufferLimit: number;
}

export type PhpTaskResult =
  | { t: 'whole'; head: ResponseHeadInfo; body: ArrayBuffer; outcome: OutcomeData }
  /** The body follows on the port; the outcome is its last message. */
  | { t: 'stream'; head: ResponseHeadInfo; port: MessagePort }
  | { t: 'failed'; error: ErrorData; outcome: OutcomeData };

/**
 * Resolves with a whole response once the exchange is over, or with a port as soon as the
 * response turns out to stream (the rest, and the outcome, then follow on that port).
 */
export function runTask(table: ConnectionTable, task: PhpTask, load?: ThreadLoadSlot): Promise<PhpTaskResult> {
  return new Promise((resolve) => {
    const collector = new ThreadResponse(task.bufferLimit, (head, port) => resolve({ t: 'stream', head, port }));
    const body = task.body === null ? null : new Uint8Array(task.body);
    load?.enter();
    void table.exchange(task.workerId, task.socketPath, task.head, body, collector).then((outcome) => {
      // In flight until PHP is done, a streamed response included (it outlives the task).
      load?.leave();
      const data = outcomeToData(outcome);
      if (!collector.relayOutcome(data)) resolve(collector.result(data));
    });
  });
}

/** The thread's consumer: collects a body to send back whole, or turns into a relay. */
class ThreadResponse implements ResponseHandler {
  readonly #limit: number;
  #head: ResponseHeadInfo | null = null;
  #flow: FlowControl | null = null;
  #chunks: Buffer[] = [];
  #size = 0;
  #error: BridgeError | null = null;
  #relay: StreamRelay | null = null;
  readonly #onRelay: (head: ResponseHeadInfo, port: MessagePort) => void;

  constructor(limit: number, onRelay: (head: ResponseHeadInfo, port: MessagePort) => void) {
    this.#limit = limit;
    this.#onRelay = onRelay;
  }

  onHead(head: ResponseHeadInfo, flow: FlowControl): void {
    this.#head = head;
    this.#flow = flow;
    if (head.streamed) this.#startRelay();
  }

  #startRelay(): StreamRelay {
    const relay = new StreamRelay(this.#flow!);
    this.#relay = relay;
    this.#onRelay({ ...this.#head!, streamed: true }, relay.port);
    return relay;
  }

  onBody(chunk: Buffer): void {
    if (this.#relay !== null) {
      this.#relay.chunk(chunk);
      return;
    }
    // Views of the socket's reads: keep references now, copy once at the end.
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#size > this.#limit) {
      const relay = this.#startRelay();
      for (const held of this.#chunks) relay.chunk(held);
      this.#chunks = [];
    }
  }

  onEnd(): void {
    this.#relay?.end();
  }

  onError(err: BridgeError): void {
    if (this.#relay !== null) this.#relay.error(err);
    else this.#error = err;
  }

  /** The exchange is over: a relay passes the outcome on (true), otherwise `result` answers. */
  relayOutcome(outcome: OutcomeData): boolean {
    if (this.#relay === null) return false;
    this.#relay.outcome(outcome);
    return true;
  }

  result(outcome: OutcomeData): PhpTaskResult {
    if (this.#error !== null || this.#head === null) {
      const error = this.#error ?? new BridgeError('INTERNAL', 'the exchange ended without a response');
      return { t: 'failed', error: error.toData(), outcome };
    }
    // One fresh ArrayBuffer that nothing else shares, so it can be transferred, not cloned.
    const body = new ArrayBuffer(this.#size);
    const view = new Uint8Array(body);
    let offset = 0;
    for (const chunk of this.#chunks) {
      view.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { t: 'whole', head: this.#head, body, outcome };
  }
}
