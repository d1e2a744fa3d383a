import { describe, expect, it } from 'vitest';
import type { CeilingResult } from '../../bench/ceiling.js';
import { formatReport, type BenchResult, type CeilingSection, type RunResult } from '../../bench/report.js';
import { medianCeiling, mergeRounds } from '../../bench/rounds.js';
import { runMetrics } from '../helpers/bench-results.js';

const ok = (peer: string, rps: number, cpu: number, p99 = 5): RunResult => ({ scenario: 'hello', peer, peerKind: peer === 'ours' ? 'ours' : 'nginx-fpm', status: 'ok', reason: '', metrics: runMetrics(rps, p99, cpu) });
const ceiling = (ms: number): CeilingSection => ({ status: 'ok', reason: '', result: { cpuMsPerRequest: ms, iterations: 10 } as CeilingResult });

describe('bench --rounds', () => {
  it('reports each scenario and peer by its median round, whole, with every round beside it', () => {
    const merged = mergeRounds([
      [ok('ours', 100, 0.1, 7), ok('nginx-fpm', 50, 0.2)],
      [ok('ours', 300, 0.3, 3), ok('nginx-fpm', 40, 0.4)],
      [ok('ours', 200, 0.2, 5), ok('nginx-fpm', 60, 0.6)],
    ]);
    expect(merged.map((r) => r.peer)).toEqual(['ours', 'nginx-fpm']);
    // The median round's own latency and CPU, not a mix of rounds.
    expect(merged[0]!.metrics).toMatchObject({ requestsPerSec: 200, cpuSecondsPer1kRequests: 0.2, latencyMs: { p99: 5 }, roundsRequestsPerSec: [100, 300, 200], roundsCpuSecondsPer1kRequests: [0.1, 0.3, 0.2] });
    expect(merged[1]!.metrics).toMatchObject({ requestsPerSec: 50, cpuSecondsPer1kRequests: 0.2 });
    // An even count takes the lower middle.
    expect(mergeRounds([[ok('ours', 10, 1)], [ok('ours', 40, 1)], [ok('ours', 20, 1)], [ok('ours', 30, 1)]])[0]!.metrics!.requestsPerSec).toBe(20);
  });

  it('a pair that failed in any round is reported failed; one round is left as it is', () => {
    const failed: RunResult = { scenario: 'hello', peer: 'ours', peerKind: 'ours', status: 'failed', reason: 'boom', metrics: null };
    expect(mergeRounds([[ok('ours', 100, 0.1)], [failed]])[0]).toBe(failed);
    const single = [ok('ours', 100, 0.1)];
    expect(mergeRounds([single])[0]).toBe(single[0]);
    expect(single[0]!.metrics!.roundsRequestsPerSec).toBeUndefined();
  });

  it('the ceiling is the median round by CPU per request, failed rounds left out', () => {
    const failed: CeilingSection = { status: 'failed', reason: 'php died', result: null };
    const merged = medianCeiling([ceiling(0.3), failed, ceiling(0.2), ceiling(0.25)]);
    expect(merged.result).toMatchObject({ cpuMsPerRequest: 0.25, roundsCpuMsPerRequest: [0.3, 0.2, 0.25] });
    expect(medianCeiling([failed])).toBe(failed);
  });

  it('the printed report lists every round behind each median', () => {
    const runs = mergeRounds([[ok('ours', 100, 0.1)], [ok('ours', 300, 0.3)], [ok('ours', 200, 0.2)]]);
    const text = formatReport({ runs, ratios: [], ceiling: medianCeiling([ceiling(0.3), ceiling(0.2)]), ceilingComparison: [], targets: [] } as unknown as BenchResult);
    expect(text).toContain('median round of 3');
    expect(text).toContain('100 / 300 / 200');
    expect(text).toContain('0.100 / 0.300 / 0.200');
    expect(text).toContain('median of 0.300 / 0.200 ms');
  });
});
