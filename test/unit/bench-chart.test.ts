import { describe, expect, it } from 'vitest';
import { escapeXml, renderChart } from '../../bench/chart.js';
import type { RunResult } from '../../bench/report.js';
import type { ScenarioName } from '../../bench/cli.js';

const run = (scenario: ScenarioName, peer: 'ours' | 'nginx-fpm' | 'artisan-serve', rps: number | null): RunResult => ({
  scenario,
  peer,
  peerKind: peer,
  status: rps === null ? 'unsupported' : 'ok',
  reason: rps === null ? 'not here' : '',
  metrics:
    rps === null
      ? null
      : {
          requestsPerSec: rps,
          latencyMs: { p50: 1, p99: 1000 / rps, max: 50, mean: 2 },
          responses: rps,
          ok2xx: rps,
          non2xx: 0,
          errors: 0,
          timeouts: 0,
          statusCodes: { '200': rps },
          durationSeconds: 1,
          cpuSeconds: 1,
          cpuSecondsPer1kRequests: 1,
          peakRssBytes: 1,
          processes: 1,
          loadGeneratorCpuSeconds: 1,
          machineCpuSeconds: 3,
          otherCpuSeconds: 0,
          otherCpuPercent: 0,
        },
});

const RUNS: RunResult[] = [
  run('hello', 'ours', 30_000),
  run('hello', 'nginx-fpm', 20_000),
  run('hello', 'artisan-serve', null),
  run('laravel-json', 'ours', 3000),
  run('laravel-json', 'nginx-fpm', 600),
  run('laravel-json', 'artisan-serve', 500),
  run('upload-1m', 'ours', 400),
  run('upload-1m', 'nginx-fpm', 250),
  run('upload-1m', 'artisan-serve', 240),
];

type Bar = { scenario: string; peer: string; metric: string; height: number; value: string };

function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<rect class="bar" ([^>]*)>/g)].map((m) => {
    const attr = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    return { scenario: attr('data-scenario'), peer: attr('data-peer'), metric: attr('data-metric'), height: Number(attr('height')), value: attr('data-value') };
  });
}

describe('the SVG chart', () => {
  const svg = renderChart(RUNS, 'test <run>');

  it('is one SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('test &lt;run&gt;');
  });

  it('has exactly one req/s bar and one p99 bar per (scenario, peer)', () => {
    for (const metric of ['rps', 'p99']) {
      const keys = bars(svg).filter((b) => b.metric === metric).map((b) => `${b.scenario}/${b.peer}`);
      expect(keys.sort()).toEqual(RUNS.map((r) => `${r.scenario}/${r.peer}`).sort());
    }
  });

  it('scales bars within each scenario, with the fastest peer the tallest', () => {
    const rps = bars(svg).filter((b) => b.metric === 'rps' && b.scenario === 'laravel-json');
    const tallest = rps.reduce((a, b) => (b.height > a.height ? b : a));
    expect(tallest.peer).toBe('ours');
    expect(rps.every((b) => b.height > 0)).toBe(true);
    expect(Number(rps.find((b) => b.peer === 'nginx-fpm')!.value)).toBe(600);
  });

  it('draws a run that was not measured as an empty bar marked n/a', () => {
    const missing = bars(svg).filter((b) => b.scenario === 'hello' && b.peer === 'artisan-serve');
    expect(missing).toHaveLength(2);
    expect(missing.every((b) => b.height === 0 && b.value === '')).toBe(true);
    expect(svg).toContain('>n/a</text>');
  });

  it('escapes text', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
