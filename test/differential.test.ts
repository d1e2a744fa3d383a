/**
 * Differential suite: each Laravel test app (test/helpers/apps.ts) served by Debian's nginx +
 * php-fpm (the reference, bench/peers/nginx-fpm.ts) and by our server, the same raw requests sent
 * to both, the answers compared on status, body and the headers that matter. Comparing with
 * php-fpm on the same app is also what keeps version differences (error pages, default headers)
 * out of the assertions. Requests go out over raw sockets
 * (test/helpers/http-exchange.ts): nothing is normalised, followed or decompressed on the way.
 *
 * Every request uses `Host: app.test` (unless a case is about the Host), so URLs the app builds
 * are the same on both sides although they listen on different ports.
 *
 * What may legitimately differ is listed in ALLOWED_DIFFERENCES below, one line each, and is the
 * only thing normalised away. Anything else that differs fails here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxFpmMissing, startNginxFpm, type NginxFpm } from '../bench/peers/nginx-fpm.js';
import { CookieJar, exchange, header, headerValues, multipart, sendAll, type Exchange, type ExchangeRequest, type HeaderList } from './helpers/http-exchange.js';
import { rawRequest } from './helpers/raw-http.js';
import { LARAVEL_APPS, assertAppBuilt } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

/**
 * Every difference this suite tolerates, and why. (Key = where it is applied below.)
 */
export const ALLOWED_DIFFERENCES = {
  date: 'Date: each server stamps its own clock.',
  identity: 'Server, X-Powered-By, uWebSockets: each side names its own software.',
  framing: 'Content-Length / Transfer-Encoding / Connection / Keep-Alive: nginx relays FastCGI output chunked, we know the length; the decoded body and the absence of a body for HEAD/204/304 are compared.',
  etag: 'ETag / Last-Modified / Accept-Ranges of static files: not compared (ETag-less comparison of static bodies; we also send Accept-Ranges on a 206, nginx only on 200).',
  ports: 'SERVER_PORT, REMOTE_PORT: each server listens on its own port; REMOTE_PORT is 0 with us (uWS 20.30 does not expose the peer port).',
  serverSoftware: 'SERVER_SOFTWARE: each side names its own software.',
  encryptedCookies: 'Values of encrypted cookies (laravel_session / laravel-session, XSRF-TOKEN, any EncryptCookies value): a new random IV and session id per response.',
  cookieClock: 'Set-Cookie expires=<date>, and Max-Age within a minute: Symfony computes both from time() at two moments, so they drift by a second.',
  csrfToken: 'The CSRF token in Blade forms: random per session.',
  sessionTag: 'Session ids (or hashes of them) in bodies: random per session.',
  repeatedRequestHeaders: 'Repeated request headers: nginx 1.22 (Debian 12) passes only the LAST one to PHP (FastCGI params overwrite); we join them with ", " (Cookie with "; "), which is what nginx >= 1.23 does and what RFC 9110 §5.3 means.',
  errorPagesOfTheDoor: '413 (and other errors the front door answers itself): same status; nginx sends its HTML page, we send text/plain — the body is the server\'s own, not the app\'s.',
  expectContinue: 'Expect: 100-continue on a body over the limit: nginx answers 413 at once; uWS 20.30 sends "100 Continue" by itself before our limit check, then we answer 413 and close. Same final status.',
  nativeHeaderFunctions: 'header(), setcookie() called directly (not through a Symfony Response): php-fpm sends them; our PHP workers run the CLI SAPI, where they go nowhere (Octane and RoadRunner have the same limit).',
  exitInRequest: 'exit() / dd() in a request: php-fpm sends the output so far with status 200; our worker cannot finish the response, answers 502 and is replaced.',
  phpIniUploadLimits: 'php.ini upload limits (upload_max_filesize, max_file_uploads, post_max_size): php-fpm applies them while parsing; our multipart parser does not (MAX_BODY_SIZE is the limit), like RoadRunner and Swoole. Apps that rely on them need validation rules.',
  noHost: 'An HTTP/1.1 request without Host: nginx answers 400, uWS closes the connection without an answer. Both refuse it.',
  http10: 'HTTP/1.0 requests: nginx serves them; uWebSockets.js 20.30 (the newest build that loads on Debian 12\'s glibc) does not speak HTTP/1.0 and drops the connection (after its 10 s idle timeout) without reaching PHP. A proxy in front must use HTTP/1.1 (nginx: proxy_http_version 1.1); see docs/MIGRATING.md.',
  oddHeaderNames: 'Header names with "_" or ".": nginx drops the header (underscores_in_headers off) and serves the request; uWS 20.30 refuses the whole request (no answer, connection closed after its idle timeout). Neither passes the header to PHP.',
  untrustedForwarding: 'X-Forwarded-* from a client not in TRUSTED_PROXIES: we drop them (the answer equals nginx\'s to the same request without them); this nginx passes them, and Laravel\'s TrustProxies trusts loopback.',
  hiddenStatic: 'A hidden file under public/ (/.htaccess): nginx\'s `location ~ /\\.` answers 403; we never serve it and Laravel answers 404. Neither serves the file.',
  staticTypes: 'Static Content-Type spellings: application/javascript vs text/javascript (RFC 9239), image/x-icon vs image/vnd.microsoft.icon (same format); compared on the equivalent type.',
} as const;

