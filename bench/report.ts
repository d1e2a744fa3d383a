/**
 * The result of a run: its shape, the ratios of our server to each peer, the targets of the
 * spec, the printed tables, and a check that the JSON has every field filled.
 */
import type { BenchOptions, PeerName, ScenarioName } from './cli.js';
import type { CeilingResult } from './ceiling.js';
import type { MachineInfo } from './machine.js';
import type { SoakResult } from './soak.js';

export type RunStatus = 'ok' | 'failed' | 'unsupported' | 'skipped';

export interface RunMetrics {
  /** 2xx responses per second. */
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  responses: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts seen by the load generator. */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  /** CPU (user + system) of the peer's whole process tree during the measurement. */
  cpuSeconds: number;
  cpuSecondsPer1kRequests: number;
  /** Highest sum of RSS over the peer's process tree, sampled during the measurement. */
  peakRssBytes: number;
  /** Processes in the peer's tree at the end of the measurement. */
  processes: number;
  /** CPU of the load generator (autocannon) while measuring. */
  loadGeneratorCpuSeconds: number;
  /** CPU of the whole machine (every process) while measuring. */
  machineCpuSeconds: number;
  /** Machine CPU minus the peer, the load generator and the bench: someone else's work. */
  otherCpuSeconds: number;
  /** otherCpuSeconds as a share of the machine's capacity over the measurement (all cores = 100). */
  otherCpuPercent: number;
  /** With --rounds: every round's req/s and CPU per 1k requests (these metrics are the median round's). */
  roundsRequestsPerSec?: number[];
  roundsCpuSecondsPer1kRequests?: number[];
}

/** Runs disturbed by other work on the machine above this share are flagged. */
export const NOISY_PERCENT = 15;

export interface RunResult {
  scenario: ScenarioName;
  /** Label: `ours`, `ours (threads=0)`, `nginx-fpm`, `artisan-serve`. */
  peer: string;
  peerKind: PeerName;
  status: RunStatus;
  /** Why not `ok` (empty when ok). */
  reason: string;
  /** Present exactly when status is `ok`. */
  metrics: RunMetrics | null;
}

export interface Ratio {
  scenario: ScenarioName;
  ours: string;
  peer: string;
  /** Our req/s divided by theirs: above 1 is better. */
  rpsRatio: number;
  /** Our p99 divided by theirs: below 1 is better. */
  p99Ratio: number;
  /** Our CPU per request divided by theirs: below 1 is better. */
  cpuRatio: number;
}

export interface CeilingComparison {
  scenario: ScenarioName;
  peer: string;
  cpuMsPerRequest: number;
  ceilingCpuMsPerRequest: number;
  /** The whole stack's CPU per request over the in-process ceiling's: 1.0 is the ceiling. */
  ratio: number;
}

export interface CeilingSection {
  status: 'ok' | 'failed' | 'skipped';
  reason: string;
  result: CeilingResult | null;
}

export interface Target {
  name: string;
  ours: string;
  /** e.g. ">= 5" */
  goal: string;
  status: 'measured' | 'not measured';
  value: number | null;
  met: boolean | null;
}

export interface BenchResult {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  elapsedSeconds: number;
  mode: 'full' | 'quick' | 'threads-sweep' | 'soak';
  /** The options that shape the numbers (not where files go or how often the soak samples). */
  options: Pick<
    BenchOptions,
    'quick' | 'durationSeconds' | 'warmupSeconds' | 'connections' | 'scenarios' | 'peers' | 'threadsSweep' | 'threadCounts' | 'poolMax' | 'soak' | 'soakRequests' | 'rounds'
  >;
  machine: MachineInfo;
  runs: RunResult[];
  ratios: Ratio[];
  ceiling: CeilingSection;
  ceilingComparison: CeilingComparison[];
  targets: Target[];
  soak: SoakResult | null;
}

