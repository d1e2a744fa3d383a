/**
 * `--rounds N`: the whole matrix (and the ceiling) measured N times, one round after the other,
 * so every peer's samples are spread over the same minutes; each scenario and peer is then
 * reported by its median round. On a shared virtual machine whose speed moves by 10-20 % within
 * minutes, one 10 s sample per scenario can put a ratio on either side of a target; the median
 * of interleaved rounds is what a target check should read.
 */
import type { CeilingSection, RunResult } from './report.js';

/** The middle value's index in `values` sorted ascending (the lower middle for an even count). */
function medianIndex(values: readonly number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.floor((order.length - 1) / 2)]![1];
}

/**
 * One result per scenario and peer, in the first round's order: the round with the median
 * req/s, whole (its latencies, CPU and RSS belong together), with every round's req/s and CPU
 * per 1k requests beside it. A pair that failed or was skipped in any round keeps that status
 * (the first such round's result).
 */
export function mergeRounds(rounds: readonly (readonly RunResult[])[]): RunResult[] {
  if (rounds.length === 1) return [...rounds[0]!];
  const key = (r: RunResult): string => `${r.scenario}\u0000${r.peer}`;
  return rounds[0]!.map((first) => {
    const all = rounds.map((round) => round.find((r) => key(r) === key(first))).filter((r): r is RunResult => r !== undefined);
    const notOk = all.find((r) => r.status !== 'ok' || r.metrics === null);
    if (notOk !== undefined) return notOk;
    const chosen = all[medianIndex(all.map((r) => r.metrics!.requestsPerSec))]!;
    return {
      ...chosen,
      metrics: {
        ...chosen.metrics!,
        roundsRequestsPerSec: all.map((r) => r.metrics!.requestsPerSec),
        roundsCpuSecondsPer1kRequests: all.map((r) => r.metrics!.cpuSecondsPer1kRequests),
      },
    };
  });
}

/** The ceiling of the round with the median CPU per request; failed rounds are left out (all failed: the first). */
export function medianCeiling(sections: readonly CeilingSection[]): CeilingSection {
  const ok = sections.filter((s) => s.status === 'ok' && s.result !== null);
  if (ok.length === 0) return sections[0]!;
  const chosen = ok[medianIndex(ok.map((s) => s.result!.cpuMsPerRequest))]!;
  return { ...chosen, result: { ...chosen.result!, roundsCpuMsPerRequest: ok.map((s) => s.result!.cpuMsPerRequest) } };
}
