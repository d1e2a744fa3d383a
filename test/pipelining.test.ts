/**
 * Pipelining against the real server, real PHP workers and the Laravel 12 test app: requests
 * sent behind a busy worker's current one are answered, no more than PIPELINE_DEPTH of them, and
 * their wait counts in the queue-wait metric; one behind a response that turns
 * out to stream, or behind a worker that recycles or dies, is handed back unrun and answered by
 * another worker; a crash fails only the request the worker was running.
 *
 * POOL_GROW_IDLE_CPU=0 makes the CPU count as full, so pipelining does not depend on what else
 * the machine runs; PIPELINE_WINDOW_MS is wide so that a request sent within a second of another
 * may go behind it whatever the machine's speed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scrape } from './helpers/metrics.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { waitFor, workers } from './helpers/control.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer({ POOL_GROW_IDLE_CPU: '0', PIPELINE_WINDOW_MS: '1000', SOCKET_HEALTH_CHECK_INTERVAL: '0', ...env });
  servers.push(server);
  return server;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** Makes a route known to answer quickly (only those get a request pipelined behind them). */
async function warm(url: string, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) expect((await get(url)).status).toBe(200);
}

const pipelined = async (server: RunningServer): Promise<number> => (await scrape(server.url)).value('frontdoor_pipelined_requests_total');
const handedBack = async (server: RunningServer): Promise<number> => (await scrape(server.url)).value('frontdoor_pipelined_handed_back_total');

describe('pipelining (PIPELINE_WINDOW_MS, PIPELINE_DEPTH)', () => {
  it('sends requests behind a busy worker under load, and every one is answered, in full', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
    await warm(`${server.url}/api/ping`);
    const results = await Promise.all(Array.from({ length: 40 }, () => get(`${server.url}/api/ping`)));
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(200));
    for (const r of results) expect(JSON.parse(r.body)).toEqual({ pong: true });
    expect(await pipelined(server)).toBeGreaterThan(0);
  });

  it('puts at most PIPELINE_DEPTH behind a worker (the rest queue), and their wait counts as queue wait', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', PIPELINE_DEPTH: '2' });
    await warm(`${server.url}/api/sleep?ms=300`, 3); // about 300 ms: expected starts 300, 600, 900 < 1000
    const before = await scrape(server.url);
    const results = Array.from({ length: 4 }, () => get(`${server.url}/api/sleep?ms=300`));
    // One running, two behind it (the depth), the fourth in the queue.
    const during = await waitFor(async () => {
      const m = await scrape(server.url);
      return m.value('frontdoor_pipelined_requests_total') - before.value('frontdoor_pipelined_requests_total') === 2 ? m : undefined;
    }, 3_000, 10);
    expect(during.value('frontdoor_queue_waiting_requests')).toBe(1);
    expect((await Promise.all(results)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const after = await scrape(server.url);
    // The queued one went behind the worker once the first was done.
    expect(after.value('frontdoor_pipelined_requests_total') - before.value('frontdoor_pipelined_requests_total')).toBe(3);
    const waits = after.histogram('frontdoor_queue_wait_seconds');
    const waitsBefore = before.histogram('frontdoor_queue_wait_seconds');
    expect(waits.count - waitsBefore.count).toBe(4);
    // Behind one, two and three 300 ms requests: 0.3 + 0.6 + 0.9 s of waiting in all.
    expect(waits.sum - waitsBefore.sum).toBeGreaterThan(1.5);
  });

  it('is off with PIPELINE_WINDOW_MS=0: requests wait in the queue instead', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', PIPELINE_WINDOW_MS: '0' });
    await warm(`${server.url}/api/ping`);
    const results = await Promise.all(Array.from({ length: 20 }, () => get(`${server.url}/api/ping`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await pipelined(server)).toBe(0);
  });

  it('a request behind a response that turns out to stream is handed back, then answered; the stream is whole', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
    // Quick so far (one chunk, no delay): a request may go behind it.
    await warm(`${server.url}/api/stream?chunks=1`);
    // Its head goes out after 300 ms: the request sent meanwhile goes behind it.
    const stream = get(`${server.url}/api/stream?chunks=10&delay=50&wait=300`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const behind = await get(`${server.url}/api/ping`);
    expect(behind.status).toBe(200);
    const streamed = await stream;
    expect(streamed.status).toBe(200);
    expect(streamed.body.split('\n').filter(Boolean)).toHaveLength(10);
    expect(await pipelined(server)).toBe(1);
    expect(await handedBack(server)).toBe(1);
  });

  it('workers recycling (MAX_REQUESTS) with requests behind them lose none', async () => {
    const server = await start({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', MAX_REQUESTS: '7' });
    await warm(`${server.url}/api/ping`);
    for (let wave = 0; wave < 4; wave++) {
      const results = await Promise.all(Array.from({ length: 24 }, () => get(`${server.url}/api/ping`)));
      expect(results.map((r) => r.status)).toEqual(Array(24).fill(200));
    }
    expect(await pipelined(server)).toBeGreaterThan(0);
  });

  it('a worker killed while a request waits behind its current one: only the current one fails; the other is answered by the replacement', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
    await warm(`${server.url}/api/sleep?ms=1`);
    await warm(`${server.url}/api/ping`);
    const [busy] = await workers(server.socketPath);
    const stuck = get(`${server.url}/api/sleep?ms=3000`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const behind = get(`${server.url}/api/ping`);
    await waitFor(async () => (await pipelined(server)) === 1);
    process.kill(busy!.pid!, 'SIGKILL');
    expect((await stuck).status).toBe(502);
    const answered = await behind;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ pong: true });
    expect(await handedBack(server)).toBe(1);
  });
});
