/**
 * Where RATE_LIMIT meets a request: after the liveness and readiness probes (answered before
 * this, so a probe is never limited) and before everything else, static files from public/
 * included. nginx's limit_req applies to the location it is written in; a front door has one
 * location, so everything but the probe paths and RATE_LIMIT_EXEMPT counts. The 429 carries
 * Retry-After (RFC 6585 §4) and the RateLimit-* fields of the IETF httpapi draft.
 */
import type { Config } from '../config.js';
import type { HeaderPairs } from '../codec/messages.js';
import { clientMessageFor, httpStatusFor } from '../errors.js';
import { resolveClientAddress } from './client-address.js';
import { BucketTable } from './rate-limit.js';
import { statusLine, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

export class RateLimitGate {
  readonly #table: BucketTable;
  readonly #exempt: ReadonlySet<string>;
  readonly #config: Config;
  readonly #limit: string;

  constructor(config: Config) {
    this.#config = config;
    this.#table = new BucketTable(config.rateLimit, config.rateLimitBurst, config.rateLimitTableSize);
    this.#exempt = new Set(config.rateLimitExempt);
    this.#limit = String(config.rateLimitBurst);
  }

  /** A gate when RATE_LIMIT is on; null costs the plain path one comparison. */
  static from(config: Config): RateLimitGate | null {
    return config.rateLimit > 0 ? new RateLimitGate(config) : null;
  }

  /**
   * Takes a token for the request's client; when there is none, writes the 429 and returns its
   * status. Returns 0 when the request may go on. A refused request with a body gets the
   * connection closed after the answer, so its unread body never reaches the next request.
   */
  refuse(res: Uws.HttpResponse, state: ResponseState, path: string, peer: string, headers: HeaderPairs, hasBody: boolean): number {
    if (this.#exempt.has(path)) return 0;
    const client = resolveClientAddress(peer, headers, this.#config.trustedProxies);
    const decision = this.#table.take(client, performance.now());
    if (decision.allowed) return 0;
    const status = httpStatusFor('RATE_LIMITED');
    if (state.aborted || state.done) return status;
    state.done = true;
    const wait = String(decision.retryAfterSeconds);
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.writeHeader('Content-Type', 'text/plain; charset=utf-8');
      res.writeHeader('Retry-After', wait);
      res.writeHeader('RateLimit-Limit', this.#limit);
      res.writeHeader('RateLimit-Remaining', '0');
      // Seconds until this client may send again (the bucket has a token).
      res.writeHeader('RateLimit-Reset', wait);
      res.end(`${clientMessageFor('RATE_LIMITED')}\n`, hasBody);
    });
    return status;
  }
}
