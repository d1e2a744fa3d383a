/**
 * Piscina worker-thread entry. Each thread keeps its own connections to the PHP workers for its
 * whole life; the response body goes back to the main thread as a transferred ArrayBuffer.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { ConnectionTable } from '../pool/connection-table.js';
import { runTask, type PhpTask } from './task.js';

export interface ThreadData {
  connectTimeoutMs: number;
}

const table = new ConnectionTable((workerData as ThreadData).connectTimeoutMs);

export default async function handle(task: PhpTask): Promise<unknown> {
  const result = await runTask(table, task);
  if (!result.ok || result.body.byteLength === 0) return result;
  return move({
    [transferableSymbol]: [result.body],
    [valueSymbol]: result,
  } as never);
}
