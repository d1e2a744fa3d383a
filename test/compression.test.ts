/**
 * Compression (COMPRESSION, src/http/compression*.ts, src/http/static-compression.ts), end to
 * end against the real server, real PHP workers and the Laravel 12 test app (routes from
 * test/apps/probes/routes/api-compression.php). Requests go out through node:http, which does
 * not decode: each test sees the bytes on the wire and decodes them itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, createBrotliDecompress, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts, negotiateEncoding } from '../src/http/accept-encoding.js';
import { encodedHeaders, isCompressibleType, mayCompress, withVary } from '../src/http/compression-policy.js';
import { DEFAULT_APP } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent (still encoded). */
  wire: Buffer;
  /** The body decoded according to its Content-Encoding. */
  body: Buffer;
}

function decode(encoding: string | undefined, wire: Buffer): Buffer {
  if (encoding === 'gzip') return gunzipSync(wire);
  if (encoding === 'br') return brotliDecompressSync(wire);
  if (encoding === undefined) return wire;
  throw new Error(`unexpected Content-Encoding ${encoding}`);
}

function fetchRaw(port: number, path: string, acceptEncoding?: string, method = 'GET', extra: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...extra };
    if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        try {
          const encoding = res.headers['content-encoding'];
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            wire,
            get body() {
              return method === 'HEAD' ? wire : decode(encoding, wire);
            },
          });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const varyList = (headers: IncomingHttpHeaders): string[] =>
  String(headers['vary'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

const PUBLIC_DIR = join(DEFAULT_APP.path, 'public', 'compress-test');
/** A compressible static file well over the minimum size. */
const STATIC_TEXT = Array.from({ length: 400 }, (_, i) => `function f${i}() { return ${i} * 2; } // line ${i}\n`).join('');
const PRECOMPRESSED_JS = 'console.log("the original, never sent to a client that accepts br or gzip");\n'.repeat(40);

describe('compression of PHP responses (COMPRESSION on, the default)', () => {
  let server: RunningServer;
  let identityUsers: Buffer;

  beforeAll(async () => {
    mkdirSync(PUBLIC_DIR, { recursive: true });
    writeFileSync(join(PUBLIC_DIR, 'app.js'), STATIC_TEXT);
    writeFileSync(join(PUBLIC_DIR, 'small.css'), 'body { color: red }\n');
    writeFileSync(join(PUBLIC_DIR, 'photo.png'), Buffer.alloc(4096, 7));
    writeFileSync(join(PUBLIC_DIR, 'bundle.js'), PRECOMPRESSED_JS);
    // Siblings deliberately different from what we would produce, so the test can tell them apart.
    writeFileSync(join(PUBLIC_DIR, 'bundle.js.br'), brotliCompressSync(Buffer.from(`${PRECOMPRESSED_JS}// from bundle.js.br\n`)));
    writeFileSync(join(PUBLIC_DIR, 'bundle.js.gz'), gzipSync(Buffer.from(`${PRECOMPRESSED_JS}// from bundle.js.gz\n`)));
    writeFileSync(join(PUBLIC_DIR, 'legacy.js'), PRECOMPRESSED_JS);
    writeFileSync(join(PUBLIC_DIR, 'legacy.js.gz'), gzipSync(Buffer.from(`${PRECOMPRESSED_JS}// from legacy.js.gz\n`)));
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '2', MAX_RESPONSE_BUFFER: '256k' });
    identityUsers = (await fetchRaw(server.port, '/api/compress/users?count=200')).body;
  });

  afterAll(async () => {
    try {
      expect(await server?.stop()).toBe(0);
    } finally {
      rmSync(PUBLIC_DIR, { recursive: true, force: true });
    }
  });

  describe('negotiation: the same decoded body for every Accept-Encoding', () => {
    it.each([
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip;q=0.8, br;q=0.8', 'br'],
      ['x-gzip', 'gzip'],
      ['*', 'br'],
      ['br;q=0, *', 'gzip'],
      ['gzip;q=0.5, identity', undefined],
      ['identity', undefined],
      ['deflate', undefined],
      ['gzip;q=0, br;q=0', undefined],
      // Nothing acceptable: identity anyway, as nginx sends it (no 406).
      ['identity;q=0', undefined],
      ['*;q=0', undefined],
    ])('Accept-Encoding: %s → %s', async (accept, expected) => {
      const res = await fetchRaw(server.port, '/api/compress/users?count=200', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(expected);
      expect(varyList(res.headers)).toContain('accept-encoding');
      expect(res.headers['content-type']).toBe('application/json');
      // uWS states the length of what it sent, the compressed bytes.
      expect(Number(res.headers['content-length'])).toBe(res.wire.length);
      expect(res.body.equals(identityUsers)).toBe(true);
      if (expected !== undefined) expect(res.wire.length).toBeLessThan(identityUsers.length / 3);
    });

    it('without Accept-Encoding: identity, but Vary says the answer depends on it', async () => {
      const res = await fetchRaw(server.port, '/api/compress/users?count=200');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(varyList(res.headers)).toEqual(['accept-encoding']);
      expect(Number(res.headers['content-length'])).toBe(identityUsers.length);
      expect(JSON.parse(identityUsers.toString()).data).toHaveLength(200);
    });
  });

  describe('the size threshold (COMPRESSION_MIN_SIZE, 1k)', () => {
    it('1023 bytes go out as they are, without Vary; 1024 are compressed', async () => {
      const below = await fetchRaw(server.port, '/api/compress/custom?size=1023', 'gzip, br');
      expect(below.headers['content-encoding']).toBeUndefined();
      expect(below.headers['vary']).toBeUndefined();
      expect(below.wire.length).toBe(1023);
      const at = await fetchRaw(server.port, '/api/compress/custom?size=1024', 'gzip, br');
      expect(at.headers['content-encoding']).toBe('br');
      expect(at.body.length).toBe(1024);
    });

    it('a small JSON route (/api/ping) is not compressed', async () => {
      const res = await fetchRaw(server.port, '/api/ping', 'gzip, br');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(res.body.toString())).toEqual({ pong: true });
    });

    it('a body larger than SYNC_MAX (compressed in the threadpool) and one larger than MAX_RESPONSE_BUFFER (streamed, chunked)', async () => {
      for (const size of [200_000, 1_000_000]) {
        for (const accept of ['gzip', 'br']) {
          const res = await fetchRaw(server.port, `/api/big?bytes=${size}`, accept);
          expect(res.headers['content-encoding']).toBe(accept);
          expect(res.body.length).toBe(size);
          expect(res.body.subarray(0, 10).toString()).toBe('abcdefghij');
          if (size > 256 * 1024) {
            expect(res.headers['content-length']).toBeUndefined();
            expect(res.headers['transfer-encoding']).toBe('chunked');
          } else {
            expect(Number(res.headers['content-length'])).toBe(res.wire.length);
          }
        }
      }
    });
  });

  describe('headers of the compressed representation', () => {
    it('merges Accept-Encoding into the app\'s Vary, and does not repeat it', async () => {
      const merged = await fetchRaw(server.port, '/api/compress/custom?vary=Accept-Language', 'gzip');
      expect(merged.headers['vary']).toBe('Accept-Language, Accept-Encoding');
      const already = await fetchRaw(server.port, '/api/compress/custom?vary=accept-encoding', 'gzip');
      expect(already.headers['content-encoding']).toBe('gzip');
      expect(already.headers['vary']).toBe('accept-encoding');
    });

    it('makes a strong ETag weak, keeps a weak one, and leaves the identity answer\'s ETag strong', async () => {
      const strong = await fetchRaw(server.port, '/api/compress/custom?etag=%22v1%22', 'br');
      expect(strong.headers['etag']).toBe('W/"v1"');
      const weak = await fetchRaw(server.port, '/api/compress/custom?etag=W/%22v2%22', 'br');
      expect(weak.headers['etag']).toBe('W/"v2"');
      const identity = await fetchRaw(server.port, '/api/compress/custom?etag=%22v1%22');
      expect(identity.headers['etag']).toBe('"v1"');
    });

    it.each(['text/html; charset=UTF-8', 'text/css', 'application/javascript', 'application/xml', 'image/svg+xml', 'application/vnd.api+json', 'application/wasm'])(
      'compresses %s',
      async (type) => {
        const res = await fetchRaw(server.port, `/api/compress/custom?type=${encodeURIComponent(type)}`, 'gzip');
        expect(res.headers['content-encoding']).toBe('gzip');
        expect(res.body.length).toBe(4096);
      },
    );
  });

  describe('never compressed', () => {
    it.each([
      ['an image', '/api/compress/custom?type=image/png'],
      ['bytes', '/api/compress/custom?type=application/octet-stream'],
      ['a zip', '/api/compress/custom?type=application/zip'],
      ['Cache-Control: no-transform', '/api/compress/custom?cache=public,%20no-transform'],
      ['a 206 with Content-Range', '/api/compress/custom?status=206&range=bytes%200-4095/10000'],
      ['a Content-Range on a 200', '/api/compress/custom?range=bytes%200-4095/10000'],
    ])('%s', async (_name, path) => {
      const res = await fetchRaw(server.port, path, 'gzip, br');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['vary']).toBeUndefined();
      expect(res.wire.length).toBe(4096);
    });

    it('an already encoded body: passed through as the app encoded it', async () => {
      const res = await fetchRaw(server.port, '/api/compress/custom?encoding=gzip', 'gzip, br');
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['vary']).toBeUndefined();
      // The probe lies about its encoding: the bytes are the app's plain text, untouched.
      expect(res.wire.subarray(0, 11).toString()).toBe('compressibl');
    });

    it.each([204, 304])('%i: no body, no Content-Encoding', async (status) => {
      const res = await fetchRaw(server.port, `/api/compress/custom?status=${status}`, 'gzip, br');
      expect(res.status).toBe(status);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.wire.length).toBe(0);
    });
  });

  describe('HEAD', () => {
    it('with a declared length: the headers GET gets (Content-Encoding, Vary), no Content-Length, no body', async () => {
      const get = await fetchRaw(server.port, '/api/compress/custom?length=1', 'br');
      const head = await fetchRaw(server.port, '/api/compress/custom?length=1', 'br', 'HEAD');
      expect(get.headers['content-encoding']).toBe('br');
      expect(head.status).toBe(200);
      expect(head.headers['content-encoding']).toBe('br');
      expect(head.headers['vary']).toBe(get.headers['vary']);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-length']).toBeUndefined();
      expect(head.wire.length).toBe(0);
    });

    it('without one (Laravel drops the body of a HEAD): left as it is, as nginx does', async () => {
      const head = await fetchRaw(server.port, '/api/compress/users?count=200', 'br', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers['content-encoding']).toBeUndefined();
      expect(head.wire.length).toBe(0);
    });
  });

  describe('streamed responses', () => {
    it.each(['gzip', 'br'])('server-sent events (%s): the first event arrives compressed and decodable while the stream goes on', async (accept) => {
      const id = `compress-${accept}-${Date.now()}`;
      const got = await new Promise<{ headers: IncomingHttpHeaders; first: string; ended: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: `/api/sse?id=${id}`, headers: { 'accept-encoding': accept }, agent: false }, (res) => {
          const decoder = res.headers['content-encoding'] === 'br' ? createBrotliDecompress() : createGunzip();
          let ended = false;
          res.on('end', () => (ended = true));
          let text = '';
          decoder.on('data', (data: Buffer) => {
            text += data.toString();
            if (!text.includes('\n\n')) return;
            resolve({ headers: res.headers, first: text, ended });
            req.destroy();
          });
          decoder.on('error', reject);
          res.pipe(decoder);
        });
        req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
        req.end();
        setTimeout(() => reject(new Error('no decodable event within 10 s')), 10_000);
      });
      expect(got.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(got.headers['content-encoding']).toBe(accept);
      expect(got.headers['vary']).toBe('Accept-Encoding');
      expect(got.ended).toBe(false);
      expect(got.first).toMatch(/^event: tick\ndata: \d+\n\n/);
    });

    it('a slow StreamedResponse: each chunk is decodable before the next is produced', async () => {
      const times: number[] = [];
      const text = await new Promise<string>((resolve, reject) => {
        const started = Date.now();
        const req = request({ host: '127.0.0.1', port: server.port, path: '/api/stream?chunks=4&delay=300&size=2000', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
          expect(res.headers['content-encoding']).toBe('gzip');
          const gunzip = createGunzip();
          let all = '';
          gunzip.on('data', (d: Buffer) => {
            all += d.toString();
            times.push(Date.now() - started);
          });
          gunzip.on('end', () => resolve(all));
          gunzip.on('error', reject);
          res.pipe(gunzip);
        });
        req.on('error', reject);
        req.end();
      });
      const lines = text.split('\n').filter(Boolean);
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^000000:s+$/);
      // The first chunk was decoded long before the last one was produced (3 × 300 ms later).
      expect(times[0]!).toBeLessThan(times[times.length - 1]! - 500);
    });
  });

  it('a compressed 64 MB download to a slow reader: intact, and the server\'s RSS grows by less than 64 MB (backpressure through the encoder)', async () => {
    // Random base64 text: compressible as a type, but it shrinks only to about 3/4, so the
    // compressed stream is large enough to meet the client's backpressure.
    const file = join(DEFAULT_APP.path, 'storage', 'app', 'compress-test-64m.txt');
    const line = (): string => `${randomBytes(48).toString('base64')}\n`;
    const hash = createHash('sha1');
    const fd = openSync(file, 'w');
    let written = 0;
    while (written < 64 * 1024 * 1024) {
      const block = Buffer.from(Array.from({ length: 16384 }, line).join(''));
      writeSync(fd, block);
      hash.update(block);
      written += block.length;
    }
    closeSync(fd);
    const expected = hash.digest('hex');
    try {
      const pid = server.child.pid!;
      const before = rssMb(pid);
      let peak = before;
      const got = await new Promise<{ encoding: string | undefined; sha1: string; length: number }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/api/download-streamed?path=compress-test-64m.txt', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
          const gunzip = createGunzip();
          const decoded = createHash('sha1');
          let length = 0;
          let wire = 0;
          let paused = false;
          res.on('data', (c: Buffer) => {
            wire += c.length;
            if (!paused && wire > 8 * 1024 * 1024) {
              // A slow client: it stops reading for a while; PHP must be held back, not buffered.
              paused = true;
              res.pause();
              setTimeout(() => {
                peak = Math.max(peak, rssMb(pid));
                res.resume();
              }, 1500);
            }
          });
          gunzip.on('data', (d: Buffer) => {
            decoded.update(d);
            length += d.length;
            if (length % (8 * 1024 * 1024) < d.length) peak = Math.max(peak, rssMb(pid));
          });
          gunzip.on('end', () => resolve({ encoding: res.headers['content-encoding'], sha1: decoded.digest('hex'), length }));
          gunzip.on('error', reject);
          res.pipe(gunzip);
        });
        req.on('error', reject);
        req.end();
      });
      expect(got.encoding).toBe('gzip');
      expect(got.length).toBe(written);
      expect(got.sha1).toBe(expected);
      expect(peak - before).toBeLessThan(64);
    } finally {
      rmSync(file, { force: true });
    }
  }, 120_000);

  describe('static files', () => {
    it('a compressible file is compressed on its first request, and the same bytes come back from memory after', async () => {
      const first = await fetchRaw(server.port, '/compress-test/app.js', 'gzip, br');
      expect(first.status).toBe(200);
      expect(first.headers['content-encoding']).toBe('br');
      expect(first.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(varyList(first.headers)).toEqual(['accept-encoding']);
      // The copy's own validator (its mtime and length), as nginx's gzip_static gives a .gz's.
      expect(first.headers['etag']).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(Number(first.headers['content-length'])).toBe(first.wire.length);
      expect(first.body.toString()).toBe(STATIC_TEXT);
      const again = await fetchRaw(server.port, '/compress-test/app.js', 'gzip, br');
      expect(again.wire.equals(first.wire)).toBe(true);
      const gz = await fetchRaw(server.port, '/compress-test/app.js', 'gzip');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.body.toString()).toBe(STATIC_TEXT);
      const plain = await fetchRaw(server.port, '/compress-test/app.js');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(varyList(plain.headers)).toEqual(['accept-encoding']);
      expect(plain.headers['etag']).not.toBe(first.headers['etag']);
      expect(plain.body.toString()).toBe(STATIC_TEXT);
    });

    it('answers If-None-Match with the compressed ETag by 304', async () => {
      const first = await fetchRaw(server.port, '/compress-test/app.js', 'br');
      const again = await fetchRaw(server.port, '/compress-test/app.js', 'br', 'GET', { 'if-none-match': String(first.headers['etag']) });
      expect(again.status).toBe(304);
      expect(again.wire.length).toBe(0);
      expect(varyList(again.headers)).toEqual(['accept-encoding']);
    });

    it('a precompressed sibling (.br, .gz) is served for the original\'s URL, with its type', async () => {
      for (const [accept, suffix] of [['br', 'br'], ['gzip', 'gz'], ['gzip, br', 'br']] as const) {
        const res = await fetchRaw(server.port, '/compress-test/bundle.js', accept);
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe(suffix === 'gz' ? 'gzip' : 'br');
        expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(varyList(res.headers)).toEqual(['accept-encoding']);
        expect(res.body.toString()).toBe(`${PRECOMPRESSED_JS}// from bundle.js.${suffix}\n`);
      }
      const plain = await fetchRaw(server.port, '/compress-test/bundle.js', 'deflate');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(varyList(plain.headers)).toEqual(['accept-encoding']);
      expect(plain.body.toString()).toBe(PRECOMPRESSED_JS);
    });

    it('a shipped .gz is preferred to a brotli copy made here, for a client that takes both', async () => {
      const res = await fetchRaw(server.port, '/compress-test/legacy.js', 'gzip, br');
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.body.toString()).toBe(`${PRECOMPRESSED_JS}// from legacy.js.gz\n`);
      const brOnly = await fetchRaw(server.port, '/compress-test/legacy.js', 'br');
      expect(brOnly.headers['content-encoding']).toBe('br');
      expect(brOnly.body.toString()).toBe(PRECOMPRESSED_JS);
    });

    it('a range is served from the original, uncompressed', async () => {
      const res = await fetchRaw(server.port, '/compress-test/app.js', 'gzip, br', 'GET', { range: 'bytes=0-99' });
      expect(res.status).toBe(206);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.wire.toString()).toBe(STATIC_TEXT.slice(0, 100));
      const sibling = await fetchRaw(server.port, '/compress-test/bundle.js', 'br', 'GET', { range: 'bytes=0-9' });
      expect(sibling.status).toBe(206);
      expect(sibling.headers['content-encoding']).toBeUndefined();
      expect(sibling.wire.toString()).toBe(PRECOMPRESSED_JS.slice(0, 10));
    });

    it('HEAD gets the GET\'s headers and no body', async () => {
      const get = await fetchRaw(server.port, '/compress-test/app.js', 'br');
      const head = await fetchRaw(server.port, '/compress-test/app.js', 'br', 'HEAD');
      expect(head.headers['content-encoding']).toBe('br');
      expect(head.headers['etag']).toBe(get.headers['etag']);
      expect(head.headers['vary']).toBe(get.headers['vary']);
      expect(head.wire.length).toBe(0);
    });

    it('small files and images are not compressed', async () => {
      const small = await fetchRaw(server.port, '/compress-test/small.css', 'gzip, br');
      expect(small.headers['content-encoding']).toBeUndefined();
      expect(small.headers['vary']).toBeUndefined();
      const png = await fetchRaw(server.port, '/compress-test/photo.png', 'gzip, br');
      expect(png.headers['content-encoding']).toBeUndefined();
      expect(png.wire.length).toBe(4096);
    });
  });
});

