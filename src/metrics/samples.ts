/**
 * The status page's charts: a fixed ring of one sample per second (SAMPLE_SECONDS of them), so
 * its memory is bounded whatever the uptime. Each series is one Float64Array; `series()` copies
 * them out oldest first for the JSON view.
 */
export const SAMPLE_SECONDS = 600;

export const SERIES = ['t', 'rps', 'p50', 'p90', 'p99', 'queue', 'elu', 'booting', 'idle', 'busy', 'draining', 'stopping'] as const;
export type SeriesName = (typeof SERIES)[number];
export type Sample = Record<SeriesName, number>;

export class SampleRing {
  readonly #capacity: number;
  readonly #data: Record<SeriesName, Float64Array>;
  #next = 0;
  #size = 0;

  constructor(capacity = SAMPLE_SECONDS) {
    this.#capacity = capacity;
    this.#data = Object.fromEntries(SERIES.map((name) => [name, new Float64Array(capacity)])) as Record<SeriesName, Float64Array>;
  }

  get size(): number {
    return this.#size;
  }

  push(sample: Sample): void {
    for (const name of SERIES) this.#data[name][this.#next] = sample[name];
    this.#next = (this.#next + 1) % this.#capacity;
    if (this.#size < this.#capacity) this.#size++;
  }

  /** Every series, oldest sample first. */
  series(): Record<SeriesName, number[]> {
    const start = (this.#next - this.#size + this.#capacity) % this.#capacity;
    const out = {} as Record<SeriesName, number[]>;
    for (const name of SERIES) {
      const column = this.#data[name];
      const values = new Array<number>(this.#size);
      for (let i = 0; i < this.#size; i++) values[i] = column[(start + i) % this.#capacity]!;
      out[name] = values;
    }
    return out;
  }
}

/**
 * The q-quantile of the observations counted in `counts` (per bucket, not cumulative; the last
 * entry is +Inf), interpolated linearly inside its bucket as Prometheus' histogram_quantile()
 * does. One in the +Inf bucket gives the highest finite bound. NaN when nothing was observed.
 */
export function bucketQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (seen + count >= rank && count > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return bounds[bounds.length - 1]!;
}
