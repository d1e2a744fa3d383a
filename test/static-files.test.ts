/**
 * Static files under public/ served by the front door itself (nginx's
 * `try_files $uri /index.php?$query_string`), end to end against the real server and the default
 * test app (DEFAULT_APP, Laravel 12). Fixtures live in its public/static-test/ for the length of
 * this file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagFor, parseRange, planResponse } from '../src/http/static-files.js';
import { contentTypeFor, isServablePath, StaticIndex } from '../src/http/static-cache.js';
import type { Logger } from '../src/logger.js';
import { rawRequest } from './helpers/raw-http.js';
import { DEFAULT_APP } from './helpers/apps.js';
import { startServer, type LogLine, type RunningServer } from './helpers/server.js';

const PUBLIC = join(DEFAULT_APP.path, 'public');
const DIR = join(PUBLIC, 'static-test');
const BIG_SIZE = 5 * 1024 * 1024;
const big = randomBytes(BIG_SIZE);
const HELLO = 'hello static world\n';
const PHP_SOURCE = "<?php echo 'ran'; // STATIC-TEST-SOURCE-MARKER\n";
/** Text from files that must never reach a client. */
const SECRETS = ['APP_KEY', 'LARAVEL_START', 'root:x:0:0', '<?php', 'STATIC-TEST-SOURCE-MARKER', 'RewriteEngine'];

const sha1 = (data: Uint8Array): string => createHash('sha1').update(data).digest('hex');

let server: RunningServer;

