/**
 * The command line of `npm run bench`: flags parsed with node:util parseArgs, defaults for the
 * full run and for --quick, validated with messages that name the flag and the bad value.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OUT_DIR } from './paths.js';

export const SCENARIO_NAMES = ['hello', 'laravel-json', 'post-1k', 'response-64k', 'static', 'upload-1m', 'cached', 'compressed'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];
export const PEER_NAMES = ['ours', 'nginx-fpm', 'artisan-serve'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export interface BenchOptions {
  quick: boolean;
  /** Measured seconds per scenario and peer. */
  durationSeconds: number;
  /** Unmeasured load before each measurement. */
  warmupSeconds: number;
  connections: number;
  scenarios: ScenarioName[];
  peers: PeerName[];
  /** Run our server once per thread count (WORKER_THREADS) instead of once with its default. */
  threadsSweep: boolean;
  threadCounts: number[];
  soak: boolean;
  soakRequests: number;
  soakSampleSeconds: number;
  /** SOCKET_POOL_MAX for our server, pm.max_children for php-fpm, PHP_CLI_SERVER_WORKERS for artisan serve. */
  poolMax: number;
  /** Loop iterations of bench/php/ceiling.php (0 = skip the ceiling). */
  ceilingIterations: number;
  /** The matrix and the ceiling measured this many times, each pair reported by its median round (bench/rounds.ts). */
  rounds: number;
  outDir: string;
  help: boolean;
}

export class CliError extends Error {}

export const FULL_DEFAULTS = { durationSeconds: 10, warmupSeconds: 3, ceilingIterations: 20_000 } as const;
export const QUICK_DEFAULTS = { durationSeconds: 1.5, warmupSeconds: 0.5, ceilingIterations: 1_000 } as const;
export const DEFAULT_CONNECTIONS = 16;
export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_SOAK_REQUESTS = 1_000_000;
export const DEFAULT_SOAK_SAMPLE_SECONDS = 5;
/** What --threads-sweep measures unless --scenarios / --peers say otherwise. */
export const SWEEP_DEFAULT_SCENARIOS: ScenarioName[] = ['hello', 'laravel-json'];

export const USAGE = `Usage: npm run bench -- [options]     (or: node dist/bench/run.js [options])

  --quick                 short run (whole run under a minute): ${QUICK_DEFAULTS.durationSeconds}s measured, ${QUICK_DEFAULTS.warmupSeconds}s warm-up
  --duration <seconds>    measured seconds per scenario and peer (default ${FULL_DEFAULTS.durationSeconds})
  --warmup <seconds>      warm-up seconds before each measurement (default ${FULL_DEFAULTS.warmupSeconds})
  --connections <n>       concurrent connections of the load generator (default ${DEFAULT_CONNECTIONS})
  --scenarios <a,b>       ${SCENARIO_NAMES.join(', ')} (default: all)
  --peers <a,b>           ${PEER_NAMES.join(', ')} (default: all)
  --threads-sweep         run our server with WORKER_THREADS = 0, 1, 2 and the core count
                          (default scenarios ${SWEEP_DEFAULT_SCENARIOS.join(',')}, default peers: ours)
  --soak                  ${DEFAULT_SOAK_REQUESTS.toLocaleString('en-US')} requests to our server on laravel-json, sampling RSS
  --soak-requests <n>     requests in the soak (default ${DEFAULT_SOAK_REQUESTS})
  --soak-sample <seconds> seconds between RSS samples in the soak (default ${DEFAULT_SOAK_SAMPLE_SECONDS})
  --pool-max <n>          PHP processes per peer: SOCKET_POOL_MAX / pm.max_children / PHP_CLI_SERVER_WORKERS (default ${DEFAULT_POOL_MAX})
  --ceiling <n>           iterations of the in-process PHP ceiling, 0 to skip (default ${FULL_DEFAULTS.ceilingIterations}, quick ${QUICK_DEFAULTS.ceilingIterations})
  --rounds <n>            measure everything (and the ceiling) n times, one round after the other,
                          and report each scenario and peer by its median round (default 1)
  --out <dir>             where results go (default bench/results)
  -h, --help              this text

Environment variables such as MAX_REQUESTS or WORKER_THREADS are passed on to our server.`;

function number(flag: string, raw: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new CliError(`--${flag} must be ${kind} from ${min} to ${max}, but is "${raw}"`);
  }
  return value;
}

function list<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new CliError(`--${flag} needs at least one of ${allowed.join(', ')}`);
  const out: T[] = [];
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new CliError(`--${flag}: unknown "${item}"; allowed: ${allowed.join(', ')}`);
    }
    if (!out.includes(item as T)) out.push(item as T);
  }
  return out;
}

/** WORKER_THREADS values of the sweep: 0 (sockets on the main thread), 1, 2 and the core count. */
export function sweepThreadCounts(cores: number): number[] {
  return [...new Set([0, 1, 2, cores])].sort((a, b) => a - b);
}

export function parseOptions(argv: string[], cwd = process.cwd(), cores = availableParallelism()): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        scenarios: { type: 'string' },
        peers: { type: 'string' },
        'threads-sweep': { type: 'boolean', default: false },
        soak: { type: 'boolean', default: false },
        'soak-requests': { type: 'string' },
        'soak-sample': { type: 'string' },
        'pool-max': { type: 'string' },
        ceiling: { type: 'string' },
        rounds: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const threadsSweep = v['threads-sweep'] === true;
  const defaults = quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  const soak = v.soak === true;
  if (soak && threadsSweep) throw new CliError('--soak and --threads-sweep are separate runs: give one of them');

  return {
    quick,
    durationSeconds: number('duration', v.duration, defaults.durationSeconds, 0.5, 3600, false),
    warmupSeconds: number('warmup', v.warmup, defaults.warmupSeconds, 0, 600, false),
    connections: number('connections', v.connections, DEFAULT_CONNECTIONS, 1, 10_000, true),
    scenarios: list('scenarios', v.scenarios, SCENARIO_NAMES, soak ? ['laravel-json'] : threadsSweep ? SWEEP_DEFAULT_SCENARIOS : SCENARIO_NAMES),
    peers: list('peers', v.peers, PEER_NAMES, soak || threadsSweep ? ['ours'] : PEER_NAMES),
    threadsSweep,
    threadCounts: threadsSweep ? sweepThreadCounts(cores) : [],
    soak,
    soakRequests: number('soak-requests', v['soak-requests'], DEFAULT_SOAK_REQUESTS, 1, 1_000_000_000, true),
    soakSampleSeconds: number('soak-sample', v['soak-sample'], DEFAULT_SOAK_SAMPLE_SECONDS, 0.2, 600, false),
    poolMax: number('pool-max', v['pool-max'], DEFAULT_POOL_MAX, 1, 1024, true),
    ceilingIterations: number('ceiling', v.ceiling, defaults.ceilingIterations, 0, 10_000_000, true),
    rounds: number('rounds', v.rounds, 1, 1, 20, true),
    outDir: v.out === undefined ? DEFAULT_OUT_DIR : resolve(cwd, v.out),
    help: v.help === true,
  };
}
