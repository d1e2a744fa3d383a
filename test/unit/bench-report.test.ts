import { describe, expect, it } from 'vitest';
import type { ScenarioName } from '../../bench/cli.js';
import type { CeilingResult } from '../../bench/ceiling.js';
import {
  compareWithCeiling,
  computeRatios,
  computeTargets,
  formatMs,
  formatNumber,
  formatRatio,
  formatReport,
  formatTable,
  missingFields,
  ratio,
  ratiosTable,
  runsTable,
  type BenchResult,
  type RunMetrics,
  type RunResult,
} from '../../bench/report.js';
import { runMetrics } from '../helpers/bench-results.js';

const ok = (scenario: ScenarioName, peer: 'ours' | 'nginx-fpm' | 'artisan-serve', m: RunMetrics, label: string = peer): RunResult => ({
  scenario,
  peer: label,
  peerKind: peer,
  status: 'ok',
  reason: '',
  metrics: m,
});

const RUNS: RunResult[] = [
  ok('laravel-json', 'ours', runMetrics(3000, 10, 0.15)),
  ok('laravel-json', 'nginx-fpm', runMetrics(600, 40, 3)),
  ok('laravel-json', 'artisan-serve', runMetrics(500, 60, 3.2)),
  ok('hello', 'ours', runMetrics(30_000, 2, 0.05)),
  ok('hello', 'nginx-fpm', runMetrics(20_000, 4, 0.08)),
  { scenario: 'hello', peer: 'artisan-serve', peerKind: 'artisan-serve', status: 'unsupported', reason: 'Laravel only', metrics: null },
  { scenario: 'static', peer: 'ours', peerKind: 'ours', status: 'unsupported', reason: '404: this peer does not serve public/ files', metrics: null },
  ok('static', 'nginx-fpm', runMetrics(70_000, 1, 0.01)),
];

const CEILING: CeilingResult = {
  uri: '/api/ping',
  iterations: 1000,
  cpuSeconds: 0.1,
  wallSeconds: 0.1,
  cpuMsPerRequest: 0.1,
  requestsPerCpuSecond: 10_000,
  php: '8.2.0',
  laravel: '8.83.0',
  opcache: false,
  peakMemoryBytes: 10_000_000,
};

function result(runs: RunResult[] = RUNS): BenchResult {
  const ratios = computeRatios(runs);
  const comparisons = compareWithCeiling(runs, CEILING);
  return {
    schema: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    elapsedSeconds: 60,
    mode: 'quick',
    options: {
      quick: true,
      rounds: 1,
      durationSeconds: 1.5,
      warmupSeconds: 0.5,
      connections: 16,
      scenarios: ['hello', 'laravel-json', 'static'],
      peers: ['ours', 'nginx-fpm', 'artisan-serve'],
      threadsSweep: false,
      threadCounts: [],
      poolMax: 10,
      soak: false,
      soakRequests: 1_000_000,
    },
    machine: {
      cores: 2,
      cpuModel: 'cpu',
      totalMemoryBytes: 1,
      kernel: '6',
      node: 'v20',
      php: 'PHP 8.2',
      nginx: 'nginx/1.22',
      phpFpm: 'PHP 8.2 (fpm-fcgi)',
      loadAverageAtStart: 0.5,
    },
    runs,
    ratios,
    ceiling: { status: 'ok', reason: '', result: CEILING },
    ceilingComparison: comparisons,
    targets: computeTargets(runs, ratios, comparisons),
    soak: null,
  };
}