function writeFixtures(): void {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, 'sub'), { recursive: true });
  mkdirSync(join(DIR, '.well-known'), { recursive: true });
  writeFileSync(join(DIR, 'big.bin'), big);
  writeFileSync(join(DIR, 'hello.txt'), HELLO);
  writeFileSync(join(DIR, 'with space.txt'), 'spaced\n');
  writeFileSync(join(DIR, 'page.html'), '<!doctype html><title>t</title>\n');
  writeFileSync(join(DIR, 'style.css'), 'body { color: red }\n');
  writeFileSync(join(DIR, 'app.js'), 'console.log(1);\n');
  writeFileSync(join(DIR, 'data.json'), '{"a":1}\n');
  writeFileSync(join(DIR, 'pixel.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  writeFileSync(join(DIR, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  writeFileSync(join(DIR, 'LICENSE'), 'no extension\n');
  writeFileSync(join(DIR, 'sub', 'nested.txt'), 'nested\n');
  writeFileSync(join(DIR, '.hidden.txt'), 'hidden\n');
  writeFileSync(join(DIR, '.well-known', 'acme.txt'), 'acme-challenge\n');
  writeFileSync(join(DIR, 'secret.php'), PHP_SOURCE);
  writeFileSync(join(DIR, 'SHOUT.PHP'), PHP_SOURCE);
  symlinkSync('/etc/passwd', join(DIR, 'passwd'));
  symlinkSync('../../.env', join(DIR, 'env.txt')); // the app's .env, outside public/
  symlinkSync('../../artisan', join(DIR, 'artisan.txt'));
  symlinkSync('../index.php', join(DIR, 'index-source.txt')); // inside public/, but a script
  symlinkSync('hello.txt', join(DIR, 'inside.txt')); // inside public/: served
  symlinkSync('sub', join(DIR, 'alias')); // a directory link inside public/: served
  symlinkSync('..', join(DIR, 'up')); // a link back up to public/: a loop, not walked
}

beforeAll(async () => {
  writeFixtures();
  server = await startServer({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '4', WORKER_THREADS: '1' });
});

afterAll(async () => {
  try {
    const code = await server?.stop();
    expect(code).toBe(0);
  } finally {
    rmSync(DIR, { recursive: true, force: true });
  }
});

/**
 * Log lines already matched to a request. Every helper takes its own requests' lines, so a line
 * that reaches the log after its response reached the client is never taken for a later request.
 */
const taken = new Set<LogLine>();

/** The oldest `request` log line for `path` not yet matched to a request. */
function requestLog(path: string, timeoutMs = 10_000): Promise<LogLine> {
  // Taken inside the predicate: with several callers waiting, each new line goes to one of them.
  return server.waitForLog((l) => {
    if (l.msg !== 'request' || l.path !== path || taken.has(l)) return false;
    taken.add(l);
    return true;
  }, timeoutMs);
}

async function get(path: string, init?: RequestInit): Promise<{ res: Response; body: Buffer; log: LogLine }> {
  const res = await fetch(`${server.url}${path}`, init);
  const body = Buffer.from(await res.arrayBuffer());
  const log = await requestLog(new URL(path, 'http://x').pathname);
  return { res, body, log };
}

/** A raw request whose target is sent exactly as written (fetch would normalise `..`). */
async function raw(target: string, method = 'GET'): Promise<{ status: number | null; response: string; log: LogLine | null }> {
  const result = await rawRequest(server.port, [`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`], { waitMs: 5000 });
  // uWS itself may refuse a target before our handler sees it: then there is no log line.
  const log = result.status === null ? null : await requestLog(target.split('?')[0]!, 3000).catch(() => null);
  return { status: result.status, response: result.response, log };
}

/** Reads one response off a raw socket; `pauseMs` stops reading after the first bytes so the server meets backpressure. */
async function download(
  path: string,
  options: { pauseMs?: number; abortAfterFirst?: boolean; onFirst?: () => void; skipLog?: boolean } = {},
): Promise<{ head: string; body: Buffer; log: LogLine | null }> {
  const result = await new Promise<{ head: string; body: Buffer }>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    let first = true;
    let headEnd = -1;
    let expected = -1;
    socket.on('error', reject);
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      received += data.length;
      if (first) {
        first = false;
        options.onFirst?.();
        if (options.abortAfterFirst) {
          socket.destroy();
          resolve({ head: '', body: Buffer.alloc(0) });
          return;
        }
        if (options.pauseMs) {
          socket.pause();
          setTimeout(() => socket.resume(), options.pauseMs);
        }
      }
      const all = Buffer.concat(chunks);
      if (headEnd === -1) {
        headEnd = all.indexOf('\r\n\r\n');
        if (headEnd !== -1) expected = Number(/content-length: (\d+)/i.exec(all.subarray(0, headEnd).toString('latin1'))?.[1] ?? -1);
      }
      if (headEnd !== -1 && received - headEnd - 4 >= expected) {
        socket.destroy();
        resolve({ head: all.subarray(0, headEnd).toString('latin1'), body: all.subarray(headEnd + 4) });
      }
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
  return { ...result, log: options.skipLog ? null : await requestLog(path) };
}

/** Sends requests one after another on one keep-alive connection; returns each status and body. */
function keepAlive(requests: Array<{ method: string; path: string; headers?: string }>): Promise<Array<{ status: number; body: Buffer }>> {
  return new Promise<Array<{ status: number; body: Buffer }>>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const results: Array<{ status: number; body: Buffer }> = [];
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`keep-alive: only ${results.length} of ${requests.length} answered`));
    }, 10_000);
    const next = (): void => {
      const request = requests[results.length];
      if (request === undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve(results);
        return;
      }
      socket.write(`${request.method} ${request.path} HTTP/1.1\r\nHost: localhost\r\n${request.headers ?? ''}\r\n`);
    };
    socket.on('error', reject);
    socket.on('close', () => {
      if (results.length < requests.length) reject(new Error(`keep-alive: the server closed the connection after ${results.length} responses`));
    });
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = buffered.subarray(0, headEnd).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const noBody = requests[results.length]!.method === 'HEAD' || status === 304;
      const length = noBody ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < headEnd + 4 + length) return;
      results.push({ status, body: buffered.subarray(headEnd + 4, headEnd + 4 + length) });
      buffered = buffered.subarray(headEnd + 4 + length);
      next();
    });
    socket.on('connect', next);
  }).then(async (results) => {
    for (const request of requests) await requestLog(request.path);
    return results;
  });
}

