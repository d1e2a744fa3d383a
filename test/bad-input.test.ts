/**
 * Bad input from both sides: raw-socket clients sending what no browser would, and a fake PHP
 * worker (test/fixtures/fake-php.mjs, started in place of `php`) sending each kind of bad frame.
 * Each case gets a clear status or a closed connection plus a log line; nothing crashes, nothing
 * hangs, no PHP worker is held, and other requests carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, ROOT, type RunningServer } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';
import { waitFor, workers } from './helpers/control.js';
import { join } from 'node:path';

describe('bad input from clients', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', MAX_BODY_SIZE: '1m', MAX_HEADER_SIZE: '8k', CLIENT_TIMEOUT: '1' });
    await waitFor(async () => (await workers(server.socketPath)).filter((w) => w.state === 'idle').length === 2);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const allIdle = async (): Promise<boolean> => (await workers(server.socketPath)).every((w) => w.state === 'idle');

  it('drops malformed requests without a response or a held worker, and keeps serving', async () => {
    // uWebSockets.js 20.30 does not answer unparsable requests; it stops reading and its idle
    // timeout (10 s) closes the connection. None of them may reach PHP.
    const cases = await Promise.all([
      rawRequest(server.port, ['GARBAGE\r\n\r\n'], { waitMs: 15_000 }),
      rawRequest(server.port, ['GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'], { waitMs: 15_000 }),
      rawRequest(server.port, ['GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Split: a\rb\r\n\r\n'], { waitMs: 15_000 }),
      rawRequest(server.port, ['POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'], { waitMs: 15_000 }),
      (async () => {
        const during = await allIdle();
        const res = await fetch(`${server.url}/api/ping`);
        return { during, status: res.status };
      })(),
    ]);
    const [garbage, badName, crInValue, conflicting, meanwhile] = cases as [Awaited<ReturnType<typeof rawRequest>>, Awaited<ReturnType<typeof rawRequest>>, Awaited<ReturnType<typeof rawRequest>>, Awaited<ReturnType<typeof rawRequest>>, { during: boolean; status: number }];
    for (const result of [garbage, badName, crInValue, conflicting]) {
      expect(result.closed).toBe(true);
      expect(result.status === null || result.status >= 400).toBe(true);
    }
    expect(meanwhile).toEqual({ during: true, status: 200 });
    expect(server.logs.some((l) => l.msg === 'request' && l['path'] === '/' && l['method'] === 'GET' && l['status'] === 200)).toBe(false);
  });

  it('answers 400 to two different Content-Length headers', async () => {
    const result = await rawRequest(server.port, ['POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello']);
    expect(result.status).toBe(400);
    expect(result.closed).toBe(true);
  });

  it('answers 431 to oversized headers', async () => {
    const result = await rawRequest(server.port, [`GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`]);
    expect(result.status).toBe(431);
  });

  it('answers 413 to a declared body over MAX_BODY_SIZE before reading it', async () => {
    // Only 1,000 of the 5,000,000 declared bytes are ever sent: the answer cannot have waited
    // for the body.
    const result = await rawRequest(server.port, ['POST /api/upload-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n', 'x'.repeat(1000)], { waitMs: 1500 });
    expect(result.status).toBe(413);
  });

  it('keeps the connection usable after a 413: the rest of the body is read and thrown away', async () => {
    const body = 'z'.repeat(2 * 1024 * 1024);
    const result = await rawRequest(server.port, [`POST /api/upload-size HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, body, 'GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 3000 });
    expect(result.status).toBe(413);
    expect(result.response).toMatch(/HTTP\/1\.1 200 OK[\s\S]*\{"pong":true\}/);
  });

  it('answers 413 to a chunked body that grows past MAX_BODY_SIZE while it arrives', async () => {
    const chunk = `100000\r\n${'y'.repeat(0x100000)}\r\n`;
    // A pause between chunks lets the 413 reach the client before it writes into the closed
    // connection (whose reset could otherwise discard the unread answer on the client's side).
    const result = await rawRequest(server.port, ['POST /api/upload-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', chunk, chunk, chunk], { gapMs: 150 });
    expect(result.status).toBe(413);
  });

  it('closes a client that trickles its body with 408, without holding a PHP worker', async () => {
    const trickle = rawRequest(server.port, ['POST /api/upload-size HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 'a', 'b', 'c', 'd', 'e'], { gapMs: 400, waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await allIdle()).toBe(true);
    const result = await trickle;
    expect(result.status).toBe(408);
    expect(result.ms).toBeLessThan(2500);
  });

  it('closes a client that trickles its headers, without a worker ever seeing it', async () => {
    const parts = ['GET /api/ping HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n'];
    const result = await rawRequest(server.port, parts, { gapMs: 300, waitMs: 15_000 });
    expect(result.closed).toBe(true);
    expect(result.status).toBeNull();
    expect(await allIdle()).toBe(true);
  });

  it('frees the PHP worker when the client disconnects mid-request and writes nothing to the dead response', async () => {
    const gone = rawRequest(server.port, ['GET /api/sleep?ms=400&tag=gone HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 100 });
    expect((await gone).status).toBeNull();
    const line = await server.waitForLog((l) => l.msg === 'request' && l['path'] === '/api/sleep' && l['status'] === 499, 5000);
    expect(line['worker']).toEqual(expect.any(Number));
    await waitFor(allIdle, 3000);
    expect((await fetch(`${server.url}/api/ping`)).status).toBe(200);
  });
});

describe('bad input from PHP', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ PHP_PATH: join(ROOT, 'test', 'fixtures', 'fake-php.mjs'), SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2' });
    await waitFor(async () => (await workers(server.socketPath)).filter((w) => w.state === 'idle').length === 2);
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([
    ['/garbage', 'FRAME_BAD_MAGIC'],
    ['/truncated', 'WORKER_CRASHED'],
    ['/wrong-id', 'FRAME_WRONG_REQUEST_ID'],
    ['/oversize', 'FRAME_PAYLOAD_TOO_LARGE'],
    ['/bad-json', 'FRAME_BAD_PAYLOAD'],
    ['/exit', 'WORKER_CRASHED'],
  ])('%s: 502 for that request, a log line, the worker replaced, the others unaffected', async (path, code) => {
    const before = (await workers(server.socketPath)).map((w) => w.pid);
    const [bad, ...good] = await Promise.all([fetch(`${server.url}${path}`), ...Array.from({ length: 5 }, () => fetch(`${server.url}/ok`))]);
    expect(bad!.status).toBe(502);
    expect(await bad!.text()).toMatch(/Bad Gateway/);
    for (const res of good) {
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^fake ok \d+$/);
    }
    await server.waitForLog((l) => l['code'] === code && l['uri'] === path);
    await waitFor(async () => {
      const list = await workers(server.socketPath);
      return list.length === 2 && list.every((w) => w.state === 'idle') && list.some((w) => !before.includes(w.pid));
    });
  });

  it('/crlf-header: refuses to forward a header with CR/LF (502), keeps the worker', async () => {
    const before = (await workers(server.socketPath)).map((w) => w.pid).sort();
    const res = await fetch(`${server.url}/crlf-header`);
    expect(res.status).toBe(502);
    expect(res.headers.get('set-cookie')).toBeNull();
    await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('X-Evil'));
    expect((await workers(server.socketPath)).map((w) => w.pid).sort()).toEqual(before);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });
});

describe('a PHP worker from another protocol version', () => {
  it('is refused at its HELLO with a message that says so, and its requests get 502', async () => {
    const server = await startServer({ PHP_PATH: join(ROOT, 'test', 'fixtures', 'fake-php.mjs'), FAKE_PROTOCOL: '1', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
    try {
      const res = await fetch(`${server.url}/ok`);
      expect(res.status).toBe(502);
      await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('speaks protocol 1; this server speaks 3'));
    } finally {
      await server.stop();
    }
  });
});
