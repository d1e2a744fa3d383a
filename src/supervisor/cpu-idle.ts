/**
 * How much of the machine's CPU sat idle lately, from the kernel's per-core counters
 * (os.cpus(): /proc/stat on Linux). The supervisor asks before it grows the pool past twice the
 * core count: requests waiting while the CPU is idle means the workers wait on I/O (a database,
 * an API), and another worker helps; waiting while the CPU is busy means another process would
 * only split the same cores and evict Laravel's working set from their caches
 * (docs/PERFORMANCE.md: on 2 cores, 10 workers served Laravel JSON at a third of 4 workers' rate).
 */
import { cpus } from 'node:os';

/** Shorter windows are too noisy to mean anything. */
const MIN_WINDOW_MS = 250;
/**
 * A window older than this says how the CPU was before the load came (a server idle for an
 * hour reads as idle): it is restarted instead, and the CPU counts as busy until it is measured.
 */
const MAX_WINDOW_MS = 2_000;

export class CpuIdleMeter {
  #last = totals();
  #lastAt = Date.now();
  #share = 0;
  /** The latest window's own reading. */
  #latest = 0;

  /**
   * Idle share of all cores (0..1) over the last two windows: the lower of the two, so that
   * the first window of a load, which still holds some of the quiet before it, does not count
   * as room on its own.
   */
  idleShare(): number {
    const now = Date.now();
    if (now - this.#lastAt < MIN_WINDOW_MS) return this.#share;
    const current = totals();
    if (now - this.#lastAt > MAX_WINDOW_MS) {
      this.#last = current;
      this.#lastAt = now;
      this.#share = this.#latest = 0;
      return 0;
    }
    const busy = current.busy - this.#last.busy;
    const idle = current.idle - this.#last.idle;
    const latest = busy + idle > 0 ? idle / (busy + idle) : 1;
    this.#share = Math.min(latest, this.#latest);
    this.#latest = latest;
    this.#last = current;
    this.#lastAt = now;
    return this.#share;
  }
}

function totals(): { busy: number; idle: number } {
  let busy = 0;
  let idle = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    idle += times.idle;
  }
  return { busy, idle };
}