export function resultOptions(o: BenchOptions): BenchResult['options'] {
  return {
    quick: o.quick,
    durationSeconds: o.durationSeconds,
    warmupSeconds: o.warmupSeconds,
    connections: o.connections,
    scenarios: o.scenarios,
    peers: o.peers,
    threadsSweep: o.threadsSweep,
    threadCounts: o.threadCounts,
    poolMax: o.poolMax,
    soak: o.soak,
    soakRequests: o.soakRequests,
    rounds: o.rounds,
  };
}

export function modeOf(o: BenchOptions): BenchResult['mode'] {
  return o.soak ? 'soak' : o.threadsSweep ? 'threads-sweep' : o.quick ? 'quick' : 'full';
}

export function ratio(ours: number, theirs: number): number {
  if (theirs === 0) return ours === 0 ? 1 : Number.POSITIVE_INFINITY;
  return ours / theirs;
}

const okRuns = (runs: readonly RunResult[]): Array<RunResult & { metrics: RunMetrics }> =>
  runs.filter((r): r is RunResult & { metrics: RunMetrics } => r.status === 'ok' && r.metrics !== null);

/** Every measured run of ours against every measured run of another peer, scenario by scenario. */
export function computeRatios(runs: readonly RunResult[]): Ratio[] {
  const measured = okRuns(runs);
  const out: Ratio[] = [];
  for (const ours of measured.filter((r) => r.peerKind === 'ours')) {
    for (const other of measured.filter((r) => r.peerKind !== 'ours' && r.scenario === ours.scenario)) {
      out.push({
        scenario: ours.scenario,
        ours: ours.peer,
        peer: other.peer,
        rpsRatio: ratio(ours.metrics.requestsPerSec, other.metrics.requestsPerSec),
        p99Ratio: ratio(ours.metrics.latencyMs.p99, other.metrics.latencyMs.p99),
        cpuRatio: ratio(ours.metrics.cpuSecondsPer1kRequests, other.metrics.cpuSecondsPer1kRequests),
      });
    }
  }
  return out;
}

export function compareWithCeiling(runs: readonly RunResult[], ceiling: CeilingResult | null): CeilingComparison[] {
  if (!ceiling) return [];
  return okRuns(runs)
    .filter((r) => r.scenario === 'laravel-json')
    .map((r) => {
      const cpuMsPerRequest = r.metrics.cpuSecondsPer1kRequests; // s per 1000 = ms per 1
      return {
        scenario: r.scenario,
        peer: r.peer,
        cpuMsPerRequest,
        ceilingCpuMsPerRequest: ceiling.cpuMsPerRequest,
        ratio: ratio(cpuMsPerRequest, ceiling.cpuMsPerRequest),
      };
    });
}

/** The current targets (the engine issue's, December 2026), for each configuration of ours that ran. */
export function computeTargets(runs: readonly RunResult[], ratios: readonly Ratio[], comparisons: readonly CeilingComparison[]): Target[] {
  const oursLabels = [...new Set(runs.filter((r) => r.peerKind === 'ours').map((r) => r.peer))];
  const out: Target[] = [];
  const add = (name: string, ours: string, goal: string, value: number | undefined, met: (v: number) => boolean): void => {
    out.push(
      value === undefined
        ? { name, ours, goal, status: 'not measured', value: null, met: null }
        : { name, ours, goal, status: 'measured', value, met: met(value) },
    );
  };
  for (const ours of oursLabels) {
    const vsFpm = (scenario: ScenarioName): Ratio | undefined => ratios.find((r) => r.ours === ours && r.peer === 'nginx-fpm' && r.scenario === scenario);
    add('laravel-json req/s vs nginx-fpm', ours, '>= 10', vsFpm('laravel-json')?.rpsRatio, (v) => v >= 10);
    add('laravel-json p99 vs nginx-fpm', ours, '<= 1', vsFpm('laravel-json')?.p99Ratio, (v) => v <= 1);
    add('hello req/s vs nginx-fpm', ours, '>= 2', vsFpm('hello')?.rpsRatio, (v) => v >= 2);
    add('laravel-json CPU per request vs in-process ceiling', ours, '<= 3', comparisons.find((c) => c.peer === ours)?.ratio, (v) => v <= 3);
  }
  return out;
}

