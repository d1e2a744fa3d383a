/**
 * Faults injected for real against the real server and real PHP workers: crashes, timeouts,
 * recycling, a full queue, health checks, reload and shutdown under load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './helpers/apps.js';
import { freePort, ROOT, startServer, type RunningServer } from './helpers/server.js';
import { control, waitFor, workers } from './helpers/control.js';

let servers: RunningServer[] = [];
async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(env);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function get(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const readyWorkers = async (server: RunningServer): Promise<number> =>
  (await workers(server.socketPath)).filter((w) => w.state === 'idle' || w.state === 'busy').length;

describe('crash', () => {
  it('a worker killed with SIGKILL mid-request fails exactly its own request with 502; the pool is whole again within a second', async () => {
    const server = await start({ SOCKET_POOL_MIN: '4', SOCKET_POOL_MAX: '4' });
    await waitFor(async () => (await readyWorkers(server)) === 4);
    const requests = Array.from({ length: 50 }, () => get(`${server.url}/api/sleep?ms=150`));
    // Every worker is busy and 46 requests wait: kill one busy worker.
    const victim = await waitFor(async () => (await workers(server.socketPath)).find((w) => w.state === 'busy'));
    process.kill(victim.pid, 'SIGKILL');
    const killedAt = Date.now();
    const results = await Promise.all(requests);
    const failed = results.filter((r) => r.status !== 200);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status).toBe(502);
    expect(failed[0]!.body).toMatch(/Bad Gateway/);
    await waitFor(async () => (await readyWorkers(server)) === 4, 1000 + Math.max(0, killedAt + 1000 - Date.now()));
    expect((await workers(server.socketPath)).map((w) => w.pid)).not.toContain(victim.pid);
  });

  it('a worker that crashes at boot is retried with backoff and its PHP error is logged', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', PHP_HANDLER: 'test/fixtures/broken-handler.php' });
    await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('PHP worker failed to start') && l.msg.includes('handler is broken on purpose'));
    const backoff = await server.waitForLog((l) => l.msg === 'PHP workers are failing to start; waiting before the next try');
    expect(backoff['delayMs']).toBeGreaterThan(0);
    const res = await get(`${server.url}/readyz`);
    expect(res.status).toBe(503);
  });
});

describe('timeout', () => {
  it('a request past REQUEST_TIMEOUT gets 504, its worker is replaced, others are unaffected', async () => {
    const server = await start({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', REQUEST_TIMEOUT: '1' });
    await waitFor(async () => (await readyWorkers(server)) === 2);
    const before = (await workers(server.socketPath)).map((w) => w.pid);
    const started = Date.now();
    const slow = get(`${server.url}/api/sleep?ms=5000`);
    const fast = await Promise.all(Array.from({ length: 5 }, () => get(`${server.url}/api/ping`)));
    expect(fast.every((r) => r.status === 200)).toBe(true);
    const res = await slow;
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(async () => (await readyWorkers(server)) === 2);
    const after = (await workers(server.socketPath)).map((w) => w.pid);
    expect(after.filter((pid) => before.includes(pid))).toHaveLength(1);
  });
});

describe('recycling', () => {
  it('replaces a worker after MAX_REQUESTS requests without failing any request', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_REQUESTS: '5' });
    const pids: number[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await get(`${server.url}/api/pid`);
      expect(res.status).toBe(200);
      pids.push((JSON.parse(res.body) as { pid: number }).pid);
    }
    const distinct = [...new Set(pids)];
    expect(distinct.length).toBeGreaterThanOrEqual(4);
    for (const pid of distinct) expect(pids.filter((p) => p === pid).length).toBeLessThanOrEqual(5);
  });

  it('replaces a worker whose memory passes WORKER_MEMORY_LIMIT, between requests', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', WORKER_MEMORY_LIMIT: '48' });
    const first = JSON.parse((await get(`${server.url}/api/pid`)).body) as { pid: number };
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const res = await get(`${server.url}/api/leak?mb=10`);
      expect(res.status).toBe(200);
      seen.add((JSON.parse(res.body) as { pid: number }).pid);
    }
    expect(seen.has(first.pid)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });
});

describe('scaling and backpressure', () => {
  it('grows to SOCKET_POOL_MAX under load and shrinks back when idle', async () => {
    // Growth past the core count also asks whether the machine's CPU has room
    // (POOL_GROW_IDLE_CPU), which other suites running beside this one decide: not measured here.
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '3', POOL_IDLE_TIMEOUT: '1', POOL_GROW_IDLE_CPU: '0' });
    const results = await Promise.all(Array.from({ length: 30 }, () => get(`${server.url}/api/sleep?ms=100`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.logs.filter((l) => l.msg === 'PHP worker ready').length).toBeGreaterThanOrEqual(3);
    await waitFor(async () => (await workers(server.socketPath)).length === 1, 10_000, 200);
  });

  it('answers 503 with Retry-After at once when the queue is full', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_QUEUE: '2' });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(`${server.url}/api/sleep?ms=300`);
        return { status: res.status, retryAfter: res.headers.get('retry-after'), at: Date.now() - started };
      }),
    );
    const rejected = results.filter((r) => r.status === 503);
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(rejected).toHaveLength(7);
    for (const r of rejected) {
      expect(r.retryAfter).toBe('1');
      expect(r.at).toBeLessThan(250);
    }
  });
});

describe('a flood', () => {
  it('answers 1,000 simultaneous requests at once with 503s beyond the queue, with the server\'s memory bounded', async () => {
    const server = await start({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_QUEUE: '20' });
    const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024;
    const before = rss();
    const results = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        try {
          const res = await fetch(`${server.url}/api/sleep?ms=20`);
          await res.arrayBuffer();
          return res.status;
        } catch {
          return 0;
        }
      }),
    );
    const served = results.filter((s) => s === 200).length;
    const refused = results.filter((s) => s === 503).length;
    expect(served + refused).toBe(1000);
    expect(served).toBeGreaterThanOrEqual(21);
    expect(refused).toBeGreaterThan(500);
    // Nothing piles up: what could not wait was refused, not buffered.
    expect(rss() - before).toBeLessThan(100);
    expect((await fetch(`${server.url}/api/ping`)).status).toBe(200);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz itself, and replaces a worker that stops answering pings', async () => {
    const server = await start({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', SOCKET_HEALTH_CHECK_INTERVAL: '0.5', SOCKET_CONNECTION_TIMEOUT: '0.5' });
    await waitFor(async () => (await readyWorkers(server)) === 2);
    const health = await get(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await get(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', workers: 2 });

    const [frozen] = await workers(server.socketPath);
    process.kill(frozen!.pid, 'SIGSTOP');
    try {
      await server.waitForLog((l) => l.msg === 'killing PHP worker' && typeof l['reason'] === 'string' && (l['reason'] as string).includes('health check'), 10_000);
      await waitFor(async () => {
        const list = await workers(server.socketPath);
        return list.length === 2 && !list.some((w) => w.pid === frozen!.pid) && list.every((w) => w.state !== 'booting');
      });
    } finally {
      try {
        process.kill(frozen!.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    expect((await get(`${server.url}/api/ping`)).status).toBe(200);
  });
});

/** Sends requests back to back on `concurrency` loops until `stop()` and counts the outcomes. */
function load(url: string, concurrency: number): { stop: () => Promise<{ ok: number; failed: Array<number | string> }> } {
  let running = true;
  const failed: Array<number | string> = [];
  let ok = 0;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else failed.push(res.status);
      } catch (err) {
        failed.push(String((err as Error).cause ?? err));
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ok, failed };
    },
  };
}

