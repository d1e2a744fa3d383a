/**
 * Downloads handed to the front door (src/http/sendfile.ts): `response()->download()` answers
 * with an X-Sendfile head (the bridge tells Symfony it may), the PHP worker is free at once, and
 * the front door sends the file with ranges, ETag/Last-Modified and backpressure, keeping the
 * app's own headers. A file whose real path is outside SENDFILE_ROOTS gets 502, never its bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './helpers/apps.js';
import { waitFor } from './helpers/control.js';
import { exchange, header, headerValues } from './helpers/http-exchange.js';
import { startServer, type RunningServer } from './helpers/server.js';

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;
const TAG = `sendfile-${process.pid}`;
const STORAGE = join(DEFAULT_APP.path, 'storage', 'app');
const BIG = join(STORAGE, `${TAG}.bin`);
const LINK = join(STORAGE, `${TAG}-link.bin`);
const DELETED = join(STORAGE, `${TAG}-once.txt`);

function sliceOf(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  const out = Buffer.alloc(end - start);
  readSync(fd, out, 0, out.length, start);
  closeSync(fd);
  return out;
}

describe('downloads served by the front door', () => {
  let server: RunningServer;
  let outside: string;
  let bigSha = '';

  beforeAll(async () => {
    // 200 MB of data, written in 1 MiB pieces (never whole in memory).
    const fd = openSync(BIG, 'w');
    const hash = createHash('sha256');
    const block = randomBytes(MiB);
    for (let i = 0; i < SIZE / MiB; i++) {
      block.writeUInt32BE(i, 0);
      hash.update(block);
      writeSync(fd, block);
    }
    closeSync(fd);
    bigSha = hash.digest('hex');
    outside = mkdtempSync(join(tmpdir(), 'sendfile-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'never send me\n');
    symlinkSync(join(outside, 'secret.txt'), LINK);
    server = await startServer({ SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
  });

  afterAll(async () => {
    const code = server ? await server.stop() : 0;
    for (const file of [BIG, LINK, DELETED]) rmSync(file, { force: true });
    if (outside) rmSync(outside, { recursive: true, force: true });
    expect(code, `server stderr:\n${server?.stderr.join('\n')}`).toBe(0);
  });

  it('a 200 MB download: the PHP worker (a pool of one) serves others while a slow client still reads it; the bytes and the app\'s headers are right, and the connection serves the next request', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/download?path=${TAG}.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
    let head = '';
    let headDone = false;
    let received = 0;
    let after = Buffer.alloc(0); // what the connection carries once the download is over
    const hash = createHash('sha256');
    let downloaded: () => void = () => undefined;
    const whole = new Promise<void>((resolve) => (downloaded = resolve));
    const firstBytes = new Promise<void>((resolve) => {
      socket.on('data', (data: Buffer) => {
        let body = data;
        if (!headDone) {
          const raw = Buffer.concat([Buffer.from(head, 'latin1'), data]);
          const end = raw.indexOf('\r\n\r\n');
          if (end < 0) {
            head = raw.toString('latin1');
            return;
          }
          headDone = true;
          head = raw.subarray(0, end).toString('latin1');
          body = raw.subarray(end + 4);
        }
        const mine = body.subarray(0, SIZE - received);
        received += mine.length;
        hash.update(mine);
        after = Buffer.concat([after, body.subarray(mine.length)]);
        if (received === SIZE) downloaded();
        resolve();
      });
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await firstBytes;
    socket.pause(); // a client that stops reading
    // The only PHP worker is free although the download is far from over.
    const started = Date.now();
    const other = await exchange(server.port, { method: 'GET', target: '/api/pid' }, 10_000);
    expect(other.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(received).toBeLessThan(SIZE);
    socket.resume();
    await whole;
    // The last pieces went out after backpressure (in uWS's writable callback): the response is
    // over and the same connection answers the next request.
    socket.write('GET /api/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await closed;
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\ncontent-disposition: attachment; filename=sendfile-\d+\.bin/i);
    expect(head).toMatch(/\r\ncontent-length: 209715200\r?/i);
    expect(head).toMatch(/\r\netag: "/i);
    expect(head).toMatch(/\r\nlast-modified: /i);
    expect(head).not.toMatch(/x-sendfile/i);
    expect(received).toBe(SIZE);
    expect(hash.digest('hex')).toBe(bigSha);
    expect(after.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    expect(server.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('sendfile:'))).toEqual([]);
  }, 120_000);

  it('a range of it: 206 with Content-Range and exactly those bytes', async () => {
    const res = await exchange(server.port, { method: 'GET', target: `/api/download?path=${TAG}.bin`, headers: [['Range', 'bytes=1000000-1999999']] });
    expect(res.status).toBe(206);
    expect(header(res, 'content-range')).toBe(`bytes 1000000-1999999/${SIZE}`);
    expect(header(res, 'content-disposition')).toMatch(/^attachment/);
    expect(res.body.equals(sliceOf(BIG, 1_000_000, 2_000_000))).toBe(true);
  });

  it('a handed-over file goes out as it is on disk, uncompressed even when the client accepts gzip (COMPRESSION is on)', async () => {
    const text = join(STORAGE, `${TAG}-notes.txt`);
    const body = 'a line of compressible text\n'.repeat(1000);
    writeFileSync(text, body);
    try {
      const res = await exchange(server.port, { method: 'GET', target: `/api/download?path=${TAG}-notes.txt`, headers: [['Accept-Encoding', 'gzip, br']] });
      expect(res.status).toBe(200);
      expect(header(res, 'content-encoding')).toBeUndefined();
      expect(res.body.toString()).toBe(body);
    } finally {
      rmSync(text, { force: true });
    }
  });

  it('ETag and Last-Modified: a conditional GET gets 304, HEAD gets the length and no body', async () => {
    const head = await exchange(server.port, { method: 'HEAD', target: `/api/download?path=${TAG}.bin` });
    expect(head.status).toBe(200);
    expect(header(head, 'content-length')).toBe(String(SIZE));
    expect(head.body.length).toBe(0);
    const etag = header(head, 'etag')!;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const cached = await exchange(server.port, { method: 'GET', target: `/api/download?path=${TAG}.bin`, headers: [['If-None-Match', etag]] });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
    const since = await exchange(server.port, { method: 'GET', target: `/api/download?path=${TAG}.bin`, headers: [['If-Modified-Since', header(head, 'last-modified')!]] });
    expect(since.status).toBe(304);
  });

  it('a file outside SENDFILE_ROOTS is refused with 502 and a log line, never sent (a direct path and a symlink escaping storage/app)', async () => {
    const direct = await exchange(server.port, { method: 'GET', target: `/api/download-any?path=${encodeURIComponent(join(outside, 'secret.txt'))}` });
    expect(direct.status).toBe(502);
    expect(direct.body.toString()).not.toContain('never send me');
    const viaLink = await exchange(server.port, { method: 'GET', target: `/api/download?path=${TAG}-link.bin` });
    expect(viaLink.status).toBe(502);
    expect(viaLink.body.toString()).not.toContain('never send me');
    await server.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('sendfile: refused') && String(l['file']).includes('secret.txt'));
  });

  it('the response\'s own headers are kept: cookies and Cache-Control', async () => {
    const res = await exchange(server.port, { method: 'GET', target: `/api/download-any?path=${encodeURIComponent(BIG)}`, headers: [['Range', 'bytes=0-9']] });
    expect(res.status).toBe(206);
    expect(headerValues(res, 'set-cookie').some((c) => c.startsWith('dl=yes'))).toBe(true);
    expect(header(res, 'cache-control')).toContain('max-age=60');
    expect(header(res, 'content-disposition')).toBe('attachment; filename=report.bin');
    expect(res.body.equals(sliceOf(BIG, 0, 10))).toBe(true);
  });

  it('a download that deletes its file after sending (deleteFileAfterSend) is sent by PHP whole, then deleted', async () => {
    writeFileSync(DELETED, 'only once\n');
    const res = await exchange(server.port, { method: 'GET', target: `/api/download-delete?path=${TAG}-once.txt` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('only once\n');
    // PHP deletes it once its stream callback returns, which may be just after the client has
    // every byte of the declared length.
    await waitFor(() => !existsSync(DELETED), 5000).catch(() => undefined);
    expect(existsSync(DELETED)).toBe(false);
  });
});
