/**
 * Wires the metrics and the status view to the running server: one call from src/main.ts. The
 * one-second sampling timer is unref'd, so it never holds the process open at shutdown.
 */
import type { Logger } from '../logger.js';
import { ObservabilityEndpoints } from './endpoints.js';
import { FrontDoorMetrics, type MetricSources } from './registry.js';
import { buildStatus, type StatusReport } from './status-view.js';

export interface Observability {
  metrics: FrontDoorMetrics;
  endpoints: ObservabilityEndpoints;
  /** The control socket's `status` reply (no chart series). */
  status(): StatusReport;
}

export function createObservability(sources: MetricSources, log: Logger): Observability {
  const metrics = new FrontDoorMetrics(sources, log);
  sources.supervisor.onWorkerExit = (worker) => metrics.workerExited(worker);
  metrics.start();
  return {
    metrics,
    endpoints: new ObservabilityEndpoints(sources.config, metrics, sources, log),
    status: () => buildStatus(sources, metrics, false),
  };
}