/**
 * Paths of fields that are not filled: undefined, NaN, or null where a value belongs (metrics
 * of a measured run, the ceiling's result when it ran, the soak in a soak run, a measured target).
 */
export function missingFields(result: BenchResult): string[] {
  const missing: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === undefined) missing.push(path);
    else if (typeof value === 'number' && Number.isNaN(value)) missing.push(path);
    else if (typeof value === 'string' && value === '' && !path.endsWith('.reason')) missing.push(path);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(result, '');
  const nullAt = (path: string, value: unknown, allowed: boolean): void => {
    if (value === null && !allowed) missing.push(path);
  };
  const top = result as unknown as Record<string, unknown>;
  for (const key of ['startedAt', 'finishedAt', 'elapsedSeconds', 'mode', 'options', 'machine', 'runs', 'ratios', 'ceiling', 'ceilingComparison', 'targets']) {
    if (!(key in top) || top[key] === null) missing.push(key);
  }
  result.runs.forEach((r, i) => {
    nullAt(`runs[${i}].metrics`, r.metrics, r.status !== 'ok');
    if (r.status !== 'ok' && r.reason === '') missing.push(`runs[${i}].reason`);
    if (r.metrics) walkNulls(r.metrics, `runs[${i}].metrics`, missing);
  });
  nullAt('ceiling.result', result.ceiling.result, result.ceiling.status !== 'ok');
  if (result.ceiling.result) walkNulls(result.ceiling.result, 'ceiling.result', missing);
  result.targets.forEach((t, i) => {
    nullAt(`targets[${i}].value`, t.value, t.status !== 'measured');
    nullAt(`targets[${i}].met`, t.met, t.status !== 'measured');
  });
  nullAt('soak', result.soak, !result.options.soak);
  if (result.soak) walkNulls(result.soak, 'soak', missing);
  walkNulls(result.machine, 'machine', missing);
  walkNulls(result.options, 'options', missing);
  return [...new Set(missing)];
}

function walkNulls(value: unknown, path: string, missing: string[]): void {
  if (value === null) missing.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkNulls(v, `${path}[${i}]`, missing));
  else if (typeof value === 'object' && value !== undefined) for (const [k, v] of Object.entries(value)) walkNulls(v, `${path}.${k}`, missing);
}

// ---- formatting ----

export function formatNumber(n: number, decimals = 0): string {
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Milliseconds with a precision that suits the size. */
export function formatMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return formatNumber(ms, 0);
}