/** Polls until `check` passes (the index follows public/ through a debounced watch). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('static files: content and validators', () => {
  it.each([
    ['/static-test/hello.txt', 'text/plain; charset=utf-8'],
    ['/static-test/page.html', 'text/html; charset=utf-8'],
    ['/static-test/style.css', 'text/css'],
    ['/static-test/app.js', 'text/javascript; charset=utf-8'],
    ['/static-test/data.json', 'application/json'],
    ['/static-test/pixel.png', 'image/png'],
    ['/static-test/logo.svg', 'image/svg+xml'],
    ['/static-test/LICENSE', 'application/octet-stream'],
    ['/static-test/big.bin', 'application/octet-stream'],
    ['/robots.txt', 'text/plain; charset=utf-8'],
  ])('%s is served by the front door as %s', async (path, type) => {
    const { res, log } = await get(path, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(log).toMatchObject({ method: 'HEAD', status: 200, worker: null });
  });

  it('sends the file with nginx-style ETag, Last-Modified, Accept-Ranges and no Cache-Control', async () => {
    const { res, body, log } = await get('/static-test/hello.txt');
    expect(res.status).toBe(200);
    expect(body.toString()).toBe(HELLO);
    const st = statSync(join(DIR, 'hello.txt'));
    const mtimeSec = Math.floor(st.mtimeMs / 1000);
    expect(res.headers.get('etag')).toBe(`"${mtimeSec.toString(16)}-${st.size.toString(16)}"`);
    expect(res.headers.get('last-modified')).toBe(new Date(mtimeSec * 1000).toUTCString());
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(HELLO.length));
    expect(res.headers.get('cache-control')).toBeNull();
    expect(res.headers.get('uwebsockets')).toBe('20');
    expect(log).toMatchObject({ method: 'GET', path: '/static-test/hello.txt', status: 200, worker: null });
  });

  it('serves an empty file, a percent-encoded name, .well-known and a symlink that stays inside public/', async () => {
    const busted = await get('/static-test/style.css?id=0123abcd'); // Laravel Mix's cache busting
    expect(busted.body.toString()).toBe('body { color: red }\n');
    expect(busted.log.worker).toBeNull();
    const favicon = await get('/favicon.ico');
    expect(favicon.res.status).toBe(200);
    expect(favicon.res.headers.get('content-length')).toBe('0');
    expect((await get('/static-test/with%20space.txt')).body.toString()).toBe('spaced\n');
    expect((await get('/static-test/hello%2Etxt')).body.toString()).toBe(HELLO);
    const acme = await get('/static-test/.well-known/acme.txt');
    expect(acme.res.status).toBe(200);
    expect(acme.body.toString()).toBe('acme-challenge\n');
    const inside = await get('/static-test/inside.txt');
    expect(inside.body.toString()).toBe(HELLO);
    expect(inside.log.worker).toBeNull();
    expect((await get('/static-test/alias/nested.txt')).log).toMatchObject({ status: 200, worker: null });
    expect((await get('/static-test/up/robots.txt')).log.worker).toEqual(expect.any(Number)); // the loop went unwalked
  });

  it('answers 304 to If-None-Match (strong, weak, in a list) and 200 to a different tag', async () => {
    const { res } = await get('/static-test/hello.txt');
    const etag = res.headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await get('/static-test/hello.txt', { headers: { 'if-none-match': inm } });
      expect(r.res.status, inm).toBe(304);
      expect(r.body.length).toBe(0);
      expect(r.res.headers.get('etag')).toBe(etag);
      expect(r.log).toMatchObject({ status: 304, worker: null });
    }
    const other = await get('/static-test/hello.txt', { headers: { 'if-none-match': '"0-0"' } });
    expect(other.res.status).toBe(200);
    expect(other.body.toString()).toBe(HELLO);
  });

  it('answers 304 to If-Modified-Since at or after the mtime, 200 before it, and lets If-None-Match win', async () => {
    const { res } = await get('/static-test/hello.txt');
    const lastModified = res.headers.get('last-modified')!;
    expect((await get('/static-test/hello.txt', { headers: { 'if-modified-since': lastModified } })).res.status).toBe(304);
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    expect((await get('/static-test/hello.txt', { headers: { 'if-modified-since': later } })).res.status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    const modified = await get('/static-test/hello.txt', { headers: { 'if-modified-since': earlier } });
    expect(modified.res.status).toBe(200);
    expect(modified.body.toString()).toBe(HELLO);
    const garbage = await get('/static-test/hello.txt', { headers: { 'if-modified-since': 'not a date' } });
    expect(garbage.res.status).toBe(200);
    const mismatch = await get('/static-test/hello.txt', { headers: { 'if-none-match': '"0-0"', 'if-modified-since': lastModified } });
    expect(mismatch.res.status).toBe(200);
  });

  it('answers 412 when If-Match does not match', async () => {
    const r = await get('/static-test/hello.txt', { headers: { 'if-match': '"0-0"' } });
    expect(r.res.status).toBe(412);
    expect(r.log).toMatchObject({ status: 412, worker: null });
  });
});

describe('static files: ranges, HEAD and big files', () => {
  it('answers a first-bytes range with 206 and Content-Range', async () => {
    const { res, body } = await get('/static-test/big.bin', { headers: { range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-99/${BIG_SIZE}`);
    expect(res.headers.get('content-length')).toBe('100');
    expect(body.equals(big.subarray(0, 100))).toBe(true);
  });

  it('answers a suffix range (bytes=-100) with the last 100 bytes', async () => {
    const { res, body } = await get('/static-test/big.bin', { headers: { range: 'bytes=-100' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${BIG_SIZE - 100}-${BIG_SIZE - 1}/${BIG_SIZE}`);
    expect(body.equals(big.subarray(BIG_SIZE - 100))).toBe(true);
  });

  it('answers an open-ended range (bytes=100-) with the rest of the file, streamed', async () => {
    const { res, body, log } = await get('/static-test/big.bin', { headers: { range: 'bytes=100-' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-${BIG_SIZE - 1}/${BIG_SIZE}`);
    expect(body.length).toBe(BIG_SIZE - 100);
    expect(sha1(body)).toBe(sha1(big.subarray(100)));
    expect(log).toMatchObject({ status: 206, worker: null });
  });

  it('answers an unsatisfiable range with 416 and Content-Range: bytes */size', async () => {
    const { res, log } = await get('/static-test/big.bin', { headers: { range: `bytes=${BIG_SIZE}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${BIG_SIZE}`);
    expect(log).toMatchObject({ status: 416, worker: null });
  });

  it('answers several ranges, a malformed range or a stale If-Range with the whole file', async () => {
    const { res: first } = await get('/static-test/hello.txt');
    const etag = first.headers.get('etag')!;
    const wholeFile: Array<Record<string, string>> = [{ range: 'bytes=0-1,5-6' }, { range: 'bytes=5-1' }, { range: 'lines=1-2' }, { range: 'bytes=0-4', 'if-range': '"0-0"' }];
    for (const headers of wholeFile) {
      const { res, body } = await get('/static-test/hello.txt', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(body.toString()).toBe(HELLO);
    }
    const current = await get('/static-test/hello.txt', { headers: { range: 'bytes=0-4', 'if-range': etag } });
    expect(current.res.status).toBe(206);
    expect(current.body.toString()).toBe(HELLO.slice(0, 5));
  });

  it('answers HEAD with the headers and Content-Length, and no body', async () => {
    const { status, response, log } = await raw('/static-test/big.bin', 'HEAD');
    expect(status).toBe(200);
    const [head, rest] = response.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`\\r\\ncontent-length: ${BIG_SIZE}\\r?$`, 'im'));
    expect(head).toMatch(/\r\ncontent-type: application\/octet-stream/i);
    expect(head).toMatch(/\r\netag: "/i);
    expect(rest).toBe('');
    expect(log).toMatchObject({ method: 'HEAD', status: 200, worker: null });
  });

  it('sends the 5 MiB file intact (sha1)', async () => {
    const { res, body } = await get('/static-test/big.bin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(BIG_SIZE));
    expect(body.length).toBe(BIG_SIZE);
    expect(sha1(body)).toBe(sha1(big));
  });

  it('keeps the 5 MiB file intact for a client that stops reading for a while (backpressure)', async () => {
    const { head, body, log } = await download('/static-test/big.bin', { pauseMs: 500 });
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(sha1(body)).toBe(sha1(big));
    expect(log).toMatchObject({ status: 200, worker: null });
  });

  it('logs 499 for a client that goes away mid-download, and goes on serving', async () => {
    const { log } = await download('/static-test/big.bin', { abortAfterFirst: true });
    expect(log).toMatchObject({ status: 499, worker: null });
    const again = await get('/static-test/hello.txt');
    expect(again.body.toString()).toBe(HELLO);
  });

  it('keeps the connection alive across HEAD, 304, 416, 206, a streamed body and a PHP route', async () => {
    const { res } = await get('/static-test/hello.txt');
    const etag = res.headers.get('etag')!;
    const results = await keepAlive([
      { method: 'HEAD', path: '/static-test/big.bin' },
      { method: 'HEAD', path: '/static-test/hello.txt' },
      { method: 'GET', path: '/static-test/hello.txt', headers: `If-None-Match: ${etag}\r\n` },
      { method: 'GET', path: '/static-test/hello.txt', headers: 'Range: bytes=100-\r\n' },
      { method: 'GET', path: '/static-test/hello.txt', headers: 'Range: bytes=0-4\r\n' },
      { method: 'GET', path: '/static-test/big.bin' },
      { method: 'GET', path: '/static-test/.hidden.txt' }, // to PHP (a PHP HEAD with a body would not do: see respond.ts)
      { method: 'GET', path: '/api/users' },
      { method: 'GET', path: '/static-test/hello.txt' },
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 304, 416, 206, 200, 404, 200, 200]);
    expect(results[4]!.body.toString()).toBe(HELLO.slice(0, 5));
    expect(sha1(results[5]!.body)).toBe(sha1(big));
    expect(results[8]!.body.toString()).toBe(HELLO);
  });

  it('serves many small files concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => get('/static-test/hello.txt')));
    expect(new Set(results.map((r) => r.body.toString()))).toEqual(new Set([HELLO]));
    expect(results.every((r) => r.log.worker === null && r.log.status === 200)).toBe(true);
  });
});