describe('graceful reload and shutdown', () => {
  it('reload under load replaces every worker with zero failed requests', async () => {
    // MAX_REQUESTS=0: no recycling in the middle, so every replacement is the reload's.
    const server = await start({ SOCKET_POOL_MIN: '3', SOCKET_POOL_MAX: '3', MAX_REQUESTS: '0' });
    await waitFor(async () => (await readyWorkers(server)) === 3);
    const before = (await workers(server.socketPath)).map((w) => w.pid);
    const traffic = load(`${server.url}/api/ping`, 8);
    await new Promise((r) => setTimeout(r, 300));
    const reply = await control<{ ok: boolean; replaced: number }>(server.socketPath, 'reload');
    expect(reply).toMatchObject({ ok: true, replaced: 3 });
    server.child.kill('SIGHUP');
    await waitFor(() => server.logs.filter((l) => l.msg === 'reload: done' && l['replaced'] === 3).length === 2, 20_000).catch((err) => {
      console.log(server.logs.filter((l) => l.msg !== 'request').map((l) => JSON.stringify(l).slice(0, 300)).join('\n'));
      throw err;
    });
    await new Promise((r) => setTimeout(r, 300));
    const { ok, failed } = await traffic.stop();
    expect(failed).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    const after = (await workers(server.socketPath)).map((w) => w.pid);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  });

  it('watch mode reloads the workers when the app\'s code changes, and not for its database writes', async () => {
    const server = await start({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', WATCH: 'true' });
    await waitFor(async () => (await readyWorkers(server)) === 2);
    const before = (await workers(server.socketPath)).map((w) => w.pid);
    // A database write (the app writing its SQLite file) is not a reason to reload.
    const created = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name: 'Watcher', email: `watch-${Date.now()}@example.com` }),
    });
    expect(created.status).toBe(201);
    await new Promise((r) => setTimeout(r, 800));
    expect(server.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('watch: app files changed'))).toEqual([]);

    const routes = join(DEFAULT_APP.path, 'routes', 'web.php');
    utimesSync(routes, new Date(), new Date());
    await server.waitForLog((l) => l.msg === 'reload: done', 15_000);
    // The old workers leave once they are idle, just after the reload's last step.
    await waitFor(async () => !(await workers(server.socketPath)).some((w) => before.includes(w.pid)));
    expect((await fetch(`${server.url}/api/ping`)).status).toBe(200);
  });

  it('SIGTERM lets in-flight requests finish, stops the workers, removes the sockets and exits 0', async () => {
    const server = await start({ SOCKET_POOL_MIN: '4', SOCKET_POOL_MAX: '4', SHUTDOWN_GRACE: '10' });
    await waitFor(async () => (await readyWorkers(server)) === 4);
    const pids = (await workers(server.socketPath)).map((w) => w.pid);
    expect((statSync(server.socketPath).mode & 0o777).toString(8)).toBe('600');
    const inFlight = Array.from({ length: 4 }, () => get(`${server.url}/api/sleep?ms=700`));
    await waitFor(async () => (await workers(server.socketPath)).filter((w) => w.state === 'busy').length === 4);
    const code = server.stop('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await code).toBe(0);
    expect(existsSync(server.socketPath)).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(`${server.url}/api/ping`)).rejects.toThrow();
  });
});

