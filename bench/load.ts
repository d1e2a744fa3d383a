/**
 * The bench's side of a load worker: spawns `node dist/bench/load-worker.js`, waits for its
 * warm-up, lets the caller take a "before" snapshot, starts the measurement and collects the result.
 */
import { existsSync } from 'node:fs';
import type { LoadJob, LoadMessage, LoadSummary } from './load-worker.js';
import { LOAD_WORKER } from './paths.js';
import { cpuSeconds, processCpuTicks } from './proc.js';
import { startProcess } from './processes.js';

export interface LoadHooks {
  /** Warm-up is over; the measurement starts when this resolves. Gets the load worker's PID. */
  beforeMeasure?: (loadPid: number) => void | Promise<void>;
  onTick?: (requests: number) => void;
}

export interface LoadRun extends LoadSummary {
  /** CPU seconds the load worker itself used while measuring. */
  loadGeneratorCpuSeconds: number;
}

export async function runLoad(job: LoadJob, hooks: LoadHooks = {}): Promise<LoadRun> {
  if (!existsSync(LOAD_WORKER)) throw new Error(`${LOAD_WORKER} is missing: run npm run build first`);
  const worker = startProcess(`load ${job.scenario}`, process.execPath, [LOAD_WORKER, JSON.stringify({ ...job, handshake: true })], {
    stdin: true,
  });
  try {
    let loadTicks = 0;
    const summary = await new Promise<LoadSummary>((resolve, reject) => {
      let settled = false;
      worker.onLine((line) => {
        let message: LoadMessage;
        try {
          message = JSON.parse(line) as LoadMessage;
        } catch {
          return; // not ours (a warning printed by a library)
        }
        if (message.type === 'ready') {
          loadTicks = processCpuTicks(worker.pid);
          Promise.resolve(hooks.beforeMeasure?.(worker.pid)).then(
            () => worker.child.stdin?.write('go\n'),
            (err: unknown) => {
              settled = true;
              reject(err as Error);
            },
          );
        } else if (message.type === 'tick') {
          hooks.onTick?.(message.requests);
        } else if (message.type === 'result') {
          settled = true;
          loadTicks = processCpuTicks(worker.pid) - loadTicks;
          resolve(message.result);
        } else if (message.type === 'error') {
          settled = true;
          reject(new Error(`load generator: ${message.message}`));
        }
      });
      void worker.exited.then(({ code, signal }) => {
        if (!settled) reject(new Error(`load generator exited (${signal ?? code}) without a result: ${worker.output.slice(-5).join(' | ')}`));
      });
    });
    return { ...summary, loadGeneratorCpuSeconds: cpuSeconds(Math.max(0, loadTicks)) };
  } finally {
    await worker.stop('SIGTERM', 3_000);
  }
}
