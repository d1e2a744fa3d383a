import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../bench/cli.js';
import { parseCeilingOutput } from '../../bench/ceiling.js';
import { parseJob, percentile, summarize } from '../../bench/load-worker.js';
import { BENCH_PUBLIC } from '../../bench/paths.js';
import { binaryBodyOfSize, jsonBodyOfSize, SCENARIOS } from '../../bench/scenarios.js';

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
const buf = (s: string | object): Buffer => Buffer.from(typeof s === 'string' ? s : JSON.stringify(s));

describe('scenario requests', () => {
  it('defines every scenario the CLI knows', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...SCENARIO_NAMES].sort());
  });

  it('sends exactly 1 KB of JSON and exactly 1 MiB of bytes', () => {
    const post = SCENARIOS['post-1k'].request();
    expect(post.body?.length).toBe(1024);
    expect(JSON.parse(post.body!.toString())).toMatchObject({ name: 'bench' });
    expect(jsonBodyOfSize(200).length).toBe(200);
    const upload = SCENARIOS['upload-1m'].request();
    expect(upload.body?.length).toBe(1_048_576);
    expect(upload.headers['content-type']).toBe('application/octet-stream');
    expect(binaryBodyOfSize(64).equals(binaryBodyOfSize(64))).toBe(true);
  });
});

describe('scenario checks', () => {
  it('accepts the right answers', () => {
    expect(SCENARIOS.hello.check(200, buf('hello\n'))).toEqual({ ok: true });
    expect(SCENARIOS['laravel-json'].check(200, buf({ pong: true }))).toEqual({ ok: true });
    expect(SCENARIOS['post-1k'].check(200, buf({ body: { length: 1024 }, input: { name: 'bench' } }))).toEqual({ ok: true });
    expect(SCENARIOS['response-64k'].check(200, Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2000).slice(0, 65536)))).toEqual({ ok: true });
    expect(SCENARIOS.static.check(200, readFileSync(join(BENCH_PUBLIC, 'robots.txt')))).toEqual({ ok: true });
    const body = SCENARIOS['upload-1m'].request().body!;
    expect(SCENARIOS['upload-1m'].check(200, buf({ length: body.length, sha1: sha1(body) }))).toEqual({ ok: true });
    expect(SCENARIOS.cached.check(200, buf({ tag: 'bench', count: 1 }))).toEqual({ ok: true });
  });

  it('rejects wrong status codes and bodies with a reason', () => {
    expect(SCENARIOS['laravel-json'].check(502, buf('Bad Gateway'))).toMatchObject({ ok: false, unsupported: false, reason: expect.stringMatching(/status 502/) });
    expect(SCENARIOS['laravel-json'].check(200, buf({ pong: false }))).toMatchObject({ ok: false });
    expect(SCENARIOS.hello.check(200, buf('bye'))).toMatchObject({ ok: false });
    expect(SCENARIOS['upload-1m'].check(200, buf({ length: 8192, sha1: 'x' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/8192 bytes/) });
    expect(SCENARIOS['upload-1m'].check(200, buf({ length: 1_048_576, sha1: 'x' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/sha1/) });
    expect(SCENARIOS['response-64k'].check(200, buf('short'))).toMatchObject({ ok: false });
    expect(SCENARIOS['post-1k'].check(200, buf({ body: { length: 10 }, input: {} }))).toMatchObject({ ok: false });
    expect(SCENARIOS.cached.check(200, buf({ pong: true }))).toMatchObject({ ok: false });
  });

  it('marks static files unsupported (not failed) on a 404', () => {
    expect(SCENARIOS.static.check(404, buf('Not Found'))).toMatchObject({ ok: false, unsupported: true });
  });
});

describe('load worker helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(new Float64Array(0), 50)).toBe(0);
  });

  it('summarizes an autocannon result: 2xx per second and latencies of its own', () => {
    const s = summarize(
      { duration: 2, errors: 1, timeouts: 2, non2xx: 3, '2xx': 100, statusCodeStats: { '200': { count: 100 }, '503': { count: 3 } } },
      [3, 1, 2, 4],
    );
    expect(s).toEqual({
      durationSeconds: 2,
      responses: 103,
      ok2xx: 100,
      non2xx: 3,
      errors: 1,
      timeouts: 2,
      requestsPerSec: 50,
      latencyMs: { p50: 2, p99: 4, max: 4, mean: 2.5 },
      statusCodes: { '200': 100, '503': 3 },
    });
  });

  it('validates its job', () => {
    expect(() => parseJob(undefined)).toThrow(/usage/);
    expect(() => parseJob(JSON.stringify({ baseUrl: 'http://x', scenario: 'nope' }))).toThrow(/unknown scenario/);
    expect(() => parseJob(JSON.stringify({ baseUrl: 'x', scenario: 'hello' }))).toThrow(/baseUrl/);
    expect(parseJob(JSON.stringify({ baseUrl: 'http://127.0.0.1:1', scenario: 'hello' })).scenario).toBe('hello');
  });
});

describe('ceiling output', () => {
  it('reads the last JSON line, whatever the app printed before', () => {
    const line = JSON.stringify({ uri: '/api/ping', iterations: 10, status: 200, body: '{"pong":true}', cpuSeconds: 0.001, wallSeconds: 0.001, cpuMsPerRequest: 0.1, requestsPerCpuSecond: 10000, php: '8.2', laravel: '8.83', opcache: false, peakMemoryBytes: 1 });
    const r = parseCeilingOutput(`stray\n${line}\n`);
    expect(r.cpuMsPerRequest).toBe(0.1);
    expect(r).not.toHaveProperty('status');
    expect(() => parseCeilingOutput('Fatal error')).toThrow(/no result/);
    expect(() => parseCeilingOutput(line.replace('"status":200', '"status":500'))).toThrow(/500/);
  });
});
