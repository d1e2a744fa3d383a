import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CliError,
  DEFAULT_CONNECTIONS,
  DEFAULT_POOL_MAX,
  FULL_DEFAULTS,
  PEER_NAMES,
  parseOptions,
  QUICK_DEFAULTS,
  SCENARIO_NAMES,
  sweepThreadCounts,
} from '../../bench/cli.js';
import { DEFAULT_OUT_DIR } from '../../bench/paths.js';

const parse = (...argv: string[]) => parseOptions(argv, '/some/cwd', 2);

function error(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as Error).message;
  }
  throw new Error('expected a CliError');
}

describe('bench command line', () => {
  it('defaults to the full run: every scenario on every peer', () => {
    const o = parse();
    expect(o.quick).toBe(false);
    expect(o.durationSeconds).toBe(FULL_DEFAULTS.durationSeconds);
    expect(o.warmupSeconds).toBe(FULL_DEFAULTS.warmupSeconds);
    expect(o.ceilingIterations).toBe(FULL_DEFAULTS.ceilingIterations);
    expect(o.connections).toBe(DEFAULT_CONNECTIONS);
    expect(o.scenarios).toEqual([...SCENARIO_NAMES]);
    expect(o.peers).toEqual([...PEER_NAMES]);
    expect(o.poolMax).toBe(DEFAULT_POOL_MAX);
    expect(o.threadsSweep).toBe(false);
    expect(o.threadCounts).toEqual([]);
    expect(o.soak).toBe(false);
    expect(o.soakRequests).toBe(1_000_000);
    expect(o.outDir).toBe(DEFAULT_OUT_DIR);
    expect(o.help).toBe(false);
  });

  it('keeps a full run under five minutes and a quick one under a minute (time budget of the defaults)', () => {
    const perPair = (o: { durationSeconds: number; warmupSeconds: number }) => o.durationSeconds + o.warmupSeconds;
    // 17 measured pairs at most (artisan serve has no plain handler), plus starts and checks.
    expect(17 * perPair(FULL_DEFAULTS)).toBeLessThan(250);
    expect(17 * perPair(QUICK_DEFAULTS)).toBeLessThan(40);
  });

  it('--quick shortens durations, explicit flags still win', () => {
    const q = parse('--quick');
    expect(q.quick).toBe(true);
    expect(q.durationSeconds).toBe(QUICK_DEFAULTS.durationSeconds);
    expect(q.warmupSeconds).toBe(QUICK_DEFAULTS.warmupSeconds);
    expect(q.ceilingIterations).toBe(QUICK_DEFAULTS.ceilingIterations);
    const o = parse('--quick', '--duration', '2', '--warmup', '1', '--connections', '32');
    expect([o.durationSeconds, o.warmupSeconds, o.connections]).toEqual([2, 1, 32]);
  });

  it('parses scenario and peer lists, dropping repeats and keeping the given order', () => {
    const o = parse('--scenarios', 'upload-1m, laravel-json,upload-1m', '--peers=nginx-fpm,ours');
    expect(o.scenarios).toEqual(['upload-1m', 'laravel-json']);
    expect(o.peers).toEqual(['nginx-fpm', 'ours']);
  });

  it('resolves --out against the working directory', () => {
    expect(parse('--out', 'results').outDir).toBe(join('/some/cwd', 'results'));
    expect(parse('--out', '/tmp/x').outDir).toBe('/tmp/x');
  });

  it('--threads-sweep runs ours with 0, 1, 2 and the core count threads, on hello and laravel-json by default', () => {
    const o = parse('--threads-sweep');
    expect(o.threadsSweep).toBe(true);
    expect(o.threadCounts).toEqual([0, 1, 2]);
    expect(o.peers).toEqual(['ours']);
    expect(o.scenarios).toEqual(['hello', 'laravel-json']);
    expect(parseOptions(['--threads-sweep'], '/', 8).threadCounts).toEqual([0, 1, 2, 8]);
    expect(sweepThreadCounts(1)).toEqual([0, 1, 2]);
    expect(parse('--threads-sweep', '--peers', 'ours,nginx-fpm').peers).toEqual(['ours', 'nginx-fpm']);
  });

  it('--soak targets ours on laravel-json and takes its own request count', () => {
    const o = parse('--soak', '--soak-requests', '5000', '--soak-sample', '1');
    expect(o.soak).toBe(true);
    expect(o.peers).toEqual(['ours']);
    expect(o.scenarios).toEqual(['laravel-json']);
    expect(o.soakRequests).toBe(5000);
    expect(o.soakSampleSeconds).toBe(1);
  });

  it('rejects bad values with the flag and the value in the message', () => {
    expect(error('--duration', 'abc')).toMatch(/--duration .*"abc"/);
    expect(error('--duration', '0')).toMatch(/--duration/);
    expect(error('--connections', '1.5')).toMatch(/--connections must be an integer/);
    expect(error('--scenarios', 'hello,nope')).toMatch(/unknown "nope"/);
    expect(error('--peers', 'apache')).toMatch(/--peers: unknown "apache"; allowed: ours, nginx-fpm, artisan-serve/);
    expect(error('--scenarios', ',')).toMatch(/at least one/);
    expect(error('--bogus')).toMatch(/bogus/);
    expect(error('--soak', '--threads-sweep')).toMatch(/separate/);
  });

  it('knows --help', () => {
    expect(parse('-h').help).toBe(true);
    expect(parse('--help').help).toBe(true);
  });
});
