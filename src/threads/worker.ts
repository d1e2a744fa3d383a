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
  if (!result.ok) return result;
  const transfer = result.stream !== undefined ? result.stream : result.body.byteLength > 0 ? result.body : null;
  if (transfer === null) return result;
  return move({
    [transferableSymbol]: [transfer],
    [valueSymbol]: result,
  } as never);
}
