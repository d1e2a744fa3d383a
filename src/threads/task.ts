/**
 * The unit of work a thread does for one HTTP request: send it to the chosen PHP worker over
 * this thread's own connection and bring the response back, whole, or as a stream over a
 * MessagePort when PHP streams it. The same function runs inside Piscina threads and, with
 * WORKER_THREADS=0, on the main thread.
 */
import type { MessagePort } from 'node:worker_threads';
import { toBridgeError, WorkerAppError, type ErrorData } from '../errors.js';
import type { HeaderPairs, RequestHead } from '../codec/messages.js';
import type { ConnectionTable } from '../pool/connection-table.js';
import { relayStream } from './stream-relay.js';

export interface PhpTask {
  /** Which PHP worker the main thread's scheduler reserved for this request. */
  workerId: number;
  socketPath: string;
  head: RequestHead;
  /** Transferred, not copied, from the main thread. */
  body: ArrayBuffer | null;
}

export type PhpTaskResult =
  | { ok: true; status: number; headers: HeaderPairs; body: ArrayBuffer; stopping: boolean; stream?: undefined }
  | { ok: true; status: number; headers: HeaderPairs; stream: MessagePort }
  /** `stopping`: the worker said it exits now (the app called exit() or hit a fatal error). */
  | { ok: false; error: ErrorData; stopping?: boolean };

export async function runTask(table: ConnectionTable, task: PhpTask): Promise<PhpTaskResult> {
  try {
    const found = table.get(task.workerId, task.socketPath);
    const conn = found instanceof Promise ? await found : found;
    let port: MessagePort | null = null;
    const response = await conn.request(task.head, task.body === null ? null : new Uint8Array(task.body), () => {
      const relay = relayStream(conn);
      port = relay.port;
      return relay.handlers;
    });
    if ('streamed' in response) {
      return { ok: true, status: response.status, headers: response.headers, stream: port! };
    }
    return { ok: true, status: response.status, headers: response.headers, body: response.body, stopping: response.stopping };
  } catch (err) {
    // Errors cross the thread boundary as data; the main thread rebuilds the typed error.
    return { ok: false, error: toBridgeError(err).toData(), stopping: err instanceof WorkerAppError && err.stopping };
  }
}
