/**
 * RATE_LIMIT against the real server, PHP workers and the Laravel 12 app: one request a second
 * and a burst of 3 per client address, the client resolved through TRUSTED_PROXIES (the test
 * client is 127.0.0.1, trusted, so each X-Forwarded-For address is a client of its own). Each
 * test uses its own addresses, so their buckets do not meet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    RATE_LIMIT: '1',
    RATE_LIMIT_BURST: '3',
    TRUSTED_PROXIES: '127.0.0.1',
    RATE_LIMIT_EXEMPT: '/metrics,/api/edge/scheme',
  });
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

const get = (path: string, client?: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${server.url}${path}`, { ...init, headers: { ...(client === undefined ? {} : { 'X-Forwarded-For': client }), ...(init.headers as Record<string, string> | undefined) } });

/** Sends `n` requests at once (they reach the gate within milliseconds) and returns their statuses in order. */
async function burst(n: number, path: string, client?: string): Promise<Response[]> {
  return Promise.all(Array.from({ length: n }, () => get(path, client)));
}

const statuses = (responses: Response[]): number[] => responses.map((r) => r.status).sort();

describe('RATE_LIMIT', () => {
  it('a burst over the limit gets 429 with Retry-After and the RateLimit headers, before PHP', async () => {
    const replies = await burst(8, '/api/ping', '192.0.2.1');
    expect(statuses(replies)).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    const refused = replies.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe('3');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe('1');
    expect(await refused.text()).toBe('Too Many Requests\n');
    const logged = server.logs.filter((l) => l.msg === 'request' && l['status'] === 429);
    expect(logged.length).toBeGreaterThanOrEqual(5);
    expect(logged.every((l) => l['worker'] === null)).toBe(true);
  });

  it('after waiting, the bucket refills at the rate (one request a second here)', async () => {
    const client = '192.0.2.2';
    expect(statuses(await burst(4, '/api/ping', client))).toEqual([200, 200, 200, 429]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await get('/api/ping', client)).status).toBe(200);
    expect((await get('/api/ping', client)).status).toBe(429);
  });

  it('a client behind a trusted proxy is limited on its own, by the address Laravel sees', async () => {
    // The proxy itself (no forwarding header) and two forwarded clients: three buckets.
    expect(statuses(await burst(4, '/api/ping', '198.51.100.7'))).toEqual([200, 200, 200, 429]);
    expect((await get('/api/ping', '198.51.100.8')).status).toBe(200);
    expect((await get('/api/ping')).status).toBe(200);
    // A chain whose rightmost untrusted address is the exhausted client is that client, whatever
    // the left part claims; Laravel's TrustProxies (trusting loopback) reads the same address.
    expect((await get('/api/ping', '203.0.113.99, 198.51.100.7')).status).toBe(429);
    const seen = (await (await get('/api/edge/scheme', '203.0.113.99, 198.51.100.7')).json()) as { ip: string };
    expect(seen.ip).toBe('198.51.100.7');
  });

  it('the health and readiness probes and the RATE_LIMIT_EXEMPT paths are never limited; static files are', async () => {
    const client = '192.0.2.3';
    expect(statuses(await burst(4, '/api/ping', client))).toContain(429);
    expect(statuses(await burst(6, '/healthz', client))).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses(await burst(6, '/readyz', client))).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses(await burst(5, '/api/edge/scheme', client))).toEqual([200, 200, 200, 200, 200]);
    // /metrics is exempt by default (no metrics endpoint here: Laravel answers 404, not 429).
    expect(statuses(await burst(5, '/metrics', client))).toEqual([404, 404, 404, 404, 404]);
    // Files from public/ count like any other request (nginx's limit_req in the server block).
    expect((await get('/robots.txt', client)).status).toBe(429);
    const fresh = await get('/robots.txt', '192.0.2.4');
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe(readFileSync(join(DEFAULT_APP.path, 'public', 'robots.txt'), 'utf8'));
  });

  it('a refused request with a body is answered and its connection closed, so the body never reaches PHP', async () => {
    const client = '192.0.2.5';
    await burst(3, '/api/ping', client);
    const refused = await get('/api/echo', client, { method: 'POST', body: 'x'.repeat(10_000), headers: { 'Content-Type': 'text/plain' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('connection')).toBe('close');
    // The server is fine afterwards.
    expect((await get('/api/ping', '192.0.2.6')).status).toBe(200);
  });
});
