/**
 * Request bodies of any size, on disk (src/http/body-spool.ts, src/http/multipart.ts): a
 * multipart upload of the largest Content-Length uWebSockets.js 20.30 accepts and a 2 GB chunked
 * upload reach the app whole (sha256 computed by PHP from the file) while Node's RSS stays flat;
 * a slow upload holds no PHP worker; no temp file is left after success, a client that leaves
 * mid-upload, or a PHP worker that dies; PHP's post_max_size follows MAX_BODY_SIZE.
 *
 * The bodies are generated while they are sent (a 1 MiB random block, each chunk stamped with its
 * index so a reordered or repeated chunk changes the hash): nothing big is kept or written here.
 * Node-side behaviour, so it runs on the newest app only (test/uploads.test.ts runs the matrix).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/control.js';
import { exchange } from './helpers/http-exchange.js';
import { rawRequest } from './helpers/raw-http.js';
import { startServer, type RunningServer } from './helpers/server.js';

const MiB = 1024 * 1024;
/** uWS 20.30 drops any request whose Content-Length has ten digits: this is the largest that passes. */
const LARGEST_CONTENT_LENGTH = 999_999_999;

/** Node's resident memory in bytes, from /proc. */
function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Samples a process's RSS until stopped; `peak` is the highest seen. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rss(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rss(pid));
    } catch {
      // the process is gone: the test fails elsewhere
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rss(pid));
    },
  };
}

/** `total` bytes of generated data, in chunks of at most 1 MiB, and their sha256 once all were produced. */
function* generated(total: number, hash: ReturnType<typeof createHash>): Generator<Buffer> {
  const block = randomBytes(MiB);
  let sent = 0;
  for (let i = 0; sent < total; i++) {
    const size = Math.min(MiB, total - sent);
    const chunk = Buffer.from(block.subarray(0, size));
    if (size >= 8) chunk.writeBigUInt64BE(BigInt(i), 0);
    hash.update(chunk);
    sent += size;
    yield chunk;
  }
}

interface Sent {
  status: number;
  body: string;
}

/**
 * POSTs a body produced piece by piece, with the socket's backpressure (Content-Length when
 * `length` is given, chunked otherwise).
 */
function postStream(port: number, path: string, headers: Record<string, string>, pieces: Iterable<Buffer>, length?: number): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: length === undefined ? headers : { ...headers, 'Content-Length': String(length) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const iterator = pieces[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        const next = iterator.next();
        if (next.done) {
          req.end();
          return;
        }
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/**
 * A request's temp files are removed once its response is over, which the client may see a moment
 * before the unlink lands: wait for the directory to empty, then say what is left if it did not.
 */
async function expectEmptyDir(dir: string): Promise<void> {
  await waitFor(() => readdirSync(dir).length === 0, 10_000).catch(() => undefined);
  expect(readdirSync(dir)).toEqual([]);
}

describe('uploads of any size, on disk', () => {
  let server: RunningServer;
  let uploadDir: string;
  const leftovers = (): string[] => readdirSync(uploadDir);
  const expectNoLeftovers = (): Promise<void> => expectEmptyDir(uploadDir);

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'large-uploads-'));
    server = await startServer({
      SOCKET_POOL_MIN: '1',
      SOCKET_POOL_MAX: '1',
      MAX_BODY_SIZE: '3g',
      CLIENT_TIMEOUT: '600',
      REQUEST_TIMEOUT: '300',
      UPLOAD_TMP_DIR: uploadDir,
    });
    // Warm up (the first request loads code paths) before any RSS baseline is taken.
    expect((await exchange(server.port, { method: 'GET', target: '/api/ping' })).status).toBe(200);
  });

  afterAll(async () => {
    const code = server ? await server.stop() : 0;
    if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it(`a multipart upload of ${LARGEST_CONTENT_LENGTH} bytes (the largest Content-Length uWS accepts) reaches the app whole, Node's RSS growing < 64 MB`, async () => {
    const boundary = '----large-upload-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nbig one\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const fileSize = LARGEST_CONTENT_LENGTH - head.length - tail.length;
    const hash = createHash('sha256');
    const baseline = rss(server.child.pid!);
    const sampler = sampleRss(server.child.pid!);
    let sawFile = false;
    const watch = setInterval(() => (sawFile ||= leftovers().length > 0), 200);
    const res = await postStream(server.port, '/api/uploads/hash', { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, (function* () {
      yield head;
      yield* generated(fileSize, hash);
      yield tail;
    })(), LARGEST_CONTENT_LENGTH);
    clearInterval(watch);
    const peak = sampler.stop();
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.fields).toEqual({ note: 'big one' });
    expect(body.files).toHaveLength(1);
    expect(body.files[0]).toMatchObject({ field: 'file', name: 'big.bin', size: fileSize, valid: true, sha256: hash.digest('hex') });
    expect(body.files[0].temp.startsWith(`${uploadDir}/`)).toBe(true);
    expect(body.server_content_length).toBe(String(LARGEST_CONTENT_LENGTH));
    expect(sawFile).toBe(true); // the file was on disk while it arrived
    expect(peak - baseline).toBeLessThan(64 * MiB);
    await expectNoLeftovers();
  }, 300_000);

  it('a 2 GB chunked upload reaches the app as its request content, Node\'s RSS growing < 64 MB', async () => {
    const total = 2 * 1024 * MiB;
    const hash = createHash('sha256');
    const baseline = rss(server.child.pid!);
    const sampler = sampleRss(server.child.pid!);
    const res = await postStream(server.port, '/api/uploads/hash', { 'Content-Type': 'application/octet-stream' }, generated(total, hash));
    const peak = sampler.stop();
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.content_length).toBe(total);
    expect(body.content_sha256).toBe(hash.digest('hex'));
    expect(body.server_content_length).toBe(String(total));
    expect(peak - baseline).toBeLessThan(64 * MiB);
    await expectNoLeftovers();
  }, 300_000);

  it('a Content-Length of ten digits (1,000,000,000 bytes) is dropped by uWS 20.30 without a response: bigger uploads must be chunked', async () => {
    const res = await rawRequest(server.port, ['POST /api/uploads/hash HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000000\r\n\r\n', 'x'.repeat(1000)], { waitMs: 5000 });
    expect(res.status).toBeNull();
    expect(res.closed).toBe(true);
    expect((await exchange(server.port, { method: 'GET', target: '/api/ping' })).status).toBe(200);
  });

  it('a slow upload holds no PHP worker: with a pool of one, other requests are served while it arrives', async () => {
    const hash = createHash('sha256');
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('POST /api/uploads/hash HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    const send = (chunk: Buffer): void => {
      hash.update(chunk);
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
    };
    // Over BODY_MEMORY_MAX, so it is spooled to disk while it trickles in.
    send(randomBytes(2 * MiB));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 300));
      send(randomBytes(1000));
      const started = Date.now();
      const ping = await exchange(server.port, { method: 'GET', target: '/api/pid' }, 5000);
      expect(ping.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
    }
    expect(response).toBe(''); // the upload is still in progress
    socket.write('0\r\n\r\n');
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain(`"content_sha256":"${hash.digest('hex')}"`);
    await expectNoLeftovers();
  }, 60_000);

  it('a client that leaves mid-upload leaves no temp file (raw body and multipart)', async () => {
    for (const contentType of ['application/octet-stream', 'multipart/form-data; boundary=b']) {
      const socket = connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const prefix = contentType.startsWith('multipart') ? '--b\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n\r\n' : '';
      socket.write(`POST /api/uploads/hash HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${50 * MiB}\r\n\r\n${prefix}`);
      socket.write(randomBytes(4 * MiB));
      await waitFor(() => leftovers().length > 0, 10_000); // the body is on its way to disk
      socket.destroy();
      await expectNoLeftovers();
    }
    expect((await exchange(server.port, { method: 'GET', target: '/api/ping' })).status).toBe(200);
  }, 60_000);

  it('a PHP worker that dies with an upload in hand leaves no temp file', async () => {
    const data = randomBytes(3 * MiB);
    const boundary = 'crash-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await exchange(server.port, { method: 'POST', target: '/api/uploads/crash', headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]], body });
    expect(res.status).toBe(502);
    await expectNoLeftovers();
    // The pool of one is replaced and serves again.
    await waitFor(async () => (await exchange(server.port, { method: 'GET', target: '/api/ping' })).status === 200, 30_000, 200);
  }, 60_000);
});

