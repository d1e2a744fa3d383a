/**
 * SIGTERM the way load balancers need it (issue #10 item 5): readiness answers 503 at once while
 * requests, on kept-alive connections too, are still served as usual for SHUTDOWN_DELAY; then
 * every response carries `Connection: close` and its connection is closed, the listener is
 * closed, in-flight requests finish, the idle connections left are closed, and the server exits 0.
 * Regression: before, a request on an open keep-alive connection got 503 at once after SIGTERM,
 * which failed requests behind HAProxy.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeepAlive } from './helpers/keep-alive.js';
import { startServer, type RunningServer } from './helpers/server.js';

const PING = 'GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n';
const READY = 'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n';
const closesConnection = (response: string): boolean => /\r\nconnection: close\r\n/i.test(response);

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('graceful stop (SHUTDOWN_DELAY=1.5)', () => {
  let server: RunningServer;
  afterAll(async () => {
    await server?.stop('SIGKILL');
  });

  it('drains, then closes connections, then exits 0 with nothing failed', async () => {
    server = await startServer({ SHUTDOWN_DELAY: '1.5' });
    const probe = await openKeepAlive(server.port);
    const client = await openKeepAlive(server.port);
    const idle = await openKeepAlive(server.port);
    const slowConn = await openKeepAlive(server.port);
    expect(await client.send(PING)).toMatch(/^HTTP\/1\.1 200/);
    expect(await idle.send(PING)).toMatch(/^HTTP\/1\.1 200/);

    const stopped = server.stop('SIGTERM');
    await server.waitForLog((l) => l.msg === 'shutting down: readiness answers 503, still serving for SHUTDOWN_DELAY');
    // Started during the delay, it is still running when connections start to close.
    const slow = slowConn.send('GET /api/sleep?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n', 10_000);

    // First phase: not ready, but everything is served as before, connections kept.
    const notReady = await probe.send(READY);
    expect(notReady).toMatch(/^HTTP\/1\.1 503/);
    expect(notReady).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(closesConnection(notReady)).toBe(false);
    for (let i = 0; i < 2; i++) {
      const response = await client.send(PING);
      expect(response).toMatch(/^HTTP\/1\.1 200/);
      expect(closesConnection(response)).toBe(false);
    }
    expect(await refused(server.port)).toBe(false);

    // Second phase: served, but with Connection: close, and the server closes the connection.
    await server.waitForLog((l) => l.msg === 'shutting down: closing connections, finishing in-flight requests');
    const last = await client.send(PING);
    expect(last).toMatch(/^HTTP\/1\.1 200/);
    expect(closesConnection(last)).toBe(true);
    await client.closed;
    expect(await refused(server.port)).toBe(true);
    expect(idle.isClosed).toBe(false); // an idle connection is closed only once in-flight requests are done

    const slowResponse = await slow;
    expect(slowResponse).toMatch(/^HTTP\/1\.1 200/);
    expect(closesConnection(slowResponse)).toBe(true);
    await idle.closed;
    expect(await stopped).toBe(0);
    probe.destroy();
  });
});