describe('static files: what goes to PHP instead', () => {
  it('sends a directory to PHP (404 from the app, no listing)', async () => {
    for (const path of ['/static-test', '/static-test/', '/static-test/sub', '/static-test/sub/']) {
      const { res, body, log } = await get(path);
      expect(res.status, path).toBe(404);
      expect(body.toString()).not.toContain('nested.txt');
      expect(body.toString()).not.toContain('hello.txt');
      expect(log.worker, path).toEqual(expect.any(Number));
    }
  });

  it('sends POST and other methods to PHP', async () => {
    const { res, body, log } = await get('/static-test/hello.txt', { method: 'POST', body: 'x' });
    expect(res.status).not.toBe(200);
    expect(body.toString()).not.toBe(HELLO);
    expect(log.worker).toEqual(expect.any(Number));
  });

  it('never shows PHP source: .php files and links to them go to PHP', async () => {
    for (const path of ['/static-test/secret.php', '/static-test/SHOUT.PHP', '/static-test/index-source.txt', '/index.php']) {
      const { body, log } = await get(path);
      expect(body.toString(), path).not.toContain('<?php');
      expect(body.toString(), path).not.toContain('STATIC-TEST-SOURCE-MARKER');
      expect(log.worker, path).toEqual(expect.any(Number));
    }
  });

  it('does not serve hidden files (except .well-known)', async () => {
    for (const path of ['/.htaccess', '/static-test/.hidden.txt', '/static-test/%2ehidden.txt']) {
      const { res, body, log } = await get(path);
      expect(res.status, path).toBe(404);
      expect(body.toString()).not.toContain('RewriteEngine');
      expect(body.toString()).not.toContain('hidden\n');
      expect(log.worker, path).toEqual(expect.any(Number));
    }
  });

  it('does not follow symlinks that leave public/', async () => {
    for (const path of ['/static-test/passwd', '/static-test/env.txt', '/static-test/artisan.txt']) {
      const { res, body, log } = await get(path);
      expect(res.status, path).toBe(404);
      for (const secret of SECRETS) expect(body.toString(), path).not.toContain(secret);
      expect(log.worker, path).toEqual(expect.any(Number));
    }
  });

  it.each([
    '/../.env',
    '/%2e%2e/.env',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/static-test/../../.env',
    '/static-test/..%2f..%2f.env',
    '/static-test/%2e%2e/%2e%2e/artisan',
    '/static-test/%2e%2e%2f%2e%2e%2fartisan',
    '/static-test/..\\..\\.env',
    '/static-test/%5c..%5c..%5c.env',
    '/robots.txt%00.php',
    '/static-test/hello.txt%00',
    '/static-test/sub/../../../.env',
    '//etc/passwd',
    '/static-test//hello.txt/..',
    '/static-test/%',
  ])('does not let %s out of public/', async (target) => {
    const { status, response, log } = await raw(target);
    for (const secret of SECRETS) expect(response).not.toContain(secret);
    expect(status).toBe(404);
    expect(log?.worker).toEqual(expect.any(Number)); // not a static hit: PHP answered it
  });

  it('still serves the Laravel routes', async () => {
    const { res, body, log } = await get('/api/users');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(body.toString())).toHaveProperty('data');
    expect(log.worker).toEqual(expect.any(Number));
    const home = await get('/');
    expect(home.res.status).toBe(200);
    expect(home.body.toString()).toContain('Laravel behind the Node front door');
  });
});