describe('socket files', () => {
  it('keeps worker sockets 0600 in a private 0700 directory and removes them on shutdown', async () => {
    const server = await start({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2' });
    const dir = `${server.socketPath}.workers`;
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const sockets = readdirSync(dir);
    expect(sockets.length).toBeGreaterThanOrEqual(1);
    for (const name of sockets) expect((statSync(join(dir, name)).mode & 0o777).toString(8)).toBe('600');
    expect(await server.stop()).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('removes a stale socket left by a dead server, and refuses to steal a live one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lfd-stale-'));
    const socketPath = join(dir, 'bridge.sock');
    // A stale socket: a process bound it and died without removing it.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(existsSync(socketPath)).toBe(true);
    const first = await start({ SOCKET_PATH: socketPath, SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
    expect((await fetch(`${first.url}/api/ping`)).status).toBe(200);

    // A second server with the same SOCKET_PATH must refuse, naming the problem.
    const second = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      env: { PATH: process.env['PATH'] ?? '', SOCKET_PATH: socketPath, HTTP_PORT: String(await freePort()), LOG_DIR: join(dir, 'logs2'), LARAVEL_PATH: DEFAULT_APP.path },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).not.toBe(0);
    expect(second.stderr).toContain('SOCKET_IN_USE');
    expect(second.stderr).toContain(socketPath);
    // Only the message: no crash of the logger on the way out.
    expect(second.stderr).not.toContain('sonic boom');
    expect(second.stderr).not.toMatch(/^\s+at /m);
    // The first server is untouched.
    expect((await fetch(`${first.url}/api/ping`)).status).toBe(200);
  });
});
