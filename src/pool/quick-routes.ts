/**
 * Which routes answer quickly, and how quickly: an average of each route's service time in PHP
 * (method and path, no query; from the moment the request became the worker's current one, so
 * time spent pipelined behind others is not counted), over a bounded set of routes. The
 * scheduler pipelines a request only behind ones whose routes are known to be quick, and adds
 * up their averages to tell when it would start, so nothing waits behind a report, an upload or
 * a call to a slow API. A route not seen yet (or pushed out of the set) counts as slow until measured.
 *
 * Path segments that are ids (numbers, UUIDs, ULIDs, long hex strings) count as one route
 * (`/users/1` and `/users/2` are `/users/{id}`), as Laravel's route parameters would: otherwise
 * an API of ids would spread over thousands of one-off routes, each slow until measured, and
 * push the often-used ones out of the set. The set keeps the routes measured most recently.
 */
/** Weight of the newest measurement in the moving average. */
const ALPHA = 0.2;

const DIGIT = /\d/;
/** A whole number, a UUID, a ULID, or 16+ hex digits (hashes, Mongo-style object ids). */
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{16,})$/i;

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
    const path = q === -1 ? uri : uri.slice(0, q);
    // Every id segment holds a digit (a ULID or a hex id almost always): most paths stop here.
    if (!DIGIT.test(path)) return `${method} ${path}`;
    return `${method} ${path
      .split('/')
      .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
      .join('/')}`;
  }

  /** The route's average service time in ms when it is quick; null when it is slow or not measured. */
  estimate(key: string): number | null {
    const average = this.#averageMs.get(key);
    return average !== undefined && average < this.#quickMs ? average : null;
  }

  record(key: string, ms: number): void {
    const average = this.#averageMs.get(key);
    if (average === undefined) {
      // A Map keeps insertion order: the first key is the route least recently measured.
      if (this.#averageMs.size >= this.#capacity) this.#averageMs.delete(this.#averageMs.keys().next().value!);
      this.#averageMs.set(key, ms);
    } else {
      // Moved to the end: the first key is then the route measured least recently.
      this.#averageMs.delete(key);
      this.#averageMs.set(key, average + ALPHA * (ms - average));
    }
  }
}
