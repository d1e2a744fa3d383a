/**
 * A histogram for the request path: observing is a bucket search and three additions on
 * preallocated arrays. prom-client's own Histogram validates and hashes the labels on every
 * observe (measured here: about 0.45 µs a call, as much as the rest of a static-file hit), so
 * the hot histograms count here and prom-client formats them: this object gives the registry
 * the same `get()` data (MetricObjectWithValues) its own metrics give.
 */
import type { Metric, MetricValueWithName, Registry } from 'prom-client';

/** What prom-client's registry reads from a metric's get() (MetricObjectWithValues, without its own metric's collect). */
export interface HistogramData {
  name: string;
  help: string;
  type: 'histogram';
  values: MetricValueWithName<string>[];
  aggregator: 'sum';
}

/** One label set's counts: non-cumulative per bucket, the last one +Inf. */
export class HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: Record<string, string>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface BucketHistogramOptions {
  name: string;
  help: string;
  buckets: readonly number[];
  /** One series per label set, all made up front (the label sets are known and few). */
  series: readonly Record<string, string>[];
  registry: Registry;
}

export class BucketHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly buckets: readonly number[];
  readonly series: readonly HistogramSeries[];

  constructor(options: BucketHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.buckets = options.buckets;
    this.series = options.series.map((labels) => new HistogramSeries(labels, options.buckets));
    // The registry reads metrics through get(); this object provides it as prom-client's do.
    options.registry.registerMetric(this as unknown as Metric);
  }

  /** Counts per bucket summed over every series (non-cumulative, +Inf last). */
  totals(into: Float64Array): Float64Array {
    into.fill(0);
    for (const series of this.series) for (let i = 0; i < into.length; i++) into[i]! += series.counts[i]!;
    return into;
  }

  async get(): Promise<HistogramData> {
    const values: MetricValueWithName<string>[] = [];
    for (const series of this.series) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += series.counts[i]!;
        const le = i < this.buckets.length ? this.buckets[i]! : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