describe('through a worker thread (WORKER_THREADS=1: the body replayed on the main thread)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', WORKER_THREADS: '1' });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it('a buffered response and a stream are compressed the same way', async () => {
    const identity = await fetchRaw(server.port, '/api/compress/users?count=200');
    const br = await fetchRaw(server.port, '/api/compress/users?count=200', 'br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.equals(identity.body)).toBe(true);
    const streamed = await fetchRaw(server.port, '/api/stream?chunks=20&size=500', 'gzip');
    expect(streamed.headers['content-encoding']).toBe('gzip');
    expect(streamed.body.toString().split('\n').filter(Boolean)).toHaveLength(20);
  });
});

describe('COMPRESSION=false', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', COMPRESSION: 'false' });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it('sends every response as the app made it, without Vary', async () => {
    const res = await fetchRaw(server.port, '/api/compress/users?count=200', 'gzip, br');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBeUndefined();
    expect(JSON.parse(res.body.toString()).data).toHaveLength(200);
    const robots = await fetchRaw(server.port, '/robots.txt', 'gzip, br');
    expect(robots.headers['content-encoding']).toBeUndefined();
  });
});

describe('compression policy (pure)', () => {
  it('negotiates as RFC 9110 §12.5.3 says, preferring br on a tie', () => {
    expect(negotiateEncoding(undefined)).toBeNull();
    expect(negotiateEncoding('')).toBeNull();
    expect(negotiateEncoding('GZIP')).toBe('gzip');
    expect(negotiateEncoding('br;q=1.0, gzip;q=1')).toBe('br');
    expect(negotiateEncoding('gzip;q=0.9, br;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('br;q=2, gzip')).toBe('gzip'); // an invalid qvalue: that entry is ignored
    expect(negotiateEncoding('identity;q=0, gzip;q=0.1')).toBe('gzip');
    expect(negotiateEncoding('*;q=0.5, identity;q=1')).toBeNull();
    expect(accepts('br, gzip;q=0.1', 'gzip')).toBe(true);
    expect(accepts('br, gzip;q=0', 'gzip')).toBe(false);
    expect(accepts('br, identity;q=0.5, gzip;q=0.2', 'gzip')).toBe(false);
    expect(accepts(undefined, 'gzip')).toBe(false);
  });

  it('knows compressible types', () => {
    for (const t of ['text/plain', 'TEXT/HTML; charset=utf-8', 'application/json', 'application/ld+json', 'application/atom+xml', 'image/svg+xml', 'application/wasm', 'text/event-stream']) {
      expect(isCompressibleType(t), t).toBe(true);
    }
    for (const t of ['image/png', 'image/webp', 'font/woff2', 'application/octet-stream', 'application/gzip', 'video/mp4', undefined]) {
      expect(isCompressibleType(t), String(t)).toBe(false);
    }
  });

  it('refuses encoded, partial, bodiless and no-transform responses', () => {
    const text: [string, string] = ['Content-Type', 'text/plain'];
    expect(mayCompress(200, [text])).toBe(true);
    expect(mayCompress(404, [text])).toBe(true);
    expect(mayCompress(200, [text, ['Content-Encoding', 'identity']])).toBe(true);
    expect(mayCompress(200, [text, ['Content-Encoding', 'br']])).toBe(false);
    expect(mayCompress(206, [text])).toBe(false);
    expect(mayCompress(204, [text])).toBe(false);
    expect(mayCompress(304, [text])).toBe(false);
    expect(mayCompress(200, [text, ['Cache-Control', 'max-age=60, No-Transform']])).toBe(false);
    expect(mayCompress(200, [text, ['Cache-Control', 'no-transformer']])).toBe(true);
  });

  it('rewrites headers: Vary merged, Content-Length and Accept-Ranges dropped, strong ETag weakened', () => {
    expect(withVary([['Vary', '*']])).toEqual([['Vary', '*']]);
    expect(withVary([['vary', 'Cookie'], ['Vary', 'Accept-Language']])).toEqual([['vary', 'Cookie'], ['Vary', 'Accept-Language, Accept-Encoding']]);
    expect(encodedHeaders([['Content-Type', 'text/plain'], ['Content-Length', '5000'], ['Accept-Ranges', 'bytes'], ['ETag', '"x"']], 'gzip')).toEqual([
      ['Content-Type', 'text/plain'],
      ['ETag', 'W/"x"'],
      ['Vary', 'Accept-Encoding'],
      ['Content-Encoding', 'gzip'],
    ]);
  });
});
