/**
 * The soak: a million requests to our server on the Laravel JSON route, sampling Node's RSS and
 * each PHP worker's RSS from /proc every few seconds, and noticing recycled workers (PIDs that
 * go away and new ones that appear).
 */
import type { BenchOptions } from './cli.js';
import { runLoad } from './load.js';
import type { LoadSummary } from './load-worker.js';
import { startOurs } from './peers/ours.js';
import { listProcesses, pageBytes, processTree, type ProcStat } from './proc.js';

export interface SoakSample {
  /** Seconds since the measured part started. */
  t: number;
  /** Responses so far (progress reported by the load generator). */
  requests: number;
  nodeRssBytes: number;
  php: Array<{ pid: number; rssBytes: number }>;
}

export interface SoakResult {
  requests: number;
  durationSeconds: number;
  requestsPerSec: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  node: {
    /** First sample, right after the warm-up. */
    startRssBytes: number;
    /** First sample after a tenth of the requests: heaps and JIT have settled. */
    steadyRssBytes: number;
    endRssBytes: number;
    maxRssBytes: number;
    /** start → end */
    growthPercent: number;
    /** steady → end: what "flat" is judged on. */
    steadyGrowthPercent: number;
    flatWithin10Percent: boolean;
  };
  php: {
    /** Distinct PHP worker PIDs seen during the soak. */
    workersSeen: number;
    workersAtStart: number;
    workersAtEnd: number;
    /** Workers that appeared after the first sample (replacements of recycled ones). */
    replacedWorkers: number;
    recycled: boolean;
    /** Largest RSS of a single PHP worker. */
    maxWorkerRssBytes: number;
    startTotalRssBytes: number;
    endTotalRssBytes: number;
    maxTotalRssBytes: number;
  };
  samples: SoakSample[];
}

/** One sample: the server's own RSS and each descendant's (its PHP workers). */
export function sampleServer(nodePid: number, table: readonly ProcStat[] = listProcesses(), t = 0, requests = 0): SoakSample {
  const tree = processTree([nodePid], table);
  const page = pageBytes();
  const node = tree.find((p) => p.pid === nodePid);
  return {
    t,
    requests,
    nodeRssBytes: (node?.rssPages ?? 0) * page,
    php: tree
      .filter((p) => p.pid !== nodePid)
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({ pid: p.pid, rssBytes: p.rssPages * page })),
  };
}

export function summarizeSoak(samples: readonly SoakSample[], load: LoadSummary): SoakResult {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) throw new Error('the soak took no samples');
  const seen = new Set<number>();
  for (const s of samples) for (const p of s.php) seen.add(p.pid);
  const initial = new Set(first.php.map((p) => p.pid));
  const replaced = [...seen].filter((pid) => !initial.has(pid)).length;
  const total = (s: SoakSample): number => s.php.reduce((a, p) => a + p.rssBytes, 0);
  const growthOf = (from: number): number => (from > 0 ? ((last.nodeRssBytes - from) / from) * 100 : 0);
  const total10 = load.responses / 10;
  const steady = samples.find((s) => s.requests >= total10 && s.requests > 0) ?? first;
  const steadyGrowth = growthOf(steady.nodeRssBytes);
  const endPids = new Set(last.php.map((p) => p.pid));
  const vanished = [...initial].filter((pid) => !endPids.has(pid)).length;
  return {
    requests: load.responses,
    durationSeconds: load.durationSeconds,
    requestsPerSec: load.requestsPerSec,
    ok2xx: load.ok2xx,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
    latencyMs: load.latencyMs,
    node: {
      startRssBytes: first.nodeRssBytes,
      steadyRssBytes: steady.nodeRssBytes,
      endRssBytes: last.nodeRssBytes,
      maxRssBytes: Math.max(...samples.map((s) => s.nodeRssBytes)),
      growthPercent: growthOf(first.nodeRssBytes),
      steadyGrowthPercent: steadyGrowth,
      flatWithin10Percent: steadyGrowth <= 10,
    },
    php: {
      workersSeen: seen.size,
      workersAtStart: first.php.length,
      workersAtEnd: last.php.length,
      replacedWorkers: replaced,
      recycled: replaced > 0 || vanished > 0,
      maxWorkerRssBytes: Math.max(0, ...samples.flatMap((s) => s.php.map((p) => p.rssBytes))),
      startTotalRssBytes: total(first),
      endTotalRssBytes: total(last),
      maxTotalRssBytes: Math.max(...samples.map(total)),
    },
    samples: [...samples],
  };
}

export async function runSoak(options: BenchOptions, progress: (line: string) => void): Promise<SoakResult> {
  progress(`starting ours (SOCKET_POOL_MAX=${options.poolMax}) for the soak...`);
  const peer = await startOurs('laravel', { poolMax: options.poolMax });
  const samples: SoakSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  let requests = 0;
  const nodePid = peer.rootPids()[0]!;
  const take = (): void => {
    const s = sampleServer(nodePid, listProcesses(), (Date.now() - started) / 1000, requests);
    samples.push(s);
    const mb = (b: number): string => (b / 1048576).toFixed(1);
    progress(
      `  soak: ${requests.toLocaleString('en-US')} / ${options.soakRequests.toLocaleString('en-US')} requests, node RSS ${mb(s.nodeRssBytes)} MB, ` +
        `${s.php.length} PHP workers ${s.php.map((p) => `${p.pid}:${mb(p.rssBytes)}`).join(' ')} MB`,
    );
  };
  try {
    progress(`soak: warming (${options.warmupSeconds}s), then ${options.soakRequests.toLocaleString('en-US')} requests to GET /api/ping, sampling RSS every ${options.soakSampleSeconds}s`);
    const load = await runLoad(
      {
        baseUrl: peer.baseUrl,
        scenario: 'laravel-json',
        connections: options.connections,
        warmupSeconds: options.warmupSeconds,
        durationSeconds: 0,
        amount: options.soakRequests,
        handshake: true,
        progress: true,
        latencies: true,
      },
      {
        beforeMeasure: () => {
          started = Date.now();
          take();
          timer = setInterval(take, options.soakSampleSeconds * 1000);
        },
        onTick: (n) => {
          requests = n;
        },
      },
    );
    if (timer) clearInterval(timer);
    requests = load.responses;
    take();
    return summarizeSoak(samples, load);
  } finally {
    if (timer) clearInterval(timer);
    await peer.stop();
  }
}