export function formatMb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '∞';
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`;
}

/** A plain text table: columns padded to their widest cell, numbers aligned right. */
export function formatTable(headers: string[], rows: string[][], rightAligned: boolean[] = headers.map((_, i) => i > 1)): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function runsTable(runs: readonly RunResult[]): string {
  const headers = ['scenario', 'peer', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx', 'CPU s/1k req', 'peak RSS MB', 'other CPU', 'status'];
  const rows = runs.map((r) => {
    const m = r.metrics;
    if (!m) return [r.scenario, r.peer, '-', '-', '-', '-', '-', '-', '-', '-', '-', `${r.status}: ${r.reason.split('\n')[0]?.slice(0, 70) ?? ''}`];
    return [
      r.scenario,
      r.peer,
      formatNumber(m.requestsPerSec),
      formatMs(m.latencyMs.p50),
      formatMs(m.latencyMs.p99),
      formatMs(m.latencyMs.max),
      formatNumber(m.errors + m.timeouts),
      formatNumber(m.non2xx),
      m.cpuSecondsPer1kRequests.toFixed(3),
      formatMb(m.peakRssBytes),
      `${m.otherCpuPercent.toFixed(0)}%`,
      m.otherCpuPercent > NOISY_PERCENT ? 'ok (noisy)' : 'ok',
    ];
  });
  return formatTable(headers, rows, headers.map((_, i) => i > 1 && i < headers.length - 1));
}

export function ratiosTable(ratios: readonly Ratio[]): string {
  return formatTable(
    ['scenario', 'ours vs peer', 'req/s ratio', 'p99 ratio', 'CPU/req ratio'],
    ratios.map((r) => [r.scenario, `${r.ours} vs ${r.peer}`, formatRatio(r.rpsRatio), formatRatio(r.p99Ratio), formatRatio(r.cpuRatio)]),
  );
}

export function ceilingTable(section: CeilingSection, comparisons: readonly CeilingComparison[]): string {
  if (!section.result) return `ceiling: ${section.status}${section.reason ? `: ${section.reason}` : ''}`;
  const c = section.result;
  const rounds = c.roundsCpuMsPerRequest ? ` (median of ${c.roundsCpuMsPerRequest.map((v) => v.toFixed(3)).join(' / ')} ms)` : '';
  const head = `in-process ceiling (bench/php/ceiling.php, ${formatNumber(c.iterations)} × GET /api/ping in one PHP process): ${c.cpuMsPerRequest.toFixed(3)} ms CPU per request${rounds} = ${formatNumber(c.requestsPerCpuSecond)} req/s per core`;
  if (comparisons.length === 0) return head;
  return `${head}\n${formatTable(
    ['scenario', 'peer', 'CPU ms/req', 'ceiling ms/req', 'stack / ceiling'],
    comparisons.map((x) => [x.scenario, x.peer, x.cpuMsPerRequest.toFixed(3), x.ceilingCpuMsPerRequest.toFixed(3), formatRatio(x.ratio)]),
  )}`;
}

/** The measured targets; the others are counted in one line. */
export function targetsTable(targets: readonly Target[]): string {
  const measured = targets.filter((t) => t.status === 'measured');
  const table = formatTable(
    ['target', 'ours', 'goal', 'value', 'met'],
    measured.map((t) => [t.name, t.ours, t.goal, t.value === null ? '-' : formatRatio(t.value), t.met ? 'yes' : 'NO']),
    [false, false, false, true, false],
  );
  const rest = targets.length - measured.length;
  return rest > 0 ? `${table}
(${rest} target(s) not measured in this run: they need nginx-fpm and the hello / laravel-json scenarios)` : table;
}

/** With --rounds: every round's req/s and CPU per 1k requests behind each median above; null without. */
export function roundsTable(runs: readonly RunResult[]): string | null {
  const rows = runs.flatMap((r) => {
    const m = r.metrics;
    if (!m?.roundsRequestsPerSec || !m.roundsCpuSecondsPer1kRequests) return [];
    return [[r.scenario, r.peer, m.roundsRequestsPerSec.map((v) => formatNumber(v)).join(' / '), m.roundsCpuSecondsPer1kRequests.map((v) => v.toFixed(3)).join(' / ')]];
  });
  if (rows.length === 0) return null;
  return `each scenario and peer above is its median round of ${runs.find((r) => r.metrics?.roundsRequestsPerSec)!.metrics!.roundsRequestsPerSec!.length}:\n${formatTable(['scenario', 'peer', 'req/s per round', 'CPU s/1k req per round'], rows)}`;
}

/** Everything printed at the end of a run. */
export function formatReport(result: BenchResult): string {
  const parts = [runsTable(result.runs)];
  const noisy = result.runs.filter((r) => r.metrics && r.metrics.otherCpuPercent > NOISY_PERCENT);
  if (noisy.length) {
    parts[0] += `\n(noisy: other processes used more than ${NOISY_PERCENT}% of the machine during ${noisy.length} measurement(s); "other CPU" column. Compare with care or run again.)`;
  }
  const rounds = roundsTable(result.runs);
  if (rounds !== null) parts.push(rounds);
  if (result.ratios.length) parts.push(ratiosTable(result.ratios));
  parts.push(ceilingTable(result.ceiling, result.ceilingComparison));
  if (result.targets.some((t) => t.status === 'measured')) parts.push(targetsTable(result.targets));
  return parts.join('\n\n');
}
