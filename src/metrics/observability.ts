/**
 * Wires the metrics and the status view to the running server: one call from src/main.ts.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { WorkerScheduler } from '../pool/scheduler.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Dispatcher } from '../threads/dispatcher.js';
import { ObservabilityEndpoints } from './endpoints.js';
import { FrontDoorMetrics, type MetricSources } from './registry.js';
import { buildStatus, type StatusReport } from './status-view.js';

export interface Observability {
  metrics: FrontDoorMetrics;
  endpoints: ObservabilityEndpoints;
  /** The control socket's `status` reply (no chart series). */
  status(): StatusReport;
  stop(): void;
}

export function createObservability(sources: MetricSources & { config: Config; scheduler: WorkerScheduler; supervisor: Supervisor; dispatcher: Dispatcher }, log: Logger): Observability {
  const metrics = new FrontDoorMetrics(sources, log);
  sources.supervisor.onWorkerExit = (worker) => metrics.workerExited(worker);
  metrics.start();
  return {
    metrics,
    endpoints: new ObservabilityEndpoints(sources.config, metrics, sources, log),
    status: () => buildStatus(sources, metrics, false),
    stop: () => metrics.stop(),
  };
}
