/**
 * Piscina worker-thread entry. Each thread keeps its own connections to the PHP workers for its
 * whole life; a whole response body, or a streamed one's port, goes back transferred, never cloned.
 */
import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { ConnectionTable } from '../pool/connection-table.js';
import { runTask, type PhpTask } from './task.js';
import { ThreadLoadSlot } from './thread-load.js';

export interface ThreadData {
  connectTimeoutMs: number;
  /** This thread's in-flight counts for the main thread's metrics (src/threads/thread-load.ts). */
  load: SharedArrayBuffer;
}

const table = new ConnectionTable((workerData as ThreadData).connectTimeoutMs);
const load = new ThreadLoadSlot((workerData as ThreadData).load, threadId);

export default async function handle(task: PhpTask): Promise<unknown> {
  const result = await runTask(table, task, load);
  const transfer = result.t === 'stream' ? result.port : result.t === 'whole' && result.body.byteLength > 0 ? result.body : null;
  if (transfer === null) return result;
  return move({
    [transferableSymbol]: [transfer],
    [valueSymbol]: result,
  } as never);
}
