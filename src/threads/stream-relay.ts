/**
 * Carries a streamed response body from the thread that reads it off the PHP socket to the main
 * thread that writes it to the client, over a MessagePort, with credit-based flow control:
 * the thread stops reading the PHP socket while more than STREAM_WINDOW bytes are unacknowledged,
 * so a slow client slows PHP down instead of filling memory.
 *
 * thread → main: {t:'chunk', data} (ArrayBuffer, transferred) · {t:'end', stopping} · {t:'error', error}
 * main → thread: {t:'ack', n} when n bytes were handed to the client · {t:'cancel'} when it left
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { WorkerAppError, type BridgeError, type ErrorData } from '../errors.js';
import type { PhpConnection, StreamHandlers } from '../pool/connection.js';

export const STREAM_WINDOW = 1024 * 1024;

export type StreamMessage =
  | { t: 'chunk'; data: ArrayBuffer }
  | { t: 'end'; stopping: boolean }
  | { t: 'error'; error: ErrorData; stopping: boolean };

export type StreamControl = { t: 'ack'; n: number } | { t: 'cancel' };

/** Thread side: returns the handlers for the connection and the port to give the main thread. */
export function relayStream(conn: PhpConnection): { handlers: StreamHandlers; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  let unacked = 0;
  let paused = false;
  let finished = false;

  port1.on('message', (message: StreamControl) => {
    if (message.t === 'ack') {
      unacked -= message.n;
      if (paused && unacked <= STREAM_WINDOW / 2) {
        paused = false;
        conn.resumeReading();
      }
    } else if (message.t === 'cancel') {
      conn.cancel();
    }
  });

  const close = (): void => {
    finished = true;
    // Let the last message leave before the port goes.
    setImmediate(() => port1.close());
  };

  const handlers: StreamHandlers = {
    onChunk(chunk) {
      if (finished) return;
      // A standalone copy: the socket's buffer may hold other frames, so it cannot be transferred.
      const data = new ArrayBuffer(chunk.byteLength);
      new Uint8Array(data).set(chunk);
      unacked += chunk.byteLength;
      port1.postMessage({ t: 'chunk', data } satisfies StreamMessage, [data]);
      if (!paused && unacked > STREAM_WINDOW) {
        paused = true;
        conn.pauseReading();
      }
    },
    onEnd(stopping) {
      if (finished) return;
      if (paused) conn.resumeReading();
      port1.postMessage({ t: 'end', stopping } satisfies StreamMessage);
      close();
    },
    onError(err: BridgeError) {
      if (finished) return;
      port1.postMessage({ t: 'error', error: err.toData(), stopping: err instanceof WorkerAppError && err.stopping } satisfies StreamMessage);
      close();
    },
  };
  return { handlers, port: port2 };
}
