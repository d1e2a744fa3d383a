/**
 * ACCESS_LOG (issue #10 item 3): one line per request in nginx's combined format, with the client
 * address resolved through TRUSTED_PROXIES, written to the file; SIGUSR1 reopens it and
 * server.log at their paths (after logrotate renamed them); lines are flushed at exit.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/control.js';
import { startServer, type RunningServer } from './helpers/server.js';

// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
const COMBINED = /^(\S+) - - \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/;

const read = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('access log (combined)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lfd-access-'));
  const accessLog = join(dir, 'access.log');
  const logDir = join(dir, 'logs');
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ACCESS_LOG: accessLog, LOG_DIR: logDir, TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('writes one combined line per request: client behind a trusted proxy, request line, status, body bytes, referer, agent', async () => {
    const res = await fetch(`${server.url}/api/ping?probe=1`, {
      headers: { 'X-Forwarded-For': '198.51.100.9, 203.0.113.7', Referer: 'https://example.test/from', 'User-Agent': 'probe/1.0 "quoted"' },
    });
    const body = await res.arrayBuffer();
    expect(res.status).toBe(200);
    const missing = await fetch(`${server.url}/no-such-page`);
    await missing.arrayBuffer();

    await waitFor(async () => read(accessLog).length >= 2);
    const [first, second] = read(accessLog);
    const m = COMBINED.exec(first!);
    expect(m, first).not.toBeNull();
    const [, remote, , request, status, bytes, referer, agent] = m!;
    // The rightmost untrusted hop of X-Forwarded-For, as nginx's realip with real_ip_recursive.
    expect(remote).toBe('203.0.113.7');
    expect(request).toBe('GET /api/ping?probe=1 HTTP/1.1');
    expect(status).toBe('200');
    expect(Number(bytes)).toBe(body.byteLength);
    expect(referer).toBe('https://example.test/from');
    expect(agent).toBe('probe/1.0 \\x22quoted\\x22');

    const n = COMBINED.exec(second!);
    expect(n, second).not.toBeNull();
    expect(n![1]).toBe('127.0.0.1');
    expect(n![3]).toBe('GET /no-such-page HTTP/1.1');
    expect(n![4]).toBe(String(missing.status));
    expect(n![6]).toBe('-');
  });

  it('reopens the access log and server.log on SIGUSR1 after they were renamed, and flushes at exit', async () => {
    const before = read(accessLog).length;
    renameSync(accessLog, `${accessLog}.1`);
    renameSync(join(logDir, 'server.log'), join(logDir, 'server.log.1'));
    // Written before the signal: goes to the renamed file (its descriptor is still open).
    await (await fetch(`${server.url}/api/ping?when=before`)).arrayBuffer();
    await waitFor(async () => read(`${accessLog}.1`).some((line) => line.includes('when=before')));

    server.child.kill('SIGUSR1');
    await server.waitForLog((l) => l.msg === 'SIGUSR1: log files reopened');
    await (await fetch(`${server.url}/api/ping?when=after`)).arrayBuffer();
    await waitFor(async () => read(accessLog).some((line) => line.includes('when=after')));
    expect(read(`${accessLog}.1`)).toHaveLength(before + 1);
    expect(read(accessLog)).toHaveLength(1);
    await waitFor(async () => read(join(logDir, 'server.log')).some((line) => line.includes('log files reopened')));
    expect(read(join(logDir, 'server.log.1')).some((line) => line.includes('log files reopened'))).toBe(false);

    // The last line before a stop is in the file once the server has exited.
    await (await fetch(`${server.url}/api/ping?when=last`)).arrayBuffer();
    expect(await server.stop()).toBe(0);
    expect(read(accessLog).at(-1)).toContain('when=last');
  });
});