describe('static files: following changes to public/', () => {
  it('serves a file added after start, stops serving it once deleted, and serves its new content', async () => {
    const file = join(DIR, 'late.txt');
    writeFileSync(file, 'late one\n');
    await eventually(async () => (await get('/static-test/late.txt')).res.status === 200);
    const served = await get('/static-test/late.txt');
    expect(served.body.toString()).toBe('late one\n');
    expect(served.log.worker).toBeNull();

    writeFileSync(file, 'late two, longer\n');
    await eventually(async () => (await get('/static-test/late.txt')).body.toString() === 'late two, longer\n');

    unlinkSync(file);
    await eventually(async () => (await get('/static-test/late.txt')).log.worker !== null);
    expect((await get('/static-test/late.txt')).res.status).toBe(404);
  });

  it('serves files in a directory created after start', async () => {
    mkdirSync(join(DIR, 'later', 'deeper'), { recursive: true });
    writeFileSync(join(DIR, 'later', 'deeper', 'x.css'), 'a{}\n');
    await eventually(async () => (await get('/static-test/later/deeper/x.css')).res.status === 200);
    expect((await get('/static-test/later/deeper/x.css')).res.headers.get('content-type')).toBe('text/css');
  });

  it('keeps watching a directory deleted and created again under the same path (a deploy)', async () => {
    rmSync(join(DIR, 'later'), { recursive: true });
    await eventually(async () => (await get('/static-test/later/deeper/x.css')).log.worker !== null);
    mkdirSync(join(DIR, 'later', 'deeper'), { recursive: true });
    writeFileSync(join(DIR, 'later', 'deeper', 'y.css'), 'b{}\n');
    await eventually(async () => (await get('/static-test/later/deeper/y.css')).res.status === 200);
    // Only the new directory's own watcher can report this one.
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(join(DIR, 'later', 'deeper', 'z.css'), 'c{}\n');
    await eventually(async () => (await get('/static-test/later/deeper/z.css')).res.status === 200);
  });
});

