/**
 * Which routes answer quickly: an average of each route's exchange time with PHP (method and
 * path, no query), over a bounded set of routes. The scheduler pipelines a request only behind
 * one whose route is known to be quick, so nothing waits behind a report, an upload or a call to
 * a slow API. A route not seen yet (or pushed out of the set) counts as slow until measured.
 */
/** Weight of the newest measurement in the moving average. */
const ALPHA = 0.2;

export class QuickRoutes {
  readonly #averageMs = new Map<string, number>();
  readonly #quickMs: number;
  readonly #capacity: number;

  /** Quick means an average under `quickMs`; at most `capacity` routes are remembered. */
  constructor(quickMs: number, capacity = 1024) {
    this.#quickMs = quickMs;
    this.#capacity = capacity;
  }

  static key(method: string, uri: string): string {
    const q = uri.indexOf('?');
    return `${method} ${q === -1 ? uri : uri.slice(0, q)}`;
  }

  isQuick(key: string): boolean {
    const average = this.#averageMs.get(key);
    return average !== undefined && average < this.#quickMs;
  }

  record(key: string, ms: number): void {
    const average = this.#averageMs.get(key);
    if (average === undefined) {
      // A Map keeps insertion order: the first key is the route least recently added.
      if (this.#averageMs.size >= this.#capacity) this.#averageMs.delete(this.#averageMs.keys().next().value!);
      this.#averageMs.set(key, ms);
    } else {
      this.#averageMs.set(key, average + ALPHA * (ms - average));
    }
  }
}