describe('ratios', () => {
  it('divides ours by theirs', () => {
    expect(ratio(3000, 600)).toBe(5);
    expect(ratio(0, 0)).toBe(1);
    expect(ratio(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('compares every measured ours run with every other measured peer in the same scenario', () => {
    const ratios = computeRatios(RUNS);
    expect(ratios.map((r) => `${r.scenario}:${r.ours}/${r.peer}`)).toEqual([
      'laravel-json:ours/nginx-fpm',
      'laravel-json:ours/artisan-serve',
      'hello:ours/nginx-fpm',
    ]);
    const fpm = ratios[0]!;
    expect(fpm.rpsRatio).toBe(5);
    expect(fpm.p99Ratio).toBe(0.25);
    expect(fpm.cpuRatio).toBeCloseTo(0.05);
  });

  it('keeps each configuration of a thread sweep apart', () => {
    const runs = [
      ok('hello', 'ours', runMetrics(10_000, 2, 0.1), 'ours (threads=0)'),
      ok('hello', 'ours', runMetrics(20_000, 2, 0.1), 'ours (threads=2)'),
      ok('hello', 'nginx-fpm', runMetrics(20_000, 4, 0.1)),
    ];
    expect(computeRatios(runs).map((r) => [r.ours, r.rpsRatio])).toEqual([
      ['ours (threads=0)', 0.5],
      ['ours (threads=2)', 1],
    ]);
  });

  it('compares CPU per request with the in-process ceiling (s per 1000 requests = ms per request)', () => {
    const c = compareWithCeiling(RUNS, CEILING);
    expect(c.map((x) => x.peer)).toEqual(['ours', 'nginx-fpm', 'artisan-serve']);
    expect(c[0]!.cpuMsPerRequest).toBe(0.15);
    expect(c[0]!.ratio).toBeCloseTo(1.5);
    expect(compareWithCeiling(RUNS, null)).toEqual([]);
  });

  it('checks the spec targets', () => {
    const targets = result().targets;
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['laravel-json req/s vs nginx-fpm']).toMatchObject({ status: 'measured', value: 5, met: false, goal: '>= 10' });
    expect(byName['laravel-json p99 vs nginx-fpm']).toMatchObject({ value: 0.25, met: true });
    expect(byName['hello req/s vs nginx-fpm']).toMatchObject({ value: 1.5, met: false, goal: '>= 2' });
    expect(byName['laravel-json CPU per request vs in-process ceiling']).toMatchObject({ goal: '<= 3', met: true }); // 1.5x
    const unmeasured = computeTargets([ok('static', 'ours', runMetrics(1, 1, 1))], [], []);
    expect(unmeasured.every((t) => t.status === 'not measured' && t.value === null && t.met === null)).toBe(true);
  });
});

describe('formatting', () => {
  it('formats numbers, milliseconds and ratios', () => {
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatMs(1.234)).toBe('1.23');
    expect(formatMs(12.34)).toBe('12.3');
    expect(formatMs(1234.5)).toBe('1,235');
    expect(formatRatio(5)).toBe('5.00×');
    expect(formatRatio(12.345)).toBe('12.3×');
    expect(formatRatio(Infinity)).toBe('∞');
  });

  it('pads columns to the widest cell, numbers to the right', () => {
    const text = formatTable(['name', 'peer', 'value'], [['a', 'ours', '1'], ['long name', 'x', '1,000']]);
    const lines = text.split('\n');
    expect(lines).toEqual(['name       peer  value', '---------  ----  -----', 'a          ours      1', 'long name  x     1,000']);
  });

  it('prints one row per scenario and peer, with the reason for runs not measured', () => {
    const lines = runsTable(RUNS).split('\n');
    expect(lines).toHaveLength(2 + RUNS.length);
    expect(lines[0]).toMatch(/^scenario\s+peer\s+req\/s\s+p50 ms\s+p99 ms\s+max ms\s+errors\s+non-2xx\s+CPU s\/1k req\s+peak RSS MB\s+other CPU\s+status$/);
    expect(lines[2]).toMatch(/^laravel-json\s+ours\s+3,000\s+3\.33\s+10\.0\s+20\.0\s+0\s+0\s+0\.150\s+300\.0\s+5%\s+ok$/);
    expect(lines.find((l) => l.startsWith('static') && l.includes('ours'))).toMatch(/unsupported: 404/);
  });

  it('prints ratios as ours vs peer', () => {
    const text = ratiosTable(computeRatios(RUNS));
    expect(text).toMatch(/laravel-json\s+ours vs nginx-fpm\s+5\.00×\s+0\.25×\s+0\.05×/);
  });

  it('flags measurements disturbed by other work on the machine', () => {
    const noisy = ok('laravel-json', 'ours', { ...runMetrics(3000, 10, 0.15), otherCpuPercent: 40 });
    expect(runsTable([noisy])).toMatch(/40%\s+ok \(noisy\)$/m);
    expect(formatReport(result([noisy]))).toMatch(/noisy: other processes used more than 15%/);
    expect(formatReport(result())).not.toMatch(/noisy/);
  });

  it('puts runs, ratios, the ceiling and the targets in the report', () => {
    const text = formatReport(result());
    expect(text).toContain('ours vs nginx-fpm');
    expect(text).toContain('in-process ceiling');
    expect(text).toContain('laravel-json req/s vs nginx-fpm');
  });
});

describe('the JSON result', () => {
  it('has every field filled when every measured run has its metrics', () => {
    const r = result();
    expect(missingFields(r)).toEqual([]);
    // …and still after a trip through JSON, as written to disk.
    expect(missingFields(JSON.parse(JSON.stringify(r)) as BenchResult)).toEqual([]);
  });

  it('points at fields that are not filled', () => {
    const r = result();
    const broken = JSON.parse(JSON.stringify(r)) as BenchResult;
    (broken.runs[0]!.metrics as unknown as Record<string, unknown>)['cpuSecondsPer1kRequests'] = null;
    broken.runs[1]!.metrics = null;
    (broken.runs[2]!.metrics!.latencyMs as unknown as Record<string, unknown>)['p99'] = undefined;
    broken.runs[5]!.reason = '';
    broken.ceiling.result = null;
    (broken.machine as unknown as Record<string, unknown>)['php'] = '';
    expect(missingFields(broken)).toEqual(
      expect.arrayContaining([
        'runs[0].metrics.cpuSecondsPer1kRequests',
        'runs[1].metrics',
        'runs[2].metrics.latencyMs.p99',
        'runs[5].reason',
        'ceiling.result',
        'machine.php',
      ]),
    );
  });

  it('allows no metrics for runs that were not measured, and no soak outside a soak run', () => {
    const r = result();
    expect(r.runs.some((x) => x.metrics === null)).toBe(true);
    expect(r.soak).toBeNull();
    expect(missingFields(r)).toEqual([]);
    const soakRun = { ...r, options: { ...r.options, soak: true } };
    expect(missingFields(soakRun)).toContain('soak');
  });
});
