/**
 * Uploads: multipart/form-data files reach Laravel as UploadedFile objects that store() and
 * move() handle, bodies over MAX_BODY_SIZE get 413, and no temp file is left behind — whatever
 * the app did with the upload (stored it, moved it, ignored it, failed validation, exit()).
 *
 * Where the temp files go: Node parses the multipart body (src/http/multipart.ts) and writes each
 * file into UPLOAD_TMP_DIR (PHP's upload_tmp_dir too), and removes what is left after the request.
 * The server runs with UPLOAD_TMP_DIR (and TMPDIR) set to a private directory, so "nothing left"
 * is checked exactly: that directory must be empty after every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, multipart, sendAll, type Exchange, type Part } from './helpers/http-exchange.js';
import { waitFor } from './helpers/control.js';
import { rawRequest } from './helpers/raw-http.js';
import { LARAVEL_APPS, assertAppBuilt } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

const LIMIT_BYTES = 1024 * 1024;
const BATCH = `uploads-test-${process.pid}-${Date.now()}`;

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const sha1 = (data: Buffer | string): string => createHash('sha1').update(data).digest('hex');
const json = (ex: Exchange): any => JSON.parse(ex.body.toString('utf8'));

describe.each(LARAVEL_APPS)('$name', (app) => {
  const STORAGE = join(app.path, 'storage', 'app');
  // Where store() puts files: the default disk's root, storage/app/private since Laravel 11.
  const DISK = app.version >= 11 ? join(STORAGE, 'private') : STORAGE;
  let server: RunningServer;
  let phpTmp: string;
  const leftovers = (): string[] => readdirSync(phpTmp);

  /** Node deletes the temp files once the exchange with PHP is over, just after the client got the response: wait for it. */
  async function expectNoLeftovers(): Promise<void> {
    await waitFor(() => leftovers().length === 0, 10_000).catch(() => undefined);
    expect(leftovers()).toEqual([]);
  }

  beforeAll(async () => {
    assertAppBuilt(app);
    phpTmp = mkdtempSync(join(tmpdir(), 'uploads-php-tmp-'));
    server = await startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', MAX_BODY_SIZE: '1m', BODY_MEMORY_MAX: '64k', TMPDIR: phpTmp, UPLOAD_TMP_DIR: phpTmp });
  });

  afterAll(async () => {
    const code = server ? await server.stop() : 0; // not started: beforeAll already failed the suite
    for (const [root, dir] of [[DISK, 'uploads'], [STORAGE, 'moved']] as const) {
      rmSync(join(root, dir, BATCH), { recursive: true, force: true });
      if (existsSync(join(root, dir)) && readdirSync(join(root, dir)).length === 0) rmSync(join(root, dir), { recursive: true });
    }
    if (phpTmp) rmSync(phpTmp, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  function post(target: string, parts: Part[]): Promise<Exchange> {
    const form = multipart(parts);
    return exchange(server.port, { method: 'POST', target, headers: [['Content-Type', form.contentType], ['Accept', 'application/json']], body: form.body });
  }

  describe('multipart uploads into Laravel', () => {
    it('PHP writes upload temp files to the directory this suite watches', async () => {
      const res = await exchange(server.port, { method: 'GET', target: '/api/uploads/tmpdir' });
      expect(json(res)).toEqual({ upload_tmp_dir: phpTmp, sys_get_temp_dir: phpTmp });
      await expectNoLeftovers();
    });

    it('several files in one request: store() keeps one, move() moves another, the rest are described; no temp file is left', async () => {
      // A real PNG (1×1) with a long tail, so the extension store() guesses from the content is
      // always .png (random bytes are sometimes sniffed as other types).
      const stored = Buffer.concat([PNG_1X1, randomBytes(200_000)]);
      const moved = Buffer.from('moved file contents\n'.repeat(1000));
      const extraA = Buffer.from('{"extra":1}');
      const extraB = randomBytes(3000);
      const res = await post('/api/uploads/store', [
        { name: 'batch', value: BATCH },
        { name: 'note', value: 'several files' },
        { name: 'stored', value: stored, filename: 'photo.png', type: 'image/png' },
        { name: 'moved', value: moved, filename: 'report final.txt', type: 'text/plain' },
        { name: 'extra[]', value: extraA, filename: 'a.json', type: 'application/json' },
        { name: 'extra[]', value: extraB, filename: 'b.bin', type: 'application/octet-stream' },
      ]);
      expect(res.status).toBe(200);
      const body = json(res);
      expect(body.fields).toEqual({ batch: BATCH, note: 'several files' });

      expect(body.stored).toMatchObject({ name: 'photo.png', client_mime: 'image/png', size: stored.length, sha1: sha1(stored), valid: true, error: 0, stored_sha1: sha1(stored) });
      expect(body.stored.path).toMatch(new RegExp(`^uploads/${BATCH}/[A-Za-z0-9]{40}\\.png$`));
      expect(body.stored.temp.startsWith(`${phpTmp}/`)).toBe(true);
      expect(body.stored.file).toBe(join(DISK, body.stored.path));
      expect(sha1(readFileSync(body.stored.file))).toBe(sha1(stored));

      expect(body.moved).toMatchObject({ name: 'report final.txt', size: moved.length, sha1: sha1(moved), valid: true, moved_sha1: sha1(moved), temp_still_there: false });
      expect(body.moved.path).toBe(join(STORAGE, 'moved', BATCH, 'report final.txt'));
      expect(sha1(readFileSync(body.moved.path))).toBe(sha1(moved));

      expect(body.extra).toHaveLength(2);
      expect(body.extra[0]).toMatchObject({ name: 'a.json', size: extraA.length, sha1: sha1(extraA), valid: true });
      expect(body.extra[1]).toMatchObject({ name: 'b.bin', size: extraB.length, sha1: sha1(extraB), valid: true });

      // The stored file was copied (its temp file still existed during the request); everything
      // PHP wrote to its temp dir is gone now.
      expect(body.stored.temp_still_there).toBe(true);
      await expectNoLeftovers();
      expect(existsSync(body.stored.temp)).toBe(false);
    });

    it('client file names with directories are reduced to their base name (as PHP does)', async () => {
      const res = await post('/api/uploads/store', [
        { name: 'batch', value: BATCH },
        { name: 'moved', value: 'x', filename: '../../etc/evil.txt', type: 'text/plain' },
        { name: 'extra[]', value: 'y', filename: 'C:\\Users\\me\\win.txt' },
        { name: 'extra[]', value: 'z', filename: 'résumé ✓.pdf', type: 'application/pdf' },
      ]);
      expect(res.status).toBe(200);
      const body = json(res);
      expect(body.moved.name).toBe('evil.txt');
      expect(body.moved.path).toBe(join(STORAGE, 'moved', BATCH, 'evil.txt'));
      expect(body.extra.map((e: { name: string }) => e.name)).toEqual(['win.txt', 'résumé ✓.pdf']);
      await expectNoLeftovers();
    });

    it('a file just under the limit arrives whole', async () => {
      const data = randomBytes(LIMIT_BYTES - 4096);
      const res = await post('/api/uploads/ignore', [{ name: 'big', value: data, filename: 'big.bin', type: 'application/octet-stream' }]);
      expect(res.status).toBe(200);
      expect(json(res).temps).toHaveLength(1);
      await expectNoLeftovers();
    });

    it('a file over the limit gets 413 (Content-Length known, the client stops after the head) and nothing reaches PHP', async () => {
      const form = multipart([{ name: 'big', value: randomBytes(LIMIT_BYTES + 10), filename: 'big.bin', type: 'application/octet-stream' }]);
      const head = `POST /api/uploads/store HTTP/1.1\r\nHost: app.test\r\nContent-Type: ${form.contentType}\r\nContent-Length: ${form.body.length}\r\n\r\n`;
      const res = await rawRequest(server.port, [head, form.body.subarray(0, 64 * 1024)]);
      expect(res.status).toBe(413);
      await expectNoLeftovers();
    });

    it('a file over the limit, uploaded whole as browsers do: the client reads the 413', async () => {
      // The server must drain the rest before closing (nginx's lingering close); closing at once
      // with unread data resets the connection and the client never sees the 413. Repeated, since
      // the loss depends on timing.
      const form = multipart([{ name: 'big', value: randomBytes(3 * LIMIT_BYTES), filename: 'big.bin', type: 'application/octet-stream' }]);
      const head = `POST /api/uploads/store HTTP/1.1\r\nHost: app.test\r\nContent-Type: ${form.contentType}\r\nContent-Length: ${form.body.length}\r\n\r\n`;
      const statuses: Array<number | null> = [];
      for (let i = 0; i < 3; i++) {
        const parts = Array.from({ length: Math.ceil(form.body.length / 65536) }, (_, j) => form.body.subarray(j * 65536, (j + 1) * 65536));
        statuses.push((await sendAll(server.port, [head, ...parts])).status);
      }
      expect(statuses).toEqual([413, 413, 413]);
      await expectNoLeftovers();
    });

    it('a chunked upload over the limit gets 413 (the client stops once past the limit)', async () => {
      const form = multipart([{ name: 'big', value: randomBytes(LIMIT_BYTES + 10), filename: 'big.bin' }]);
      const chunks: Buffer[] = [];
      // Chunks up to just past the limit, then the client waits: everything it sent is read.
      for (let i = 0; i < LIMIT_BYTES + 65536; i += 65536) {
        const part = form.body.subarray(i, i + 65536);
        chunks.push(Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
      }
      const head = `POST /api/uploads/store HTTP/1.1\r\nHost: app.test\r\nContent-Type: ${form.contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const res = await rawRequest(server.port, [head, ...chunks]);
      expect(res.status).toBe(413);
      await expectNoLeftovers();
    });

    it('uploads the app never touches are deleted after the response', async () => {
      const res = await post('/api/uploads/ignore', [
        { name: 'a', value: 'aaa', filename: 'a.txt' },
        { name: 'b[]', value: 'bbb', filename: 'b.txt' },
        { name: 'b[]', value: 'ccc', filename: 'c.txt' },
      ]);
      expect(res.status).toBe(200);
      const temps: string[] = json(res).temps;
      expect(temps).toHaveLength(3);
      for (const t of temps) expect(t.startsWith(`${phpTmp}/`)).toBe(true);
      await expectNoLeftovers();
    });

    it('uploads of a request that fails validation (422) are deleted', async () => {
      const res = await post('/api/uploads/reject', [{ name: 'doc', value: 'not a pdf', filename: 'doc.txt', type: 'text/plain' }]);
      expect(res.status).toBe(422);
      expect(Object.keys(json(res).errors)).toEqual(expect.arrayContaining(['doc', 'never']));
      await expectNoLeftovers();
    });

    it('uploads of a request whose app calls exit() are deleted (as PHP deletes them at request shutdown)', async () => {
      const res = await post('/api/uploads/exit', [{ name: 'f', value: randomBytes(5000), filename: 'f.bin' }]);
      expect(res.status).toBeGreaterThanOrEqual(500);
      // The worker exits after such a request; its replacement serves the next one.
      await server.waitForLog((l) => l.msg === 'PHP worker ready' && (l['worker'] as number) > 2, 30_000);
      await expectNoLeftovers();
      expect((await exchange(server.port, { method: 'GET', target: '/api/ping' })).status).toBe(200);
    });

    it('a raw body over BODY_MEMORY_MAX reaches the app from its spooled file: getContent() as a stream, the right bytes', async () => {
      const data = randomBytes(500_000);
      const res = await exchange(server.port, { method: 'POST', target: '/api/uploads/hash', headers: [['Content-Type', 'application/octet-stream']], body: data });
      expect(res.status).toBe(200);
      expect(json(res)).toMatchObject({ content_length: data.length, content_sha256: createHash('sha256').update(data).digest('hex'), server_content_length: String(data.length) });
      await expectNoLeftovers();
    });

    it('a urlencoded form over BODY_MEMORY_MAX is parsed from its spooled file', async () => {
      const body = Buffer.from(`big=${'b'.repeat(300_000)}&small=s`);
      const res = await exchange(server.port, { method: 'POST', target: '/api/echo', headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Accept', 'application/json']], body });
      expect(res.status).toBe(200);
      expect(json(res).input.small).toBe('s');
      expect(json(res).input.big).toHaveLength(300_000);
      await expectNoLeftovers();
    });

    it('concurrent uploads are all delivered and all cleaned up', async () => {
      const files = Array.from({ length: 8 }, (_, i) => randomBytes(20_000 + i * 1000));
      const results = await Promise.all(files.map((data, i) => post('/api/uploads/store', [{ name: 'batch', value: BATCH }, { name: 'extra[]', value: data, filename: `c${i}.bin` }])));
      results.forEach((res, i) => {
        expect(res.status).toBe(200);
        expect(json(res).extra[0]).toMatchObject({ name: `c${i}.bin`, size: files[i]!.length, sha1: sha1(files[i]!) });
      });
      await expectNoLeftovers();
    });
  });
});
