/**
 * `npm run bench`: our server against nginx + php-fpm and `php artisan serve` on the same app,
 * machine and run. Prints progress and a table, writes bench/results/<timestamp>.json and .svg
 * and copies them to latest.json / latest.svg. See bench/README.md.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCeiling } from './ceiling.js';
import { renderChart } from './chart.js';
import { CliError, parseOptions, USAGE, type BenchOptions } from './cli.js';
import { machineInfo } from './machine.js';
import { BENCH_APP, BENCH_APP_LABEL, benchAppMissing } from './paths.js';
import { runMatrix } from './matrix.js';
import { medianCeiling, mergeRounds } from './rounds.js';
import { installCleanupHandlers, stopAll } from './processes.js';
import {
  compareWithCeiling,
  computeRatios,
  computeTargets,
  formatReport,
  missingFields,
  modeOf,
  resultOptions,
  type BenchResult,
  type CeilingSection,
  type RunResult,
} from './report.js';
import { runSoak, type SoakResult } from './soak.js';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** 2025-01-31T12:34:56.789Z → 2025-01-31T12-34-56.789Z (no colons in file names). */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

async function ceilingSection(options: BenchOptions): Promise<CeilingSection> {
  if (options.soak) return { status: 'skipped', reason: 'not measured in a soak run', result: null };
  if (options.ceilingIterations === 0) return { status: 'skipped', reason: '--ceiling 0', result: null };
  log(`measuring the in-process ceiling (${options.ceilingIterations.toLocaleString('en-US')} × GET /api/ping in one PHP process)...`);
  try {
    const result = await runCeiling(options.ceilingIterations);
    log(`  ceiling: ${result.cpuMsPerRequest.toFixed(3)} ms CPU per request (${Math.round(result.requestsPerCpuSecond).toLocaleString('en-US')} req/s per core)`);
    return { status: 'ok', reason: '', result };
  } catch (err) {
    log(`  ceiling failed: ${(err as Error).message}`);
    return { status: 'failed', reason: (err as Error).message, result: null };
  }
}

function writeResults(result: BenchResult, outDir: string): { json: string; svg: string | null } {
  mkdirSync(outDir, { recursive: true });
  const stamp = fileStamp(new Date(result.startedAt));
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (result.mode === 'soak') {
    const json = join(outDir, `${stamp}-soak.json`);
    writeFileSync(json, text);
    copyFileSync(json, join(outDir, 'latest-soak.json'));
    return { json, svg: null };
  }
  const json = join(outDir, `${stamp}.json`);
  const svg = join(outDir, `${stamp}.svg`);
  writeFileSync(json, text);
  writeFileSync(svg, renderChart(result.runs, `npm run bench (${result.mode}), ${result.startedAt}, ${result.machine.cores} cores`));
  copyFileSync(json, join(outDir, 'latest.json'));
  copyFileSync(svg, join(outDir, 'latest.svg'));
  return { json, svg };
}

function formatSoak(soak: SoakResult): string {
  const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;
  const pct = (p: number): string => `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
  return [
    `soak: ${soak.requests.toLocaleString('en-US')} requests in ${soak.durationSeconds.toFixed(0)} s (${Math.round(soak.requestsPerSec).toLocaleString('en-US')} req/s), ` +
      `${soak.non2xx} non-2xx, ${soak.errors} errors, p99 ${soak.latencyMs.p99.toFixed(2)} ms`,
    `  node RSS: start ${mb(soak.node.startRssBytes)}, after 10% of the requests ${mb(soak.node.steadyRssBytes)}, end ${mb(soak.node.endRssBytes)}, max ${mb(soak.node.maxRssBytes)}; ` +
      `${pct(soak.node.growthPercent)} from start, ${pct(soak.node.steadyGrowthPercent)} from 10%: ${soak.node.flatWithin10Percent ? 'flat within 10%' : 'NOT flat'}`,
    `  PHP workers: ${soak.php.workersAtStart} at start, ${soak.php.workersAtEnd} at end, ${soak.php.workersSeen} PIDs seen, ` +
      `${soak.php.replacedWorkers} replacements: ${soak.php.recycled ? 'recycling happened' : 'no recycling'}`,
    `  PHP RSS: largest worker ${mb(soak.php.maxWorkerRssBytes)}; all workers start ${mb(soak.php.startTotalRssBytes)}, end ${mb(soak.php.endTotalRssBytes)}, max ${mb(soak.php.maxTotalRssBytes)}`,
  ].join('\n');
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    log(USAGE);
    return 0;
  }
  installCleanupHandlers(log);
  const startedAt = new Date();
  const mode = modeOf(options);
  log(
    options.soak
      ? `bench (soak): ${options.soakRequests.toLocaleString('en-US')} requests to ours on laravel-json, ${options.connections} connections`
      : `bench (${mode}): scenarios ${options.scenarios.join(', ')}; peers ${options.peers.join(', ')}` +
          `${options.threadsSweep ? ` (ours with WORKER_THREADS = ${options.threadCounts.join(', ')})` : ''}; ` +
          `${options.durationSeconds}s measured + ${options.warmupSeconds}s warm-up, ${options.connections} connections, ${options.poolMax} PHP processes per peer`,
  );
  const missingApp = benchAppMissing();
  if (missingApp) {
    process.stderr.write(`bench: ${missingApp}\n`);
    return 1;
  }
  log(`app: ${BENCH_APP_LABEL}, ${BENCH_APP}`);
  const machine = machineInfo();
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), load ${machine.loadAverageAtStart.toFixed(2)}, node ${machine.node}, ${machine.php}, ${machine.nginx}`);

  let runs: RunResult[] = [];
  let soak: SoakResult | null = null;
  let ceiling: CeilingSection;
  try {
    if (options.soak) {
      ceiling = await ceilingSection(options);
      soak = await runSoak(options, log);
    } else {
      // Rounds one after the other, each with its own ceiling: every peer's samples spread over the same minutes.
      const ceilings: CeilingSection[] = [];
      const rounds: RunResult[][] = [];
      for (let round = 1; round <= options.rounds; round++) {
        if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
        ceilings.push(await ceilingSection(options));
        rounds.push(await runMatrix(options, log));
      }
      ceiling = medianCeiling(ceilings);
      runs = mergeRounds(rounds);
    }
  } finally {
    await stopAll();
  }

  const ratios = computeRatios(runs);
  const ceilingComparison = compareWithCeiling(runs, ceiling.result);
  const finishedAt = new Date();
  const result: BenchResult = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    elapsedSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    mode,
    options: resultOptions(options),
    machine,
    runs,
    ratios,
    ceiling,
    ceilingComparison,
    targets: computeTargets(runs, ratios, ceilingComparison),
    soak,
  };
  const files = writeResults(result, options.outDir);

  log('');
  log(soak ? formatSoak(soak) : formatReport(result));
  log('');
  const missing = missingFields(result);
  if (missing.length) log(`warning: result fields not filled: ${missing.join(', ')}`);
  log(`results: ${files.json}${files.svg ? `\nchart:   ${files.svg}` : ''}  (${result.elapsedSeconds.toFixed(0)} s)`);
  const failed = runs.filter((r) => r.status === 'failed');
  if (failed.length) log(`${failed.length} scenario/peer pair(s) failed: ${failed.map((r) => `${r.scenario} on ${r.peer}`).join(', ')}`);
  return failed.length || missing.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
