/**
 * The main loop: for each app (plain handler, Laravel) and each peer, start the peer, check each
 * scenario answers correctly, then warm up and measure it with a load worker while reading the
 * peer's process tree from /proc (CPU before and after, RSS sampled), then stop the peer.
 */
import type { BenchOptions } from './cli.js';
import { runLoad } from './load.js';
import { BENCH_APP_LABEL } from './paths.js';
import { artisanServeDriver } from './peers/artisan-serve.js';
import { nginxFpmDriver } from './peers/nginx-fpm.js';
import { oursDriver } from './peers/ours.js';
import type { App, PeerDriver, RunningPeer } from './peers/types.js';
import { cpuSeconds, processTree, readMachineCpu, RssSampler, treeCpuTicks } from './proc.js';
import type { RunMetrics, RunResult } from './report.js';
import { checkScenario, SCENARIOS, type Scenario } from './scenarios.js';

export type Progress = (line: string) => void;

export function peerDrivers(options: BenchOptions): PeerDriver[] {
  const drivers: PeerDriver[] = [];
  for (const peer of options.peers) {
    if (peer === 'ours') {
      if (options.threadsSweep) for (const threads of options.threadCounts) drivers.push(oursDriver({ poolMax: options.poolMax, threads }));
      else drivers.push(oursDriver({ poolMax: options.poolMax }));
    } else if (peer === 'nginx-fpm') drivers.push(nginxFpmDriver({ poolMax: options.poolMax }));
    else drivers.push(artisanServeDriver({ poolMax: options.poolMax }));
  }
  return drivers;
}

const firstLine = (text: string): string => text.split('\n')[0] ?? text;

export async function measure(peer: RunningPeer, scenario: Scenario, options: BenchOptions, progress: Progress): Promise<RunMetrics | string> {
  const sampler = new RssSampler(() => peer.rootPids(), 250);
  let beforeTicks = 0;
  let machineBefore = readMachineCpu();
  let benchBefore = process.cpuUsage();
  if (options.warmupSeconds > 0) progress(`  warming ${scenario.name} on ${peer.label} (${options.warmupSeconds}s)...`);
  const load = await runLoad(
    {
      baseUrl: peer.baseUrl,
      scenario: scenario.name,
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      handshake: true,
      progress: false,
      latencies: true,
    },
    {
      beforeMeasure: () => {
        beforeTicks = treeCpuTicks(processTree(peer.rootPids()));
        machineBefore = readMachineCpu();
        benchBefore = process.cpuUsage();
        sampler.start();
        progress(`  measuring ${scenario.name} on ${peer.label} (${options.durationSeconds}s, ${options.connections} connections)...`);
      },
    },
  ).catch((err: unknown) => {
    sampler.stop();
    throw err;
  });
  const tree = processTree(peer.rootPids());
  const cpu = cpuSeconds(treeCpuTicks(tree) - beforeTicks);
  const machineAfter = readMachineCpu();
  const bench = process.cpuUsage(benchBefore);
  const peak = sampler.stop();
  const machineCpu = cpuSeconds(machineAfter.busyTicks - machineBefore.busyTicks);
  const capacity = cpuSeconds(machineAfter.totalTicks - machineBefore.totalTicks);
  const other = Math.max(0, machineCpu - cpu - load.loadGeneratorCpuSeconds - (bench.user + bench.system) / 1e6);
  if (load.ok2xx === 0) {
    return `no successful response during the measurement (${load.non2xx} non-2xx, ${load.errors} errors, status codes ${JSON.stringify(load.statusCodes)})`;
  }
  return {
    requestsPerSec: load.requestsPerSec,
    latencyMs: load.latencyMs,
    responses: load.responses,
    ok2xx: load.ok2xx,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
    statusCodes: load.statusCodes,
    durationSeconds: load.durationSeconds,
    cpuSeconds: cpu,
    cpuSecondsPer1kRequests: (cpu / Math.max(1, load.responses)) * 1000,
    peakRssBytes: peak,
    processes: tree.length,
    loadGeneratorCpuSeconds: load.loadGeneratorCpuSeconds,
    machineCpuSeconds: machineCpu,
    otherCpuSeconds: other,
    otherCpuPercent: capacity > 0 ? (other / capacity) * 100 : 0,
  };
}