const LIMIT = '1m';
const LIMIT_BYTES = 1024 * 1024;
const MISSING = nginxFpmMissing();

const BINARY = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

const sha1 = (data: Buffer | string): string => createHash('sha1').update(data).digest('hex');

if (MISSING) console.warn(`differential suite skipped: ${MISSING}`);

describe.each(LARAVEL_APPS)('$name', (app) => {
  const STATIC_DIR = join(app.path, 'public', 'differential');
  const DOWNLOAD = join(app.path, 'storage', 'app', 'differential-download.txt');
  let nginx: NginxFpm;
  let ours: RunningServer;

  describe.skipIf(MISSING !== null)('nginx + php-fpm vs the Node front door, same app, same requests', () => {
    beforeAll(async () => {
      assertAppBuilt(app);
      // Static fixtures, written before both servers start (ours indexes public/ at start).
      mkdirSync(STATIC_DIR, { recursive: true });
      writeFileSync(join(STATIC_DIR, 'style.css'), 'body { color: #123456; }\n');
      writeFileSync(join(STATIC_DIR, 'app.js'), 'console.log("differential");\n');
      writeFileSync(join(STATIC_DIR, 'data.json'), '{"static":true}\n');
      writeFileSync(join(STATIC_DIR, 'page.html'), '<!doctype html><title>static</title><p>static page</p>\n');
      writeFileSync(join(STATIC_DIR, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n');
      writeFileSync(join(STATIC_DIR, 'blob.bin'), BINARY);
      writeFileSync(join(STATIC_DIR, 'with space.txt'), 'a file name with a space\n');
      writeFileSync(DOWNLOAD, 'downloaded content\nline two\n');

      // Each assigned as soon as it runs, so afterAll stops it even if the other fails to start.
      await Promise.all([
        startNginxFpm({ appPath: app.path, maxChildren: 2, maxBodySize: LIMIT }).then((peer) => (nginx = peer)),
        // The reference nginx has no gzip (Debian's default server block), so ours runs without
        // compression too (compared in test/compression.test.ts); it has no X-Accel-Redirect set up, so
        // the handover is off too (test/sendfile.test.ts covers it).
        startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '2', MAX_BODY_SIZE: LIMIT, COMPRESSION: 'false', SENDFILE_ROOTS: 'off' }).then((server) => (ours = server)),
      ]);
    });

    afterAll(async () => {
      const [, code] = await Promise.all([nginx?.stop(), ours ? ours.stop() : 0]); // not started: beforeAll already failed
      rmSync(STATIC_DIR, { recursive: true, force: true });
      rmSync(DOWNLOAD, { force: true });
      expect(code).toBe(0);
    });

    /** Sends the same request to nginx, then to us. */
    async function both(req: ExchangeRequest, to: { port: number } = ours): Promise<{ fpm: Exchange; node: Exchange }> {
      const fpm = await exchange(nginx.port, req);
      const node = await exchange(to.port, req);
      expect(fpm.framingError, 'nginx framing').toBeNull();
      expect(node.framingError, 'our framing').toBeNull();
      return { fpm, node };
    }

    /** Sends the request to both and expects the same view of the answer. */
    async function same(req: ExchangeRequest, options: ViewOptions = {}, to: { port: number } = ours): Promise<{ fpm: Exchange; node: Exchange }> {
      const pair = await both(req, to);
      expect(view(pair.node, options), `${req.method} ${req.target}`).toEqual(view(pair.fpm, options));
      return pair;
    }

    const get = (target: string, headers: HeaderList = []): ExchangeRequest => ({ method: 'GET', target, headers });
    const json = (ex: Exchange): any => JSON.parse(ex.body.toString('utf8'));

    describe('methods', () => {
      it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s /api/method is routed the same', async (method) => {
        await same({ method, target: '/api/method?m=1', headers: [['Accept', 'application/json']] });
      });

      it('HEAD is answered without a body, with the GET headers', async () => {
        const { fpm, node } = await same({ method: 'HEAD', target: '/api/ping' });
        expect(node.wire.length).toBe(0);
        expect(fpm.wire.length).toBe(0);
        expect(header(node, 'content-type')).toBe('application/json');
      });

      it('HEAD of a web page (session cookies set, no body)', async () => {
        const { node } = await same({ method: 'HEAD', target: '/' });
        expect(node.wire.length).toBe(0);
        expect(headerValues(node, 'set-cookie').length).toBe(2);
      });

      it('HEAD does not claim a Content-Length of 0 for a non-empty GET body', async () => {
        // nginx sends no Content-Length for a HEAD whose app set none; "Content-Length: 0" would
        // tell a client (and caches) that the GET body is empty.
        const { fpm, node } = await both({ method: 'HEAD', target: '/api/ping' });
        expect(header(fpm, 'content-length')).toBeUndefined();
        expect(header(node, 'content-length')).toBeUndefined();
      });

      it('OPTIONS on a GET-only route: Laravel answers with Allow', async () => {
        const { node } = await same({ method: 'OPTIONS', target: '/api/ping' });
        expect(header(node, 'allow')).toBe('GET,HEAD');
      });

      it('POST with _method=PUT is routed as PUT (form method spoofing)', async () => {
        const { node } = await same({ method: 'POST', target: '/api/method', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: '_method=PUT&a=1' });
        expect(json(node).method).toBe('PUT');
      });

      it('POST with X-HTTP-Method-Override: PATCH', async () => {
        const { node } = await same({ method: 'POST', target: '/api/method', headers: [['X-HTTP-Method-Override', 'PATCH'], ['Content-Type', 'application/json']], body: '{"a":1}' });
        expect(json(node).method).toBe('PATCH');
      });
    });

    describe('query strings and paths', () => {
      it.each([
        ['repeated array parameters', '/api/echo?a[]=1&a[]=2&a[]=3'],
        ['repeated plain parameters (last wins)', '/api/echo?x=1&x=2'],
        ['encoded characters', '/api/echo?q=%E2%9C%93&sp=a+b&pct=100%25&amp=%26&eq=a%3Db&plus=%2B&raw=caf%C3%A9'],
        ['empty values and bare keys', '/api/echo?empty=&flag&=novalue&&last='],
        ['nested and dotted names', '/api/echo?f[a][b]=1&f[a][c][]=2&dotted.name=1&spaced%20name=2'],
        ['an encoded path segment', '/api/%65cho?x=1'],
        ['double slashes', '//api//echo?x=1'],
        ['a dot segment', '/api/./echo?x=1'],
        ['a trailing slash', '/api/echo/?x=1'],
        ['a question mark inside the query', '/api/echo?u=a?b&v=c'],
      ])('%s', async (_, target) => {
        await same(get(target));
      });
    });

    describe('request headers and cookies', () => {
      it('custom, empty, long, and authorization headers reach Laravel the same', async () => {
        await same(get('/api/server', [['X-Custom', 'v1'], ['X-Empty', ''], ['X-Long', 'L'.repeat(6000)], ['Authorization', 'Bearer abc.def'], ['User-Agent', 'differential/1'], ['Accept-Language', 'fr-CH, fr;q=0.9']]));
      });

      it('header names with an underscore never reach PHP [oddHeaderNames]', async () => {
        const fpm = await exchange(nginx.port, get('/api/echo', [['X_Under', 'dropped'], ['X-Dash', 'kept']]));
        expect(fpm.status).toBe(200);
        expect(json(fpm).headers['x_under']).toBeUndefined();
        const node = await rawRequest(ours.port, ['GET /api/echo HTTP/1.1\r\nHost: app.test\r\nX_Under: dropped\r\n\r\n'], { waitMs: 15_000 });
        expect(node.status).toBeNull();
        expect(node.closed).toBe(true);
      });

      it('repeated request headers: we join them, nginx 1.22 keeps the last [repeatedRequestHeaders]', async () => {
        const req = get('/api/echo', [['X-Rep', 'one'], ['X-Rep', 'two'], ['Cookie', 'c1=v1'], ['Cookie', 'c2=v2']]);
        const { fpm, node } = await both(req);
        expect(json(node).headers['x-rep']).toEqual(['one, two']);
        expect(json(node).cookies).toEqual({ c1: 'v1', c2: 'v2' });
        expect([['two'], ['one, two']]).toContainEqual(json(fpm).headers['x-rep']);
        // Everything else is the same.
        const strip = (b: any): unknown => normaliseJson({ ...b, headers: { ...b.headers, 'x-rep': null, cookie: null }, cookies: null });
        expect(strip(json(node))).toEqual(strip(json(fpm)));
      });

      it('a Cookie header is parsed like PHP does ($_COOKIE)', async () => {
        await same(get('/api/echo', [['Cookie', 'a=1; b=hello%20world; c=x+y; arr[k]=v; dotted.name=d; a=shadowed; empty=']]));
      });
    });

    describe('request bodies', () => {
      it('application/json', async () => {
        const { node } = await same({ method: 'POST', target: '/api/echo?q=1', headers: [['Content-Type', 'application/json']], body: '{"name":"Ada","list":[1,2],"nested":{"k":"v"},"unicode":"é✓"}' });
        expect(json(node).input).toMatchObject({ name: 'Ada', q: '1' });
      });

      it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('application/x-www-form-urlencoded with %s', async (method) => {
        const { node } = await same({ method, target: '/api/echo', headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8']], body: 'x=1&y[]=a&y[]=b&z=%C3%A9&sp=a+b&empty=' });
        expect(json(node).input).toMatchObject({ x: '1', y: ['a', 'b'], z: 'é' });
      });

      it('text/plain stays raw content', async () => {
        await same({ method: 'POST', target: '/api/echo', headers: [['Content-Type', 'text/plain']], body: 'just text\n' });
      });

      it('multipart/form-data with several files, nested names and an empty file input', async () => {
        const form = multipart([
          { name: 'title', value: 'several files' },
          { name: 'meta[kind]', value: 'test' },
          { name: 'one', value: 'first file\n', filename: 'one.txt', type: 'text/plain' },
          { name: 'many[]', value: Buffer.from([0, 1, 2, 3, 255]), filename: 'a.bin', type: 'application/octet-stream' },
          { name: 'many[]', value: '{"k":1}', filename: 'b.json', type: 'application/json' },
          { name: 'deep[x][y]', value: 'deep', filename: 'deep.txt', type: 'text/plain' },
          // An empty file input as browsers send it (they add application/octet-stream; busboy
          // reads a part with filename="" and no Content-Type as an empty field).
          { name: 'nofile', value: '', filename: '', type: 'application/octet-stream' },
          { name: 'path', value: 'x', filename: 'C:\\Users\\me\\win.txt', type: 'text/plain' },
        ]);
        const { node } = await same({ method: 'POST', target: '/api/echo', headers: [['Content-Type', form.contentType]], body: form.body });
        const files = json(node).files;
        expect(files.one).toMatchObject({ name: 'one.txt', size: 11, error: 0 });
        expect(files.many).toHaveLength(2);
        expect(files.deep.x.y.name).toBe('deep.txt');
      });

      it('a chunked JSON body', async () => {
        const { node } = await same({ method: 'POST', target: '/api/echo', headers: [['Content-Type', 'application/json']], chunks: ['{"chunked":', 'true,"n":', '42}'] });
        expect(json(node).input).toEqual({ chunked: true, n: 42 });
      });

      it('a chunked form body', async () => {
        await same({ method: 'POST', target: '/api/echo', headers: [['Content-Type', 'application/x-www-form-urlencoded']], chunks: ['a=1&', 'b=2'] });
      });

      it('a binary body of 300 kB', async () => {
        const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff));
        const { node } = await same({ method: 'POST', target: '/api/upload-size', headers: [['Content-Type', 'application/octet-stream']], body });
        expect(json(node)).toMatchObject({ length: body.length, sha1: sha1(body) });
      });

      it('a body of exactly the limit passes on both', async () => {
        const body = Buffer.alloc(LIMIT_BYTES, 0x61);
        const { node } = await same({ method: 'POST', target: '/api/upload-size', headers: [['Content-Type', 'application/octet-stream']], body });
        expect(json(node).length).toBe(LIMIT_BYTES);
      });

      it('a body over the limit, the client stops sending after the head: 413 from both (Content-Length) [errorPagesOfTheDoor]', async () => {
        const head = `POST /api/upload-size HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${LIMIT_BYTES + 1}\r\n\r\n`;
        const [fpm, node] = [await rawRequest(nginx.port, [head, 'x'.repeat(1000)]), await rawRequest(ours.port, [head, 'x'.repeat(1000)])];
        expect(fpm.status).toBe(413);
        expect(node.status).toBe(413);
      });

      it('a chunked body over the limit, the client stops once past it: 413 from both', async () => {
        const chunk = `10000\r\n${'y'.repeat(65536)}\r\n`;
        const chunks = ['POST /api/upload-size HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n', ...Array.from({ length: LIMIT_BYTES / 65536 + 1 }, () => chunk)];
        const fpm = await rawRequest(nginx.port, chunks);
        const node = await rawRequest(ours.port, chunks);
        expect(fpm.status).toBe(413);
        expect(node.status).toBe(413);
      });

      // A client uploads its whole body, as browsers and most HTTP clients do without
      // `Expect: 100-continue`. nginx answers 413 and keeps reading (discarding) the rest before it
      // closes (lingering_close), so the client reads the 413; a server that closes at once with
      // unread data makes the kernel reset the connection, and the client sees no answer at all.
      // Repeated, since the loss depends on timing.
      const bigBody = Buffer.alloc(4 * LIMIT_BYTES, 0x7a);
      const overLimit = {
        'with Content-Length': (): Array<string | Buffer> => [
          `POST /api/upload-size HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bigBody.length}\r\n\r\n`,
          ...Array.from({ length: bigBody.length / 65536 }, (_, i) => bigBody.subarray(i * 65536, (i + 1) * 65536)),
        ],
        chunked: (): Array<string | Buffer> => [
          'POST /api/upload-size HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
          ...Array.from({ length: bigBody.length / 65536 }, (_, i) => Buffer.concat([Buffer.from('10000\r\n'), bigBody.subarray(i * 65536, (i + 1) * 65536), Buffer.from('\r\n')])),
          '0\r\n\r\n',
        ],
      };
      it.each(Object.keys(overLimit) as Array<keyof typeof overLimit>)('a 4 MB body over the 1 MB limit, sent whole (%s): the client reads the 413 from both', async (kind) => {
        const seen = { fpm: [] as Array<number | null>, node: [] as Array<number | null> };
        for (let i = 0; i < 10; i++) {
          seen.fpm.push((await sendAll(nginx.port, overLimit[kind]())).status);
          seen.node.push((await sendAll(ours.port, overLimit[kind]())).status);
        }
        expect(seen.fpm).toEqual(Array(10).fill(413));
        expect(seen.node).toEqual(Array(10).fill(413));
      });

      it('Expect: 100-continue with a body over the limit: 413 from both [expectContinue]', async () => {
        const head = `POST /api/upload-size HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${20 * LIMIT_BYTES}\r\nExpect: 100-continue\r\n\r\n`;
        const fpm = await sendAll(nginx.port, [head], 5_000);
        const node = await sendAll(ours.port, [head], 5_000);
        expect(fpm.response).not.toMatch(/^HTTP\/1\.1 100/);
        expect(fpm.status).toBe(413);
        expect(node.status).toBe(413);
      });
    });

    describe('$_SERVER and what Laravel derives from it', () => {
      it('GET: REQUEST_URI, QUERY_STRING, SERVER_NAME, HTTPS, REMOTE_ADDR, REQUEST_TIME_FLOAT, HTTP_*', async () => {
        const { node } = await same(get('/api/server?x=1&y[]=2', [['Accept', 'text/html'], ['X-Requested-With', 'XMLHttpRequest']]));
        const body = json(node);
        expect(body.server).toMatchObject({ REQUEST_URI: '/api/server?x=1&y[]=2', QUERY_STRING: 'x=1&y[]=2', SERVER_NAME: 'app.test', REMOTE_ADDR: '127.0.0.1', HTTPS: '(absent)' });
        expect(body.request_time_float).toEqual({ type: 'float', recent: true });
        expect(body.derived.ip).toBe('127.0.0.1');
      });

      it('POST JSON: CONTENT_TYPE and CONTENT_LENGTH', async () => {
        const { node } = await same({ method: 'POST', target: '/api/server', headers: [['Content-Type', 'application/json; charset=utf-8'], ['Accept', 'application/json']], body: '{"a":1}' });
        expect(json(node).server).toMatchObject({ CONTENT_TYPE: 'application/json; charset=utf-8', CONTENT_LENGTH: '7' });
      });

      it('a Host with a port', async () => {
        const { node } = await same({ method: 'GET', target: '/api/server', host: 'app.test:8443' });
        expect(json(node).derived).toMatchObject({ host: 'app.test', port: 8443, url: 'http://app.test:8443/api/server' });
      });

      it('an HTTP/1.0 request: nginx serves it, uWS 20.30 drops it [http10]', async () => {
        const fpm = await exchange(nginx.port, { method: 'GET', target: '/api/ping', host: null, version: 'HTTP/1.0' });
        expect(fpm.status).toBe(200);
        const node = await rawRequest(ours.port, ['GET /api/ping HTTP/1.0\r\n\r\n'], { waitMs: 15_000 });
        expect(node.status).toBeNull();
        expect(node.closed).toBe(true);
      });

      it('an HTTP/1.1 request without a Host is refused by both [noHost]', async () => {
        const fpm = await exchange(nginx.port, { method: 'GET', target: '/api/ping', host: null });
        expect(fpm.status).toBe(400);
        const node = await rawRequest(ours.port, ['GET /api/ping HTTP/1.1\r\nConnection: close\r\n\r\n']);
        expect(node.status === 400 || (node.status === null && node.closed)).toBe(true);
      });
    });

    describe('X-Forwarded-* and TrustProxies', () => {
      const forwarded: HeaderList = [
        ['X-Forwarded-For', '203.0.113.9, 198.51.100.7'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'shop.example'],
        ['X-Forwarded-Port', '443'],
      ];
      let trusted: RunningServer;

      beforeAll(async () => {
        trusted = await startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_BODY_SIZE: LIMIT, TRUSTED_PROXIES: '127.0.0.1', COMPRESSION: 'false', SENDFILE_ROOTS: 'off' });
      });
      afterAll(async () => {
        expect(await trusted?.stop()).toBe(0);
      });

      it('from a trusted proxy (TRUSTED_PROXIES=127.0.0.1): ip, scheme, host and port as nginx + TrustProxies give them', async () => {
        const { node } = await same(get('/api/server', forwarded), {}, trusted);
        expect(json(node).derived).toMatchObject({ ip: '198.51.100.7', secure: true, scheme: 'https', host: 'shop.example', port: 443, url: 'https://shop.example/api/server', from_trusted_proxy: true });
      });

      it('a redirect behind a trusted proxy points at the forwarded scheme and host', async () => {
        const { node } = await same(get('/api/redirect?to=/api/ping', forwarded), {}, trusted);
        expect(header(node, 'location')).toBe('https://shop.example/api/ping');
      });

      it('from an untrusted client: dropped, as if never sent [untrustedForwarding]', async () => {
        const withoutThem = await exchange(nginx.port, get('/api/server'));
        const node = await exchange(ours.port, get('/api/server', forwarded));
        expect(view(node)).toEqual(view(withoutThem));
        expect(json(node).derived).toMatchObject({ ip: '127.0.0.1', secure: false, host: 'app.test' });
        expect(json(node).http).not.toHaveProperty('HTTP_X_FORWARDED_FOR');
        // nginx itself passes them on, and the app (trusting loopback) believes them.
        const fpm = await exchange(nginx.port, get('/api/server', forwarded));
        expect(json(fpm).derived.ip).toBe('198.51.100.7');
      });
    });

    describe('responses', () => {
      it.each([200, 201, 202, 204, 205, 301, 304, 400, 401, 403, 404, 409, 418, 422, 429, 451, 500, 502, 503])('status %i', async (code) => {
        const { node } = await same(get(`/api/status/${code}`));
        expect(node.status).toBe(code);
        if (code === 204 || code === 304) expect(node.wire.length).toBe(0);
      });

      it('204 and 304 carry no Content-Length (RFC 9110 §8.6) and no body', async () => {
        for (const code of [204, 304]) {
          const { fpm, node } = await both(get(`/api/status/${code}`));
          expect(header(fpm, 'content-length'), `nginx ${code}`).toBeUndefined();
          expect(header(node, 'content-length'), `ours ${code}`).toBeUndefined();
          expect(node.wire.length).toBe(0);
        }
      });

      it('several Set-Cookie with SameSite, Max-Age, Path, Domain, Secure, raw values and a deletion', async () => {
        // Partitioned cannot be produced here: Symfony 5.4's Cookie has no partitioned flag (6.4+).
        const { node } = await same(get('/api/cookies'));
        const cookies = headerValues(node, 'set-cookie');
        expect(cookies).toHaveLength(6);
        expect(cookies.join('\n')).toMatch(/samesite=strict/i);
        expect(cookies.join('\n')).toMatch(/samesite=none/i);
        expect(cookies.join('\n')).toMatch(/Max-Age=/);
      });

      it('repeated response headers, Cache-Control, Vary, Link; the standard reason phrase', async () => {
        const { fpm, node } = await same(get('/api/response-headers'));
        expect(headerValues(node, 'x-list')).toEqual(['a', 'b', 'c']);
        expect(header(node, 'cache-control')).toBe('max-age=60, public, s-maxage=120');
        // The app asked for "200 Fine": php-fpm and we both send the standard text.
        expect([fpm.reason, node.reason]).toEqual(['OK', 'OK']);
      });

      it('/api/headers: a header with two values and two cookies', async () => {
        const { node } = await same(get('/api/headers', [['X-Test', 'hello there']]));
        expect(headerValues(node, 'x-multi')).toEqual(['one', 'two']);
      });

      it.each([
        ['a 302 to a path', '/api/redirect?to=/api/ping'],
        ['a 301', '/api/redirect?to=/x&status=301'],
        ['a 307', '/api/redirect?to=/x&status=307'],
        ['a 308 to another site', '/api/redirect?to=https://example.org/y%20z&status=308'],
      ])('redirect: %s', async (_, target) => {
        const { node } = await same(get(target));
        expect(header(node, 'location')).toBeDefined();
      });

      it('JSON from Eloquent', async () => {
        await same(get('/api/users'));
        await same(get('/api/users/1'));
      });

      it('a Blade page', async () => {
        const { node } = await same(get('/'));
        expect(node.body.toString()).toContain('Laravel behind the Node front door');
      });

      it('a streamed response', async () => {
        const { node } = await same(get('/api/stream?chunks=4&size=20'));
        expect(node.body.toString().split('\n').filter(Boolean)).toHaveLength(4);
      });

      it('a 300 kB response body', async () => {
        const { node } = await same(get('/api/big?bytes=300000'));
        expect(node.body.length).toBe(300000);
      });

      it('a download (BinaryFileResponse): Content-Disposition, Content-Type, body', async () => {
        const { node } = await same(get('/api/download?path=differential-download.txt'));
        expect(header(node, 'content-disposition')).toBe('attachment; filename=differential-download.txt');
        expect(node.body.toString()).toBe('downloaded content\nline two\n');
      });

      it('HEAD of a download: no body', async () => {
        const { node } = await same({ method: 'HEAD', target: '/api/download?path=differential-download.txt' });
        expect(node.wire.length).toBe(0);
      });
    });

    describe('PHP-level behaviour a long-lived worker cannot reproduce (documented)', () => {
      it('header() and setcookie() outside a Response [nativeHeaderFunctions]', async () => {
        const { fpm, node } = await both(get('/api/native-header'));
        expect(header(fpm, 'x-legacy')).toBe('set-by-header()');
        expect(headerValues(fpm, 'set-cookie').join()).toContain('legacy=1');
        expect(header(node, 'x-legacy')).toBeUndefined();
        expect(headerValues(node, 'set-cookie').join()).not.toContain('legacy=1');
        expect(json(node)).toEqual(json(fpm));
      });

      it('more files than max_file_uploads (20) [phpIniUploadLimits]', async () => {
        const form = multipart(Array.from({ length: 21 }, (_, i) => ({ name: 'f[]', value: `file ${i}`, filename: `f${i}.txt`, type: 'text/plain' })));
        const req: ExchangeRequest = { method: 'POST', target: '/api/echo', headers: [['Content-Type', form.contentType]], body: form.body };
        const { fpm, node } = await both(req);
        expect(json(fpm).files.f).toHaveLength(20);
        expect(json(node).files.f).toHaveLength(21);
      });

      it('exit() in a request [exitInRequest]', async () => {
        const fpm = await exchange(nginx.port, get('/api/exit'));
        const node = await exchange(ours.port, get('/api/exit'));
        expect(fpm.status).toBe(200);
        expect(fpm.body.toString()).toBe('partial output\n');
        expect(node.status).toBe(502);
        expect(node.body.toString()).not.toContain('partial output');
        // The worker that exited is replaced; the next requests are served.
        expect((await exchange(ours.port, get('/api/ping'))).status).toBe(200);
      });
    });

    describe('errors rendered by the app (APP_DEBUG=false)', () => {
      it.each([
        ['404 JSON under /api', get('/api/no-such-route')],
        ['404 HTML page', get('/no-such-page')],
        ['404 from route model binding', get('/api/users/999999')],
        ['405 JSON', { method: 'POST', target: '/api/ping' } as ExchangeRequest],
        ['405 HTML page', { method: 'DELETE', target: '/' } as ExchangeRequest],
        ['422 validation JSON', { method: 'POST', target: '/api/validate', headers: [['Content-Type', 'application/json'], ['Accept', 'application/json']], body: '{"name":"x","age":"old","tags":["a","a"]}' } as ExchangeRequest],
        ['403 from abort()', get('/api/abort/403')],
        ['500 JSON without a trace', get('/api/boom')],
        ['500 HTML page without a trace', get('/boom-page')],
        ['419 when the CSRF token is missing', { method: 'PUT', target: '/form', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'name=x' } as ExchangeRequest],
      ])('%s', async (_, req) => {
        const { node } = await same(req);
        expect(node.status).toBeGreaterThanOrEqual(400);
        expect(node.body.toString()).not.toMatch(/secret detail|Stack trace|\.php:\d+|#\d+ \//);
      });
    });

    describe('sessions, CSRF and a Blade form flow on the web group', () => {
      it('the session cookie round-trips: visits count up on both', async () => {
        const jars = { fpm: new CookieJar(), node: new CookieJar() };
        for (const expected of [1, 2, 3]) {
          const fpm = await exchange(nginx.port, get('/session', jars.fpm.header()));
          const node = await exchange(ours.port, get('/session', jars.node.header()));
          expect(view(node)).toEqual(view(fpm));
          expect(json(node)).toEqual({ visits: expected });
          jars.fpm.take(fpm);
          jars.node.take(node);
        }
        // The session cookie's default name: laravel_session, laravel-session from Laravel 12's skeleton.
        expect(jars.node.has(app.version >= 12 ? 'laravel-session' : 'laravel_session')).toBe(true);
        expect(jars.node.has('XSRF-TOKEN')).toBe(true);
      });

      it('GET form (CSRF token) → PUT via _method → 302 back → flashed status and saved value', async () => {
        const run = async (port: number): Promise<unknown[]> => {
          const jar = new CookieJar();
          const steps: unknown[] = [];
          const page = await exchange(port, get('/form'));
          jar.take(page);
          steps.push(view(page));
          const token = /name="_token" value="([^"]+)"/.exec(page.body.toString())![1]!;
          // A failing submission first (validation): redirected back with errors.
          const bad = await exchange(port, { method: 'POST', target: '/form', headers: [...jar.header(), ['Content-Type', 'application/x-www-form-urlencoded'], ['Referer', 'http://app.test/form']], body: `_token=${encodeURIComponent(token)}&_method=PUT&name=` });
          jar.take(bad);
          steps.push(view(bad));
          const withErrors = await exchange(port, get('/form', jar.header()));
          jar.take(withErrors);
          steps.push(view(withErrors));
          const good = await exchange(port, { method: 'POST', target: '/form', headers: [...jar.header(), ['Content-Type', 'application/x-www-form-urlencoded']], body: `_token=${encodeURIComponent(token)}&_method=PUT&name=Ada+L.` });
          jar.take(good);
          steps.push(view(good));
          const after = await exchange(port, get('/form', jar.header()));
          jar.take(after);
          steps.push(view(after));
          const state = await exchange(port, get('/form/json', jar.header()));
          steps.push(view(state));
          return steps;
        };
        const fpm = await run(nginx.port);
        const node = await run(ours.port);
        expect(node).toEqual(fpm);
        expect(JSON.stringify(node)).toContain('Ada L.');
        expect(JSON.stringify(node)).toContain('The name field is required.');
      });
    });

    describe('static files from public/', () => {
      it.each([
        '/robots.txt',
        '/favicon.ico',
        '/differential/style.css',
        '/differential/app.js',
        '/differential/data.json',
        '/differential/page.html',
        '/differential/logo.svg',
        '/differential/blob.bin',
        '/differential/with%20space.txt',
        '/robots.txt?v=123',
      ])('GET %s', async (target) => {
        await same(get(target), { staticFile: true });
      });

      it('a byte range of a static file: 206 with Content-Range', async () => {
        const { node } = await same(get('/differential/blob.bin', [['Range', 'bytes=100-1099']]), { staticFile: true });
        expect(node.status).toBe(206);
        expect(node.body.length).toBe(1000);
      });

      it('HEAD /robots.txt: headers, no body', async () => {
        const { node } = await same({ method: 'HEAD', target: '/robots.txt' }, { staticFile: true });
        expect(node.wire.length).toBe(0);
      });

      it('a directory of public/ goes to the app (404 from Laravel on both)', async () => {
        await same(get('/differential'));
      });

      it('/index.php runs the app, never shows its source', async () => {
        const { node } = await same(get('/index.php'));
        expect(node.body.toString()).not.toContain('<?php');
      });

      it('/index.php/api/ping: the front controller with a path after it', async () => {
        const { node } = await same(get('/index.php/api/ping?x=1'));
        expect(json(node)).toEqual({ pong: true });
      });

      it('a missing file under an existing directory goes to the app', async () => {
        await same(get('/differential/missing.css'));
      });

      it('a POST to a static file path goes to the app (nginx: try_files serves files to GET/HEAD only)', async () => {
        const { fpm, node } = await both({ method: 'POST', target: '/robots.txt', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1' });
        // nginx answers 405 for a POST to a static file; our static handler passes it to Laravel,
        // which has no such route (404/405). Both refuse; neither runs the file as a script.
        expect(fpm.status).toBeGreaterThanOrEqual(400);
        expect(node.status).toBeGreaterThanOrEqual(400);
      });

      it('a hidden file is not served by either [hiddenStatic]', async () => {
        const { fpm, node } = await both(get('/.htaccess'));
        expect(fpm.status).toBe(403);
        expect([403, 404]).toContain(node.status);
        expect(node.body.toString()).not.toContain('RewriteEngine');
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The view of an answer that is compared, with the allowed differences normalised away.

interface ViewOptions {
  /** Static file: compare the body by hash, the Content-Type by equivalent type [staticTypes]. */
  staticFile?: boolean;
}

/** The response headers compared (anything else is listed in ALLOWED_DIFFERENCES or irrelevant). */
const COMPARED = new Set(['content-type', 'set-cookie', 'location', 'cache-control', 'content-disposition', 'allow', 'vary', 'content-language', 'link', 'retry-after', 'www-authenticate', 'content-range']);
/** Except these x- headers, every X-* header the app sends is compared too. */
const NOT_COMPARED_X = new Set(['x-powered-by']);

/** [staticTypes] */
const TYPE_EQUIVALENTS: Record<string, string> = {
  'application/javascript': 'text/javascript',
  'image/x-icon': 'image/vnd.microsoft.icon',
};

function view(ex: Exchange, options: ViewOptions = {}): unknown {
  const headers: Record<string, string[]> = {};
  for (const [rawName, value] of ex.headers) {
    const name = rawName.toLowerCase();
    if (!COMPARED.has(name) && !(name.startsWith('x-') && !NOT_COMPARED_X.has(name))) continue;
    let v = value;
    if (name === 'set-cookie') v = normaliseCookie(value);
    if (name === 'content-type' && options.staticFile) v = normaliseStaticType(value);
    (headers[name] ??= []).push(v);
  }
  const type = headers['content-type']?.[0] ?? '';
  let body: unknown;
  if (options.staticFile) body = { sha1: createHash('sha1').update(ex.body).digest('hex'), length: ex.body.length };
  else if (/json/.test(type) && ex.body.length > 0) body = normaliseJson(JSON.parse(ex.body.toString('utf8')));
  else body = normaliseText(ex.body.toString('utf8'));
  return { status: ex.status, headers, body };
}

/** [encryptedCookies] [cookieClock] */
export function normaliseCookie(line: string): string {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  let value = pair.slice(eq + 1).trim();
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // keep it raw
  }
  if (name === 'laravel_session' || name === 'laravel-session' || name === 'XSRF-TOKEN' || decoded.startsWith('eyJpdiI6')) value = '<encrypted>';
  const attrs = attributes.map((a) => {
    const t = a.trim();
    if (/^expires=/i.test(t)) return 'expires=<date>';
    const maxAge = /^max-age=(-?\d+)$/i.exec(t);
    if (maxAge) return `Max-Age≈${Math.round(Number(maxAge[1]) / 60)}min`;
    return t;
  });
  return [`${name}=${value}`, ...attrs].join('; ');
}

function normaliseStaticType(value: string): string {
  const [type = '', ...params] = value.split(';').map((s) => s.trim().toLowerCase());
  return [TYPE_EQUIVALENTS[type] ?? type, ...params].join('; ');
}

/** [ports] [serverSoftware] [sessionTag] */
function normaliseJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseJson);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'SERVER_PORT' || key === 'REMOTE_PORT') out[key] = v === '(absent)' ? v : '<port>';
    else if (key === 'SERVER_SOFTWARE') out[key] = '<software>';
    else if (key === 'session') out[key] = '<session>';
    else out[key] = normaliseJson(v);
  }
  return out;
}

/** [csrfToken] */
function normaliseText(text: string): string {
  return text.replace(/(name="_token" value=")[^"]*"/g, '$1<csrf>"').replace(/(<meta name="csrf-token" content=")[^"]*"/g, '$1<csrf>"');
}