describe('static files: Laravel\'s public disk', () => {
  it('follows a link into storage/app/public (php artisan storage:link), and no further', async () => {
    const disk = join(DEFAULT_APP.path, 'storage', 'app', 'public');
    const file = join(disk, 'static-link-test.txt');
    writeFileSync(file, 'from the public disk\n');
    symlinkSync('../../storage/app/public', join(DIR, 'storage-link'));
    try {
      await eventually(async () => (await get('/static-test/storage-link/static-link-test.txt')).res.status === 200);
      const served = await get('/static-test/storage-link/static-link-test.txt');
      expect(served.body.toString()).toBe('from the public disk\n');
      expect(served.log.worker).toBeNull();
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('static files: pure helpers', () => {
  it('parses ranges as RFC 9110 §14 says', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 100 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 1000 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 1000 });
    expect(parseRange('bytes=100-', 1000)).toEqual({ start: 100, end: 1000 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 1000 });
    expect(parseRange('BYTES = 1-1', 1000)).toEqual({ start: 1, end: 2 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    for (const ignored of ['bytes=5-1', 'bytes=0-1,4-5', 'bytes=', 'bytes=-', 'bytes=a-b', 'items=0-1', 'bytes=0-1;x']) {
      expect(parseRange(ignored, 1000), ignored).toBeNull();
    }
    expect(parseRange('bytes=0-1', 0)).toBeNull();
  });

  it('checks preconditions in RFC 9110 §13.2.2 order', () => {
    const mtimeMs = 1_700_000_000_500;
    const etag = etagFor(10, 1_700_000_000);
    expect(etag).toBe(`"${(1_700_000_000).toString(16)}-a"`);
    const lm = new Date(1_700_000_000_000).toUTCString();
    const plan = (h: Parameters<typeof planResponse>[1], head = false) => planResponse(head, h, 10, mtimeMs, 'text/plain').status;
    expect(plan({})).toBe(200);
    expect(plan({ ifMatch: '"x"' })).toBe(412);
    expect(plan({ ifMatch: etag, ifNoneMatch: etag })).toBe(304);
    expect(plan({ ifUnmodifiedSince: new Date(1_600_000_000_000).toUTCString() })).toBe(412);
    expect(plan({ ifNoneMatch: '"x"', ifModifiedSince: lm })).toBe(200);
    expect(plan({ ifModifiedSince: lm })).toBe(304);
    expect(plan({ range: 'bytes=0-1' })).toBe(206);
    expect(plan({ range: 'bytes=0-1' }, true)).toBe(200); // Range is for GET only
    expect(plan({ range: 'bytes=0-1', ifRange: lm })).toBe(206);
    expect(plan({ range: 'bytes=0-1', ifRange: `W/${etag}` })).toBe(200);
    expect(plan({ range: 'bytes=20-' })).toBe(416);
  });

  it('refuses traversal, hidden segments, scripts, NUL and backslashes', () => {
    for (const ok of ['/a.txt', '/css/app.css', '/.well-known/acme', '/a/.well-known/b.txt', '/a..b.txt']) expect(isServablePath(ok), ok).toBe(true);
    for (const bad of ['/', '', 'a.txt', '/../a', '/a/../b', '/./a', '/a/./b', '/.env', '/a/.git/config', '/a//b', '/a/', '/x.php', '/x.PhP', '/x.phtml', '/x.php7', '/x.phar', '/a\0.txt', '/a\\..\\b']) {
      expect(isServablePath(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('applies the same rules when public/ is too large to index and each request is looked up on disk', () => {
    const root = mkdtempSync(join(tmpdir(), 'static-index-'));
    try {
      mkdirSync(join(root, 'css', 'sub'), { recursive: true });
      mkdirSync(join(root, '.git'));
      for (let i = 0; i < 8; i++) writeFileSync(join(root, 'css', `f${i}.css`), 'a{}');
      writeFileSync(join(root, 'css', 'sub', 'deep.css'), 'a{}');
      writeFileSync(join(root, 'index.php'), '<?php');
      writeFileSync(join(root, '.env'), 'X=1');
      writeFileSync(join(root, '.git', 'config'), '[core]');
      writeFileSync(join(root, 'robots.txt'), 'x');
      symlinkSync('/etc/passwd', join(root, 'passwd'));
      symlinkSync('css/f1.css', join(root, 'alias.css'));
      const quiet = { info() {}, warn() {}, debug() {}, error() {} } as unknown as Logger;
      const indexed = new StaticIndex({ publicDir: root, log: quiet });
      const onDisk = new StaticIndex({ publicDir: root, log: quiet, maxEntries: 5 });
      try {
        expect(indexed.mode).toBe('index');
        expect(onDisk.mode).toBe('stat');
        const served = ['/robots.txt', '/css/f0.css', '/css/sub/deep.css', '/alias.css'];
        const refused = ['/index.php', '/.env', '/.git/config', '/passwd', '/css', '/css/', '/', '/api/users', '/css/../robots.txt', '/nope.css'];
        for (const index of [indexed, onDisk]) {
          for (const path of served) expect(index.lookup(path)?.file, `${index.mode} ${path}`).toBeDefined();
          for (const path of refused) expect(index.lookup(path), `${index.mode} ${path}`).toBeUndefined();
        }
        expect(onDisk.lookup('/alias.css')?.file).toBe(join(indexed.root, 'css', 'f1.css'));
      } finally {
        indexed.close();
        onDisk.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('maps types by extension only', () => {
    expect(contentTypeFor('html')).toBe('application/octet-stream'); // a file named "html", no extension
    expect(contentTypeFor('a.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
  });
});

describe('static files: graceful shutdown', () => {
  it('lets a download in flight finish after SIGTERM', async () => {
    let stopped: Promise<number | null> | null = null;
    const result = await download('/static-test/big.bin', { pauseMs: 800, skipLog: true, onFirst: () => (stopped = server.stop('SIGTERM')) });
    expect(sha1(result.body)).toBe(sha1(big));
    expect(await stopped).toBe(0);
  });
});
