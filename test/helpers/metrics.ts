/** Reads a running server's METRICS_PATH with a real Prometheus text-format parser. */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';

export class Scrape {
  readonly families: Map<string, PromFamily>;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
    this.families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  /** Sum of the samples of counter/gauge `name` whose labels include `labels` (0 when none). */
  value(name: string, labels: Record<string, string> = {}): number {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`metric ${name} is missing`);
    let sum = 0;
    for (const sample of family.metrics) if (matches(sample.labels, labels)) sum += Number(sample.value);
    return sum;
  }

  /**
   * Observations (`count`) and their `sum` in histogram `name` for one label set. The parser
   * folds a labelled histogram's series into one (it keeps the buckets of the last and drops
   * count and sum), so that series' lines are parsed on their own, the label taken off.
   */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
    if (this.families.get(name)?.type !== 'HISTOGRAM') throw new Error(`histogram ${name} is missing`);
    const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    const series = new RegExp(`^${name}_(bucket|sum|count)[{ ]`);
    const lines = this.#text.split('\n').filter((line) => series.test(line) && pairs.every((pair) => line.includes(pair)));
    const unlabelled = lines.map((line) => pairs.reduce((out, pair) => out.replace(`,${pair}`, '').replace(pair, ''), line).replace('{,', '{').replace('{}', ''));
    const [family] = parsePrometheusTextFormat(`# TYPE ${name} histogram\n${unlabelled.join('\n')}\n`);
    const sample = family?.metrics[0];
    return { count: Number(sample?.count ?? 0), sum: Number(sample?.sum ?? 0) };
  }

  /** Each sample's labels and value. */
  samples(name: string): { labels: Record<string, string>; value: number }[] {
    return (this.families.get(name)?.metrics ?? []).map((sample) => ({ labels: sample.labels ?? {}, value: Number(sample.value) }));
  }
}

function matches(have: Record<string, string> | undefined, want: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(want)) if (have?.[key] !== value) return false;
  return true;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return new Scrape(await response.text());
}
