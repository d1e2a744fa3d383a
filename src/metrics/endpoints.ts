/**
 * METRICS_PATH and STATUS_PATH, answered by the front door itself (never PHP), like the health
 * probes: Prometheus text from prom-client, the status page, and its JSON (STATUS_PATH?json).
 * Access: src/metrics/access.ts.
 */
import type { Config } from '../config.js';
import type { HeaderPairs } from '../codec/messages.js';
import { writeResponse, type ResponseState } from '../http/respond.js';
import type { Uws } from '../http/uws.js';
import type { Logger } from '../logger.js';
import { AccessRule } from './access.js';
import type { FrontDoorMetrics, MetricSources } from './registry.js';
import { STATUS_PAGE } from './status-page.js';
import { buildStatus } from './status-view.js';

const NO_STORE: HeaderPairs = [['Cache-Control', 'no-store']];
const PAGE = Buffer.from(STATUS_PAGE);
/** Headers a proxy adds for the client it forwards (uWS gives header names in lower case). */
const FORWARDING = new Set(['x-forwarded-for', 'forwarded', 'x-real-ip']);

export class ObservabilityEndpoints {
  readonly #metricsPath: string;
  readonly #statusPath: string;
  readonly #access: AccessRule;
  readonly #metrics: FrontDoorMetrics;
  readonly #sources: MetricSources;
  readonly #log: Logger;

  constructor(config: Config, metrics: FrontDoorMetrics, sources: MetricSources, log: Logger) {
    this.#metricsPath = config.metricsPath;
    this.#statusPath = config.statusPath;
    this.#access = new AccessRule(config.metricsToken);
    this.#metrics = metrics;
    this.#sources = sources;
    this.#log = log;
  }

  /** True for the paths answered here (two string compares on every request). */
  serves(path: string): boolean {
    return (path === this.#metricsPath && path !== '') || (path === this.#statusPath && path !== '');
  }

  answer(res: Uws.HttpResponse, state: ResponseState, method: string, path: string, query: string, headers: HeaderPairs, peer: string): void {
    const isHead = method === 'HEAD';
    const text = (status: number, body: string, extra: HeaderPairs = []): void =>
      writeResponse(res, state, isHead, status, [['Content-Type', 'text/plain; charset=utf-8'], ...NO_STORE, ...extra], Buffer.from(`${body}\n`));
    let authorization: string | undefined;
    let forwarded = false;
    for (const [name, value] of headers) {
      if (name === 'authorization') authorization = value;
      else if (FORWARDING.has(name)) forwarded = true;
    }
    const verdict = this.#access.check(peer, authorization, forwarded);
    if (verdict === 'unauthorized') return text(401, 'Unauthorized: a bearer token (METRICS_TOKEN) is required', [['WWW-Authenticate', 'Bearer realm="front door"']]);
    if (verdict === 'forbidden') return text(403, 'Forbidden: only loopback clients may read this unless METRICS_TOKEN is set');
    if (method !== 'GET' && !isHead) return text(405, 'Method Not Allowed', [['Allow', 'GET, HEAD']]);

    if (path === this.#metricsPath) {
      this.#metrics.registry.metrics().then(
        (body) => writeResponse(res, state, isHead, 200, [['Content-Type', this.#metrics.registry.contentType], ...NO_STORE], Buffer.from(body)),
        (err: unknown) => {
          this.#log.error({ err }, 'metrics: collecting failed');
          text(500, 'Internal Server Error');
        },
      );
      return;
    }
    if (new URLSearchParams(query).has('json')) {
      const body = JSON.stringify(buildStatus(this.#sources, this.#metrics, true));
      return writeResponse(res, state, isHead, 200, [['Content-Type', 'application/json'], ...NO_STORE], Buffer.from(body));
    }
    writeResponse(res, state, isHead, 200, [['Content-Type', 'text/html; charset=utf-8'], ...NO_STORE, ['Content-Security-Policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"]], PAGE);
  }
}
