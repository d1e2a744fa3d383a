/**
 * Who may read METRICS_PATH and STATUS_PATH. A non-loopback client is real here: the server
 * listens on 0.0.0.0 and the test connects to this machine's own non-loopback address (from
 * os.networkInterfaces()), so the server sees that address as the TCP peer. On a machine with
 * no such address those cases are skipped, and say so.
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';

const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;
const TOKEN = 'Zm9yLXRlc3RzLW9ubHk.s3cret~token';

async function statusOf(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

describe('without METRICS_TOKEN: loopback only', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ HTTP_HOST: '0.0.0.0', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers loopback clients', async () => {
    for (const path of ['/metrics', '/status', '/status?json']) {
      expect((await statusOf(`http://127.0.0.1:${server.port}${path}`)).status, path).toBe(200);
    }
  });

  it('refuses a request a proxy on this machine forwards for a remote client', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const answer = await statusOf(`http://127.0.0.1:${server.port}/metrics`, { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' });
      expect(answer.status, header).toBe(403);
    }
  });

  it.skipIf(external === undefined)(`refuses a client on this machine's non-loopback address (${external ?? 'none found'}) with 403`, async () => {
    const base = `http://${external}:${server.port}`;
    // The address reaches the server: the app answers there.
    expect((await statusOf(`${base}/api/ping`)).status).toBe(200);
    for (const path of ['/metrics', '/status', '/status?json']) {
      const answer = await statusOf(`${base}${path}`);
      expect(answer.status, path).toBe(403);
      expect(answer.body).not.toContain('frontdoor_');
    }
    // A forged X-Forwarded-For does not make a remote client local.
    expect((await statusOf(`${base}/metrics`, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(403);
  });
});

describe('with METRICS_TOKEN: a bearer token from anywhere', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ HTTP_HOST: '0.0.0.0', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', METRICS_TOKEN: TOKEN, METRICS_PATH: '/internal/metrics', STATUS_PATH: '/internal/status' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const bases = (): string[] => [`http://127.0.0.1:${server.port}`, ...(external === undefined ? [] : [`http://${external}:${server.port}`])];

  it('asks for the token (401 with WWW-Authenticate), loopback included, and refuses a wrong one', async () => {
    for (const base of bases()) {
      for (const path of ['/internal/metrics', '/internal/status', '/internal/status?json']) {
        const none = await statusOf(`${base}${path}`);
        expect(none.status, `${base}${path}`).toBe(401);
        expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect((await statusOf(`${base}${path}`, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
        expect((await statusOf(`${base}${path}`, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
        expect((await statusOf(`${base}${path}`, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).status).toBe(401);
      }
    }
  });

  it('answers with the right token from loopback and from the non-loopback address', async () => {
    for (const base of bases()) {
      const metrics = await statusOf(`${base}/internal/metrics`, { authorization: `Bearer ${TOKEN}` });
      expect(metrics.status, base).toBe(200);
      expect(metrics.body).toContain('frontdoor_http_requests_total');
      const status = await statusOf(`${base}/internal/status?json`, { authorization: `Bearer ${TOKEN}` });
      expect(status.status).toBe(200);
      expect((JSON.parse(status.body) as { workers: unknown[] }).workers.length).toBe(1);
    }
  });

  it('leaves the default paths to the app when others are configured', async () => {
    // /metrics is now an ordinary URL: Laravel answers it (404 from the app, not the front door).
    const answer = await statusOf(`http://127.0.0.1:${server.port}/metrics`);
    expect(answer.status).toBe(404);
    const line = await server.waitForLog((l) => l.msg === 'request' && l['path'] === '/metrics', 5_000);
    expect(typeof line['worker']).toBe('number');
  });
});
