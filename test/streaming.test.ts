/**
 * Streamed responses go to the client as PHP produces them, with backpressure, in flat memory,
 * and stop PHP's work when the client leaves.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LARAVEL_APPS, assertAppBuilt } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

const BIG = 200 * 1024 * 1024;

describe.each(LARAVEL_APPS)('$name', (app) => {
  let server: RunningServer;
  const storage = join(app.path, 'storage', 'app');
  const bigFile = join(storage, 'stream-test-200m.bin');
  let bigSha1 = '';

  beforeAll(async () => {
    assertAppBuilt(app);
    // 200 MiB of a repeating 1 MiB block: cheap to write, and a sha1 catches any lost or doubled chunk.
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 10)) & 0xff;
    const hash = createHash('sha1');
    const fd = openSync(bigFile, 'w');
    for (let i = 0; i < BIG / block.length; i++) {
      block[0] = i & 0xff; // each block slightly different
      writeSync(fd, block);
      hash.update(block);
    }
    closeSync(fd);
    bigSha1 = hash.digest('hex');
    // One worker thread: the body crosses a thread boundary over the MessagePort relay.
    server = await startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', WORKER_THREADS: '1' });
  });

  afterAll(async () => {
    const code = server ? await server.stop() : 0;
    rmSync(bigFile, { force: true });
    const lastLogs = server?.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n');
    expect(code, `server stderr:\n${server?.stderr.join('\n')}\nlast log lines:\n${lastLogs}`).toBe(0);
  });

  function rssMb(pid: number): number {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  }

  describe('streamed responses', () => {
    it('sends the first bytes of a slow StreamedResponse before the last ones are produced', async () => {
      const started = Date.now();
      const res = await fetch(`${server.url}/api/stream?chunks=5&delay=300&size=32`);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const arrivals: Array<{ at: number; text: string }> = [];
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arrivals.push({ at: Date.now() - started, text: decoder.decode(value) });
      }
      const all = arrivals.map((a) => a.text).join('');
      expect(all.split('\n').filter(Boolean)).toHaveLength(5);
      expect(all).toMatch(/^000000:/);
      // PHP takes about 1.5 s to produce everything; the first chunk must not wait for that.
      expect(arrivals[0]!.at).toBeLessThan(900);
      expect(arrivals.at(-1)!.at).toBeGreaterThan(1100);
      expect(arrivals.length).toBeGreaterThan(1);
    });

    it('streams a 200 MB download intact, with the server\'s RSS staying under 200 MB, even for a slow reader', async () => {
      const pid = server.child.pid!;
      let peak = rssMb(pid);
      const res = await fetch(`${server.url}/api/download?path=stream-test-200m.bin`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(BIG));
      expect(res.headers.get('content-disposition')).toContain('stream-test-200m.bin');
      const hash = createHash('sha1');
      const reader = res.body!.getReader();
      let received = 0;
      let paused = false;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        received += value.byteLength;
        if (!paused && received > 20 * 1024 * 1024) {
          // A slow client: stop reading for a while; backpressure must hold PHP back, not buffer.
          paused = true;
          await new Promise((r) => setTimeout(r, 1500));
          peak = Math.max(peak, rssMb(pid));
        }
        if (received % (16 * 1024 * 1024) < value.byteLength) peak = Math.max(peak, rssMb(pid));
      }
      expect(received).toBe(BIG);
      expect(hash.digest('hex')).toBe(bigSha1);
      expect(peak).toBeLessThan(200);
    });

    it('stops the PHP side\'s work when the client disconnects mid-stream (server-sent events)', async () => {
      const id = `t${Date.now()}`;
      const counter = join(storage, `sse-${id}.count`);
      const controller = new AbortController();
      const res = await fetch(`${server.url}/api/sse?id=${id}`, { signal: controller.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('data: 3')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      await new Promise((r) => setTimeout(r, 400));
      const afterStop = Number(readFileSync(counter, 'utf8'));
      await new Promise((r) => setTimeout(r, 600));
      expect(Number(readFileSync(counter, 'utf8'))).toBe(afterStop);
      await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('cancelled by the client'));
      rmSync(counter, { force: true });
      // The worker is free again and in sync.
      const ping = await Promise.all([fetch(`${server.url}/api/ping`), fetch(`${server.url}/api/ping`)]);
      expect(ping.map((r) => r.status)).toEqual([200, 200]);
      expect(existsSync(counter)).toBe(false);
    });

    it('stops the PHP side\'s work when the client leaves before the stream\'s head (server-sent events)', async () => {
      const id = `h${Date.now()}`;
      const counter = join(storage, `sse-${id}.count`);
      const controller = new AbortController();
      // The controller takes 400 ms before the stream begins; the client leaves after 100.
      const pending = fetch(`${server.url}/api/sse?id=${id}&delay=400`, { signal: controller.signal }).catch(() => null);
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await pending;
      // The producer starts after the delay, writes its first tick, and is stopped at its first
      // write; left running it would count on, 20 ticks a second.
      const started = Date.now();
      while (!existsSync(counter) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      const afterStop = Number(readFileSync(counter, 'utf8'));
      await new Promise((r) => setTimeout(r, 600));
      expect(Number(readFileSync(counter, 'utf8'))).toBe(afterStop);
      expect(afterStop).toBeLessThan(10);
      rmSync(counter, { force: true });
      const ping = await Promise.all([fetch(`${server.url}/api/ping`), fetch(`${server.url}/api/ping`)]);
      expect(ping.map((r) => r.status)).toEqual([200, 200]);
    });

    it('answers HEAD on a streamed response without a body', async () => {
      const res = await fetch(`${server.url}/api/stream?chunks=3`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    });
  });
});
