/** A measured run as the bench reports it, for tests of the report and of --rounds. */
import type { RunMetrics } from '../../bench/report.js';

export function runMetrics(requestsPerSec: number, p99: number, cpuPer1k: number): RunMetrics {
  return {
    requestsPerSec,
    latencyMs: { p50: p99 / 3, p99, max: p99 * 2, mean: p99 / 2 },
    responses: requestsPerSec * 10,
    ok2xx: requestsPerSec * 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: { '200': requestsPerSec * 10 },
    durationSeconds: 10,
    cpuSeconds: (cpuPer1k * requestsPerSec * 10) / 1000,
    cpuSecondsPer1kRequests: cpuPer1k,
    peakRssBytes: 300 * 1024 * 1024,
    processes: 11,
    loadGeneratorCpuSeconds: 5,
    machineCpuSeconds: 19,
    otherCpuSeconds: 1,
    otherCpuPercent: 5,
  };
}
