/**
 * The one dispatch path, end to end on the Laravel 12 test app, with sockets on the main thread
 * and through a worker thread: a buffered response, one over MAX_RESPONSE_BUFFER (it must
 * stream out whole instead of being held), a streamed one; Retry-After on every 503 the front
 * door sends; HEAD probes without a body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';
import { waitFor, workers } from './helpers/control.js';
import { openKeepAlive } from './helpers/keep-alive.js';

const PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789';
const expected = (bytes: number): string => PATTERN.repeat(Math.ceil(bytes / PATTERN.length)).slice(0, bytes);

describe.each([0, 1])('dispatch path (WORKER_THREADS=%i)', (threads) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ WORKER_THREADS: String(threads), MAX_RESPONSE_BUFFER: '64k', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('a body under MAX_RESPONSE_BUFFER is buffered and sent with its length in one piece', async () => {
    const raw = await rawRequest(server.port, ['GET /api/big?bytes=40000 HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 1000 });
    const [head, body] = raw.response.split('\r\n\r\n', 2) as [string, string];
    expect(raw.status).toBe(200);
    expect(head.toLowerCase()).toContain('content-length: 40000');
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(body).toBe(expected(40000));
  });

  it('a body over MAX_RESPONSE_BUFFER streams out whole, and the worker serves the next request', async () => {
    const bytes = 3 * 1024 * 1024 + 7;
    const res = await fetch(`${server.url}/api/big?bytes=${bytes}`);
    expect(res.status).toBe(200);
    // Not held to be sent with a length: it went out chunked as it arrived.
    expect(res.headers.get('content-length')).toBeNull();
    const body = await res.text();
    expect(body.length).toBe(bytes);
    expect(body === expected(bytes)).toBe(true);
    const next = await fetch(`${server.url}/api/ping`);
    expect(next.status).toBe(200);
    const list = await workers(server.socketPath);
    expect(list.length).toBe(1);
    expect(list[0]!.served).toBeGreaterThanOrEqual(2);
  });

  it('a streamed response arrives piece by piece and ends', async () => {
    const res = await fetch(`${server.url}/api/stream`);
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(0);
  });
});

describe('503s carry Retry-After; probes answer HEAD without a body', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_QUEUE: '0', SHUTDOWN_GRACE: '5' });
    await waitFor(async () => (await workers(server.socketPath)).some((w) => w.state === 'idle'));
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop();
  });

  it('HEAD /healthz and HEAD /readyz: status and headers, no body', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const raw = await rawRequest(server.port, [`HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`], { waitMs: 1000 });
      // The second response follows the first's headers at once: the HEAD carried no body.
      const responses = raw.response.split(/(?=HTTP\/1\.1 )/);
      expect(responses.length).toBe(2);
      expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
      expect(responses[0]!.endsWith('\r\n\r\n')).toBe(true);
      expect(responses[1]).toMatch(/^HTTP\/1\.1 200[\s\S]*"status":"ok"/);
    }
  });

  it('queue full (MAX_QUEUE=0, the only worker busy): 503 with Retry-After', async () => {
    const slow = fetch(`${server.url}/api/sleep?ms=1500`);
    await waitFor(async () => (await workers(server.socketPath)).some((w) => w.state === 'busy'));
    const res = await fetch(`${server.url}/api/ping`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await slow).status).toBe(200);
  });

  it('the readiness probe says 503 with Retry-After when no worker is ready', async () => {
    const other = await startServer({ PHP_HANDLER: 'test/fixtures/broken-handler.php', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' }).catch(() => null);
    if (other === null) throw new Error('the server did not start');
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await other.stop();
    }
  });
  it('during shutdown: readiness gets 503 with Retry-After; a request on an open connection is still served, with Connection: close', async () => {
    const probe = await openKeepAlive(server.port);
    const conn = await openKeepAlive(server.port);
    expect(await conn.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 200/);
    // A slow request keeps the server draining while the open connection asks again.
    const slow = fetch(`${server.url}/api/sleep?ms=2000`);
    await waitFor(async () => (await workers(server.socketPath)).some((w) => w.state === 'busy'));
    const stopped = server.stop('SIGTERM');
    await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down'));
    const notReady = await probe.send('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(notReady).toMatch(/^HTTP\/1\.1 503/);
    expect(notReady.toLowerCase()).toContain('retry-after: 1');
    // Refusing it (503) failed requests behind HAProxy: a balancer may still send on a kept-alive
    // connection. It is served, and told to close the connection (a PHP request too, while the
    // only worker here is busy and MAX_QUEUE=0 refuses to wait: test/graceful-stop.test.ts).
    const served = await conn.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(served).toMatch(/^HTTP\/1\.1 200/);
    expect(served.toLowerCase()).toContain('connection: close');
    expect((await slow).status).toBe(200);
    expect(await stopped).toBe(0);
  });

});
