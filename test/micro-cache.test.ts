/**
 * The micro-cache (CACHE_MAX_MB) against the real server, real PHP workers and the Laravel 12
 * app: the probe route /api/cache/page counts every run of PHP per `tag` in a file shared by
 * all workers, so "PHP ran it N times" is read from the app itself.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP, assertAppBuilt } from './helpers/apps.js';
import { control, waitFor } from './helpers/control.js';
import { ROOT, startServer, type RunningServer } from './helpers/server.js';

const run = promisify(execFile);
/** MAX_RESPONSE_BUFFER of the suite's server: a larger body streams, so it is never cached. */
const BUFFER = 64 * 1024;

let server: RunningServer;
const tag = (): string => randomUUID().slice(0, 12);
const page = (t: string, query = ''): string => `${server.url}/api/cache/page?tag=${t}${query ? `&${query}` : ''}`;

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; cache: string | null; age: string | null; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, cache: res.headers.get('x-cache'), age: res.headers.get('age'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

async function phpRuns(t: string): Promise<number> {
  const res = await fetch(`${server.url}/api/cache/count?tag=${t}`);
  return ((await res.json()) as { count: number }).count;
}

const failMode = async (t: string, mode: '500' | 'exit' | 'slow' | 'off'): Promise<void> => {
  const res = await fetch(`${server.url}/api/cache/fail?tag=${t}&mode=${mode}`, { method: 'POST' });
  expect(res.status).toBe(200);
};

interface Stats {
  entries: number;
  bytes: number;
  maxBytes: number;
}

beforeAll(async () => {
  assertAppBuilt(DEFAULT_APP);
  // REQUEST_TIMEOUT 2 s: the probe's `slow` mode (5 s) times out.
  server = await startServer({ CACHE_MAX_MB: '1', MAX_RESPONSE_BUFFER: String(BUFFER), REQUEST_TIMEOUT: '2', SOCKET_POOL_MIN: '3', SOCKET_POOL_MAX: '3' });
});

afterAll(async () => {
  await server?.stop();
});

describe('micro-cache', () => {
  it('answers MISS from PHP, then HIT from memory with Age, PHP running once', async () => {
    const t = tag();
    const first = await get(page(t));
    expect(first).toMatchObject({ status: 200, cache: 'MISS' });
    expect(first.body['count']).toBe(1);
    const second = await get(page(t));
    expect(second).toMatchObject({ status: 200, cache: 'HIT' });
    expect(second.body).toEqual(first.body);
    expect(Number(second.age)).toBeGreaterThanOrEqual(0);
    expect(second.headers.get('cache-control')).toBe('max-age=60, public');
    expect(await phpRuns(t)).toBe(1);
  });

  it('answers a client\'s Cache-Control: no-cache and its cookies from the cache, as nginx does by default', async () => {
    const t = tag();
    expect((await get(page(t))).cache).toBe('MISS');
    const noCache = await get(page(t), { headers: { 'cache-control': 'no-cache', pragma: 'no-cache' } });
    const withCookie = await get(page(t), { headers: { cookie: 'laravel_session=abc' } });
    expect([noCache.cache, withCookie.cache]).toEqual(['HIT', 'HIT']);
    expect(await phpRuns(t)).toBe(1);
  });

  it('sends 50 concurrent requests for one cold key to PHP once', async () => {
    const t = tag();
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(page(t, 'sleep=300'))));
    expect(answers.every((a) => a.status === 200 && a.body['count'] === 1)).toBe(true);
    expect(answers.filter((a) => a.cache === 'MISS')).toHaveLength(1);
    expect(answers.filter((a) => a.cache === 'HIT')).toHaveLength(49);
    expect(await phpRuns(t)).toBe(1);
  });

  it('lets waiters go to PHP themselves when the one answer is not cacheable', async () => {
    const t = tag();
    const answers = await Promise.all(Array.from({ length: 5 }, () => get(page(t, 'sleep=200&cookie=1'))));
    expect(answers.every((a) => a.status === 200 && a.cache === 'MISS')).toBe(true);
    expect(await phpRuns(t)).toBe(5);
  });

  const uncacheable: Array<[string, string, RequestInit?]> = [
    ['Set-Cookie', 'cookie=1'],
    ['private', `cc=${encodeURIComponent('private, max-age=60')}`],
    ['no-store', `cc=${encodeURIComponent('public, max-age=60, no-store')}`],
    ['no-cache', `cc=${encodeURIComponent('public, max-age=60, no-cache')}`],
    ['no max-age', 'cc=public'],
    ['Vary: *', 'vary=*'],
    ['a non-cacheable status (201)', 'status=201'],
    ['a streamed response', 'stream=1'],
    ['a body over MAX_RESPONSE_BUFFER', `bytes=${BUFFER + 1000}`],
    ['Authorization on the request', '', { headers: { authorization: 'Bearer x' } }],
    ['POST', '', { method: 'POST' }],
  ];
  it.each(uncacheable)('passes through every time: %s', async (_name, query, init) => {
    const t = tag();
    const first = await get(page(t, query), init);
    const second = await get(page(t, query), init);
    expect(first.status).toBe(second.status);
    expect(second.body['count']).toBe(2);
    expect(await phpRuns(t)).toBe(2);
    // Requests the cache does not take (POST, Authorization) carry no X-Cache at all.
    const bypass = init !== undefined;
    expect(second.cache).toBe(bypass ? null : 'MISS');
  });

  it('keys by the request headers the response names in Vary', async () => {
    const t = tag();
    const q = 'vary=Accept-Language';
    const en1 = await get(page(t, q), { headers: { 'accept-language': 'en' } });
    const fr1 = await get(page(t, q), { headers: { 'accept-language': 'fr' } });
    const en2 = await get(page(t, q), { headers: { 'accept-language': 'en' } });
    const fr2 = await get(page(t, q), { headers: { 'accept-language': 'fr' } });
    expect([en1.cache, fr1.cache, en2.cache, fr2.cache]).toEqual(['MISS', 'MISS', 'HIT', 'HIT']);
    expect([en2.body['lang'], fr2.body['lang']]).toEqual(['en', 'fr']);
    expect(en2.body['count']).toBe(en1.body['count']);
    expect(fr2.body['count']).toBe(fr1.body['count']);
    expect(await phpRuns(t)).toBe(2);
  });

  it('stale-while-revalidate: serves STALE at once, refreshes in the background, then HIT the fresh copy', async () => {
    const t = tag();
    const q = `cc=${encodeURIComponent('public, max-age=1, stale-while-revalidate=60')}`;
    expect((await get(page(t, q))).cache).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100));
    const stale = await get(page(t, q));
    expect(stale).toMatchObject({ status: 200, cache: 'STALE' });
    expect(stale.body['count']).toBe(1);
    expect(Number(stale.age)).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await phpRuns(t)) === 2, 5000);
    const fresh = await waitFor(async () => {
      const a = await get(page(t, q));
      return a.cache === 'HIT' ? a : undefined;
    }, 5000);
    expect(fresh.body['count']).toBe(2);
    expect(await phpRuns(t)).toBe(2);
  });

  it('stale-if-error: serves STALE when PHP answers 500 or its worker dies, then the fresh copy once PHP is well', async () => {
    const t = tag();
    const q = `cc=${encodeURIComponent('public, max-age=1, stale-if-error=60')}`;
    expect((await get(page(t, q))).cache).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100));
    await failMode(t, '500');
    const on500 = await get(page(t, q));
    expect(on500).toMatchObject({ status: 200, cache: 'STALE' });
    expect(on500.body['count']).toBe(1);
    await failMode(t, 'exit');
    const onCrash = await get(page(t, q));
    expect(onCrash).toMatchObject({ status: 200, cache: 'STALE' });
    expect(onCrash.body['count']).toBe(1);
    await failMode(t, 'off');
    const healed = await get(page(t, q));
    expect(healed).toMatchObject({ status: 200, cache: 'MISS' });
    expect(healed.body['count']).toBe(4);
  });

  it('stale-if-error: serves STALE when PHP runs past REQUEST_TIMEOUT (the front door\'s 504)', async () => {
    const t = tag();
    const q = `cc=${encodeURIComponent('public, max-age=1, stale-if-error=60')}`;
    expect((await get(page(t, q))).cache).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100));
    await failMode(t, 'slow');
    const started = Date.now();
    const late = await get(page(t, q));
    expect(late).toMatchObject({ status: 200, cache: 'STALE' });
    expect(late.body['count']).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    await failMode(t, 'off');
  });

  it('without stale-if-error, a failure reaches the client', async () => {
    const t = tag();
    const q = `cc=${encodeURIComponent('public, max-age=1')}`;
    expect((await get(page(t, q))).cache).toBe('MISS');
    await new Promise((r) => setTimeout(r, 1100));
    await failMode(t, '500');
    expect((await fetch(page(t, q))).status).toBe(500);
    await failMode(t, 'off');
  });

  it('serves HEAD from a GET entry without a body, and fills the entry from a cold HEAD', async () => {
    const t = tag();
    const got = await fetch(page(t));
    const body = await got.arrayBuffer();
    const head = await fetch(page(t), { method: 'HEAD' });
    expect(head.headers.get('x-cache')).toBe('HIT');
    expect(head.headers.get('content-length')).toBe(String(body.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const t2 = tag();
    const coldHead = await fetch(page(t2), { method: 'HEAD' });
    expect(coldHead.headers.get('x-cache')).toBe('MISS');
    expect((await coldHead.arrayBuffer()).byteLength).toBe(0);
    const afterHead = await get(page(t2));
    expect(afterHead.cache).toBe('HIT');
    expect(afterHead.body['count']).toBe(1);
  });

  it('purges by path prefix through `npm run cache:purge`', async () => {
    const t = tag();
    const a = `${server.url}/api/cache/sections/alpha?tag=${t}`;
    const b = `${server.url}/api/cache/sections/beta?tag=${t}`;
    await get(a);
    await get(b);
    expect((await get(a)).cache).toBe('HIT');
    const { stdout } = await run('npm', ['run', '--silent', 'cache:purge', '--', '/api/cache/sections/al'], {
      cwd: ROOT,
      env: { ...process.env, SOCKET_PATH: server.socketPath },
    });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, prefix: '/api/cache/sections/al', purged: 1 });
    expect((await get(a)).cache).toBe('MISS');
    expect((await get(b)).cache).toBe('HIT');
    expect(await phpRuns(t)).toBe(3);
  });

  it('refuses a purge without a path prefix', async () => {
    expect(await control(server.socketPath, 'cache-purge nothing')).toMatchObject({ ok: false });
  });

  it('keeps the total within CACHE_MAX_MB, evicting the least recently used entries', async () => {
    const t = tag();
    const keys = Array.from({ length: 40 }, (_, i) => page(`${t}${i}`, 'bytes=40000'));
    for (const key of keys) expect((await get(key)).cache).toBe('MISS');
    const stats = (await control<{ ok: boolean; cache: Stats }>(server.socketPath, 'cache-stats')).cache;
    expect(stats.maxBytes).toBe(1024 * 1024);
    expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
    expect(stats.entries).toBeLessThan(40);
    expect(stats.entries).toBeGreaterThan(10);
    expect((await get(keys[39]!)).cache).toBe('HIT');
    expect((await get(keys[0]!)).cache).toBe('MISS');
  });
});

describe('micro-cache off (CACHE_MAX_MB=0, the default)', () => {
  let plain: RunningServer;
  beforeAll(async () => {
    plain = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('sends every request to PHP and adds no X-Cache', async () => {
    const t = tag();
    for (let i = 1; i <= 2; i++) {
      const res = await fetch(`${plain.url}/api/cache/page?tag=${t}`);
      expect(res.headers.get('x-cache')).toBeNull();
      expect(((await res.json()) as { count: number }).count).toBe(i);
    }
    expect(await control(plain.socketPath, 'cache-stats')).toMatchObject({ ok: false, error: expect.stringMatching(/off/) });
  });
});
