/** The pure parts of src/metrics and the status table: access rule, quantiles, the sample ring, exit labels, config. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatStatus } from '../../src/cli/status-table.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { AccessRule, isLoopback } from '../../src/metrics/access.js';
import { BucketHistogram } from '../../src/metrics/bucket-histogram.js';
import { Registry } from 'prom-client';
import { Scrape } from '../helpers/metrics.js';
import { exitReason } from '../../src/metrics/registry.js';
import { bucketQuantile, SampleRing, SERIES, type Sample } from '../../src/metrics/samples.js';
import type { StatusReport } from '../../src/metrics/status-view.js';

const load = (env: Record<string, string>) => loadConfig({ env, cwd: mkdtempSync(join(tmpdir(), 'obs-')) });

describe('access rule', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['192.0.2.2', false],
    ['10.0.0.1', false],
    ['fd00::2', false],
    ['not an address', false],
  ])('%s is loopback: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });

  it('without a token: loopback allowed, anyone else forbidden, whatever the header', () => {
    const rule = new AccessRule(null);
    expect(rule.check('127.0.0.1', undefined)).toBe('allowed');
    expect(rule.check('192.0.2.2', 'Bearer anything')).toBe('forbidden');
    // A proxy on this machine forwarding a remote client.
    expect(rule.check('127.0.0.1', undefined, true)).toBe('forbidden');
  });

  it('with a token: only the exact bearer token, from anywhere', () => {
    const rule = new AccessRule('s3cret');
    expect(rule.check('127.0.0.1', undefined)).toBe('unauthorized');
    expect(rule.check('192.0.2.2', 'Bearer s3cret')).toBe('allowed');
    expect(rule.check('127.0.0.1', 'Bearer s3cret', true)).toBe('allowed');
    expect(rule.check('192.0.2.2', 'bearer  s3cret ')).toBe('allowed');
    expect(rule.check('192.0.2.2', 'Bearer s3cre')).toBe('unauthorized');
    expect(rule.check('192.0.2.2', 'Bearer s3cretX')).toBe('unauthorized');
    expect(rule.check('192.0.2.2', 'Basic s3cret')).toBe('unauthorized');
    expect(rule.check('192.0.2.2', 'Bearer s3cret extra')).toBe('unauthorized');
  });
});

describe('bucketQuantile (histogram_quantile)', () => {
  const bounds = [0.1, 0.2, 0.4];
  it('interpolates inside the bucket', () => {
    expect(bucketQuantile(0.5, bounds, [0, 10, 0, 0])).toBeCloseTo(0.15);
    expect(bucketQuantile(0.99, bounds, [50, 0, 50, 0])).toBeCloseTo(0.2 + 0.2 * 0.98);
  });
  it('gives the highest bound for the +Inf bucket and NaN for nothing', () => {
    expect(bucketQuantile(0.99, bounds, [0, 0, 0, 3])).toBe(0.4);
    expect(bucketQuantile(0.5, bounds, [0, 0, 0, 0])).toBeNaN();
  });
});

describe('BucketHistogram (the request path\'s histogram, formatted by prom-client)', () => {
  it('puts a value equal to a bound in that bucket (le) and exports cumulative buckets, sum and count', async () => {
    const registry = new Registry();
    const histogram = new BucketHistogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], series: [{ route: 'php' }, { route: 'static' }], registry });
    const [php, stat] = histogram.series;
    for (const value of [0.05, 0.1, 0.5, 2]) php!.observe(value);
    stat!.observe(1);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE h_seconds histogram');
    expect(text).toContain('h_seconds_bucket{route="php",le="0.1"} 2');
    expect(text).toContain('h_seconds_bucket{route="php",le="1"} 3');
    expect(text).toContain('h_seconds_bucket{route="php",le="+Inf"} 4');
    const parsed = new Scrape(text);
    expect(parsed.histogram('h_seconds', { route: 'php' })).toEqual({ count: 4, sum: 2.65 });
    expect(parsed.histogram('h_seconds', { route: 'static' })).toEqual({ count: 1, sum: 1 });
    expect([...histogram.totals(new Float64Array(3))]).toEqual([2, 2, 1]);
  });
});

describe('SampleRing', () => {
  const sample = (t: number): Sample => Object.fromEntries(SERIES.map((name) => [name, name === 't' ? t : t * 2])) as Sample;
  it('keeps the last `capacity` samples, oldest first', () => {
    const ring = new SampleRing(3);
    for (let t = 1; t <= 5; t++) ring.push(sample(t));
    expect(ring.size).toBe(3);
    expect(ring.series().t).toEqual([3, 4, 5]);
    expect(ring.series().rps).toEqual([6, 8, 10]);
  });
});

describe('exit reasons', () => {
  it('splits MAX_REQUESTS out of the recycles a worker announced itself', () => {
    expect(exitReason({ leaveReason: 'recycled', served: 100 }, 100)).toBe('max_requests');
    expect(exitReason({ leaveReason: 'recycled', served: 40 }, 100)).toBe('recycled');
    expect(exitReason({ leaveReason: 'recycled', served: 40 }, 0)).toBe('recycled');
    expect(exitReason({ leaveReason: 'boot-failed', served: 0 }, 100)).toBe('boot_failed');
    expect(exitReason({ leaveReason: 'memory', served: 3 }, 100)).toBe('memory');
  });
});

describe('status table', () => {
  it('formats sizes and ages', () => {
    expect(formatBytes(null)).toBe('-');
    expect(formatBytes(67_350_528)).toBe('64.2 MiB');
    expect(formatAge(59_999)).toBe('59s');
    expect(formatAge(61_000)).toBe('1m01s');
    expect(formatAge(3_600_000 * 25)).toBe('1d01h');
  });

  it('aligns the worker table and shows the pool', () => {
    const report: StatusReport = {
      ok: true,
      now: 0,
      uptimeMs: 5_000,
      pool: { min: 2, max: 10, live: 2, booting: 0, idle: 1, busy: 1, leaving: 1, waiting: 3, maxQueue: 1024, inFlight: 4, threads: 0 },
      workers: [
        { id: 7, pid: 123, state: 'busy', served: 10_000, memoryBytes: 50 * 1024 * 1024, ageMs: 90_000, leaveReason: null },
        { id: 12, pid: 45_678, state: 'draining', served: 3, memoryBytes: null, ageMs: 1_000, leaveReason: 'reload' },
      ],
      recentExits: [],
      threads: [],
    };
    const lines = formatStatus(report).split('\n');
    expect(lines[0]).toBe('PHP workers: 2 live (min 2, max 10): 1 idle, 1 busy, 0 booting, 1 leaving');
    expect(lines.slice(3, 6)).toEqual([
      'ID    PID  STATE     REQUESTS    MEMORY    AGE  LEAVING',
      ' 7    123  busy         10000  50.0 MiB  1m30s  -',
      '12  45678  draining         3         -     1s  reload',
    ]);
  });
});

describe('observability configuration', () => {
  it('defaults to /metrics and /status, loopback only', () => {
    expect(load({})).toMatchObject({ metricsPath: '/metrics', statusPath: '/status', metricsToken: null });
  });
  it('turns an endpoint off with an empty path and takes a token', () => {
    expect(load({ METRICS_PATH: '', STATUS_PATH: '', METRICS_TOKEN: 'abc-DEF_1.2~3+4/5==' })).toMatchObject({ metricsPath: '', statusPath: '', metricsToken: 'abc-DEF_1.2~3+4/5==' });
  });
  it.each([
    [{ METRICS_PATH: 'metrics' }, /"METRICS_PATH" must be a URL path/],
    [{ STATUS_PATH: '/metrics' }, /"METRICS_PATH" and "STATUS_PATH" must differ/],
    [{ METRICS_PATH: '/healthz' }, /"HEALTH_PATH" \("\/healthz"\) must differ/],
    [{ METRICS_TOKEN: 'has space' }, /"METRICS_TOKEN" must be a bearer token/],
  ])('refuses %o', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