describe('PHP\'s post_max_size follows MAX_BODY_SIZE', () => {
  let server: RunningServer;
  let uploadDir: string;

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'post-max-size-'));
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_BODY_SIZE: '600m', CLIENT_TIMEOUT: '120', UPLOAD_TMP_DIR: uploadDir });
  });

  afterAll(async () => {
    const code = server ? await server.stop() : 0;
    if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('with MAX_BODY_SIZE=600m a 100 MB body passes Laravel\'s ValidatePostSize (not 413) and arrives whole', async () => {
    const total = 100 * MiB;
    const hash = createHash('sha256');
    const res = await postStream(server.port, '/api/uploads/hash', { 'Content-Type': 'application/octet-stream' }, generated(total, hash), total);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ content_length: total, content_sha256: hash.digest('hex'), post_max_size: String(600 * MiB), upload_max_filesize: String(600 * MiB), upload_tmp_dir: uploadDir });
    await expectEmptyDir(uploadDir);
  }, 120_000);

  it('a 5 MB urlencoded form (over BODY_MEMORY_MAX, so read from its spooled file) is parsed into fields', async () => {
    const value = 'v'.repeat(5 * MiB);
    const form = Buffer.from(`a=${value}&b=2`);
    const res = await postStream(server.port, '/api/echo', { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, [form], form.length);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.input.b).toBe('2');
    expect(body.input.a).toHaveLength(value.length);
    expect(body.body.length).toBe(form.length);
  }, 60_000);
});

describe('a shutdown during an upload', () => {
  it('leaves no temp file behind when the grace runs out with the body still arriving', async () => {
    const uploadDir = mkdtempSync(join(tmpdir(), 'upload-shutdown-'));
    const server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_BODY_SIZE: '100m', SHUTDOWN_GRACE: '1', UPLOAD_TMP_DIR: uploadDir });
    try {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`POST /api/uploads/hash HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${50 * MiB}\r\n\r\n`);
      socket.write(randomBytes(4 * MiB));
      await waitFor(() => readdirSync(uploadDir).length > 0, 10_000);
      expect(await server.stop()).toBe(0);
      expect(readdirSync(uploadDir)).toEqual([]);
      socket.destroy();
    } finally {
      await server.stop();
      rmSync(uploadDir, { recursive: true, force: true });
    }
  }, 60_000);
});
