import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../../bench/load-worker.js';
import { pageBytes, type ProcStat } from '../../bench/proc.js';
import { sampleServer, summarizeSoak, type SoakSample } from '../../bench/soak.js';

const MB = 1024 * 1024;
const load: LoadSummary = {
  durationSeconds: 100,
  responses: 1000,
  ok2xx: 1000,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  requestsPerSec: 10,
  latencyMs: { p50: 1, p99: 2, max: 3, mean: 1 },
  statusCodes: { '200': 1000 },
};
const sample = (t: number, requests: number, node: number, php: Array<[number, number]>): SoakSample => ({
  t,
  requests,
  nodeRssBytes: node * MB,
  php: php.map(([pid, rss]) => ({ pid, rssBytes: rss * MB })),
});

describe('soak summary', () => {
  it('reports Node RSS start/steady/end/max and judges flatness from the steady point', () => {
    const s = summarizeSoak(
      [sample(0, 0, 80, [[1, 30], [2, 30]]), sample(5, 100, 100, [[1, 35], [2, 36]]), sample(10, 600, 104, [[1, 38], [2, 39]]), sample(15, 1000, 105, [[1, 38], [2, 40]])],
      load,
    );
    expect(s.node).toEqual({
      startRssBytes: 80 * MB,
      steadyRssBytes: 100 * MB,
      endRssBytes: 105 * MB,
      maxRssBytes: 105 * MB,
      growthPercent: 31.25,
      steadyGrowthPercent: 5,
      flatWithin10Percent: true,
    });
    expect(s.php.recycled).toBe(false);
    expect(s.php.workersSeen).toBe(2);
    expect(s.php.maxWorkerRssBytes).toBe(40 * MB);
    expect(s.php.maxTotalRssBytes).toBe(78 * MB);
    expect(s.samples).toHaveLength(4);
  });

  it('notices recycled workers: PIDs that go and new ones that come', () => {
    const s = summarizeSoak([sample(0, 0, 80, [[1, 30], [2, 30]]), sample(5, 500, 80, [[2, 31], [3, 20]]), sample(10, 1000, 80, [[3, 25], [4, 20]])], load);
    expect(s.php).toMatchObject({ workersSeen: 4, workersAtStart: 2, workersAtEnd: 2, replacedWorkers: 2, recycled: true });
  });

  it('finds the server and its PHP workers in the process table', () => {
    const p = (pid: number, ppid: number, rssPages: number): ProcStat => ({ pid, comm: 'x', state: 'S', ppid, pgrp: pid, utime: 0, stime: 0, cutime: 0, cstime: 0, rssPages });
    const s = sampleServer(100, [p(1, 0, 1), p(100, 1, 1000), p(101, 100, 200), p(102, 100, 300), p(200, 1, 5)], 3, 42);
    expect(s).toEqual({ t: 3, requests: 42, nodeRssBytes: 1000 * pageBytes(), php: [{ pid: 101, rssBytes: 200 * pageBytes() }, { pid: 102, rssBytes: 300 * pageBytes() }] });
  });

  it('needs at least one sample', () => {
    expect(() => summarizeSoak([], load)).toThrow(/no samples/);
  });
});