async function runPeer(driver: PeerDriver, app: App, scenarios: Scenario[], options: BenchOptions, progress: Progress): Promise<RunResult[]> {
  const results: RunResult[] = [];
  const record = (scenario: Scenario, status: RunResult['status'], reason: string, metrics: RunMetrics | null = null): void => {
    results.push({ scenario: scenario.name, peer: driver.label, peerKind: driver.kind, status, reason, metrics });
  };
  const missing = driver.missing();
  if (missing) {
    progress(`skipping ${driver.label}: ${missing}`);
    for (const s of scenarios) record(s, 'skipped', missing);
    return results;
  }
  const todo: Scenario[] = [];
  for (const s of scenarios) {
    const why = driver.unsupported(s);
    if (why) record(s, 'unsupported', why);
    else todo.push(s);
  }
  if (todo.length === 0) return results;

  progress(`starting ${driver.label} (${app === 'hello' ? 'plain PHP handler' : BENCH_APP_LABEL})...`);
  let peer: RunningPeer;
  try {
    peer = await driver.start(app);
  } catch (err) {
    const reason = `could not start: ${(err as Error).message}`;
    progress(`  ${driver.label} failed to start: ${(err as Error).message}`);
    for (const s of todo) record(s, 'failed', reason);
    return results;
  }
  try {
    for (const scenario of todo) {
      progress(`  checking ${scenario.name} on ${peer.label}...`);
      const check = await checkScenario(peer.baseUrl, scenario);
      if (!check.ok) {
        progress(`  ${scenario.name} on ${peer.label}: ${check.unsupported ? 'unsupported' : 'FAILED the check'}: ${firstLine(check.reason)}`);
        record(scenario, check.unsupported ? 'unsupported' : 'failed', check.reason);
        continue;
      }
      try {
        const outcome = await measure(peer, scenario, options, progress);
        if (typeof outcome === 'string') {
          progress(`  ${scenario.name} on ${peer.label}: FAILED: ${outcome}`);
          record(scenario, 'failed', outcome);
        } else {
          const m = outcome;
          progress(`  ${scenario.name} on ${peer.label}: ${Math.round(m.requestsPerSec).toLocaleString('en-US')} req/s, p99 ${m.latencyMs.p99.toFixed(2)} ms, ${m.non2xx + m.errors} non-2xx/errors`);
          record(scenario, 'ok', '', m);
        }
      } catch (err) {
        progress(`  ${scenario.name} on ${peer.label}: FAILED: ${(err as Error).message}`);
        record(scenario, 'failed', (err as Error).message);
      }
    }
  } finally {
    progress(`stopping ${peer.label}...`);
    await peer.stop();
  }
  return results;
}

/** Every selected scenario on every selected peer; results ordered by scenario, then peer. */
export async function runMatrix(options: BenchOptions, progress: Progress): Promise<RunResult[]> {
  const drivers = peerDrivers(options);
  const scenarios = options.scenarios.map((name) => SCENARIOS[name]);
  const results: RunResult[] = [];
  for (const app of ['hello', 'laravel', 'laravel-cached'] as const) {
    const appScenarios = scenarios.filter((s) => s.app === app);
    if (appScenarios.length === 0) continue;
    for (const driver of drivers) results.push(...(await runPeer(driver, app, appScenarios, options, progress)));
  }
  const scenarioOrder = (r: RunResult): number => options.scenarios.indexOf(r.scenario);
  const peerOrder = (r: RunResult): number => drivers.findIndex((d) => d.label === r.peer);
  return results.sort((a, b) => scenarioOrder(a) - scenarioOrder(b) || peerOrder(a) - peerOrder(b));
}
