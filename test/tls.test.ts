/**
 * TLS on HTTP_PORT (uWS's SSLApp), the HTTP_REDIRECT_PORT listener, certificate checks at start,
 * and the certificate swap on reload, against the real server, PHP workers and the Laravel 12
 * app. Certificates are made by the openssl CLI in a temp dir; the client is node:https with
 * the certificate as its only CA, so a wrong certificate fails the handshake.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './helpers/apps.js';
import { control } from './helpers/control.js';
import { freePort, startServer, type RunningServer } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'lfd-tls-'));

/** A self-signed certificate for 127.0.0.1 and localhost; `passphrase` encrypts the key. */
function makeCert(name: string, passphrase?: string): { cert: string; key: string; pem: Buffer } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert,
    ...(passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${passphrase}`]),
  ], { stdio: 'ignore' });
  return { cert, key, pem: readFileSync(cert) };
}

interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** CN of the certificate the server presented. */
  cn: string;
  localPort: number;
}

function httpsGet(port: number, path: string, ca: Buffer[], agent?: Agent): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, agent: agent ?? false }, (res) => {
      const socket = res.socket as import('node:tls').TLSSocket;
      const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
      const localPort = socket.localPort ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cn, localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}

function plainRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS with an encrypted key, and the redirect listener', () => {
  const certA = makeCert('edge-a', 'open sesame');
  let server: RunningServer;
  let redirectPort: number;

  beforeAll(async () => {
    redirectPort = await freePort();
    server = await startServer({
      TLS_CERT_FILE: certA.cert,
      TLS_KEY_FILE: certA.key,
      TLS_PASSPHRASE: 'open sesame',
      HTTP_REDIRECT_PORT: String(redirectPort),
    });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('Laravel sees a secure request on the TLS port and generates https URLs', async () => {
    const reply = await httpsGet(server.port, '/api/edge/scheme', [certA.pem]);
    expect(reply.status).toBe(200);
    expect(reply.cn).toBe('edge-a');
    expect(JSON.parse(reply.body)).toMatchObject({
      secure: true,
      scheme: 'https',
      https: 'on',
      port: server.port,
      server_port: String(server.port),
      url: `https://127.0.0.1:${server.port}`,
      route_url: `https://127.0.0.1:${server.port}/api/edge/scheme`,
    });
  });

  it('the probes and static files answer over TLS too', async () => {
    expect((await httpsGet(server.port, '/healthz', [certA.pem])).status).toBe(200);
    const robots = await httpsGet(server.port, '/robots.txt', [certA.pem]);
    expect(robots.status).toBe(200);
    expect(robots.body).toBe(readFileSync(join(DEFAULT_APP.path, 'public', 'robots.txt'), 'utf8'));
  });

  it('the listener does not speak plain HTTP', async () => {
    await expect(plainRequest(server.port, 'GET', '/api/ping', {})).rejects.toThrow();
  });

  it('the redirect listener answers every request with a 308 to the https URL (host without its port, the TLS port, path and query kept)', async () => {
    const get = await plainRequest(redirectPort, 'GET', '/some/path?x=1&y=%20two', { Host: `shop.example.test:${redirectPort}` });
    expect(get).toEqual({ status: 308, location: `https://shop.example.test:${server.port}/some/path?x=1&y=%20two` });
    // 308 keeps the method: a POST is told to repeat itself over https, and PHP never sees it.
    const post = await plainRequest(redirectPort, 'POST', '/api/users', { Host: 'shop.example.test', 'Content-Length': '0' });
    expect(post).toEqual({ status: 308, location: `https://shop.example.test:${server.port}/api/users` });
    // The probe paths too: the plain port is only a pointer to the TLS one.
    expect(await plainRequest(redirectPort, 'GET', '/healthz', { Host: '[::1]:80' })).toEqual({ status: 308, location: `https://[::1]:${server.port}/healthz` });
  });

  it('a Host header that is not a host name gets 400, never a Location built from it', async () => {
    expect(await plainRequest(redirectPort, 'GET', '/', { Host: 'evil.test/path@x' })).toEqual({ status: 400, location: undefined });
  });
});

describe('a bad or missing certificate stops the start, naming the file', () => {
  const good = makeCert('edge-good');
  const other = makeCert('edge-other');
  const locked = makeCert('edge-locked', 'right');
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');

  const failure = async (env: Record<string, string>): Promise<string> => {
    try {
      const server = await startServer(env, 20_000);
      await server.stop();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the server started');
  };

  it.each([
    ['a missing certificate file', { TLS_CERT_FILE: join(dir, 'missing.crt'), TLS_KEY_FILE: good.key }, /TLS_INVALID: TLS_CERT_FILE ".*missing\.crt" cannot be read \(ENOENT\)/],
    ['a missing key file', { TLS_CERT_FILE: good.cert, TLS_KEY_FILE: join(dir, 'missing.key') }, /TLS_INVALID: TLS_KEY_FILE ".*missing\.key" cannot be read \(ENOENT\)/],
    ['a certificate file that is not a certificate', { TLS_CERT_FILE: garbage, TLS_KEY_FILE: good.key }, /TLS_INVALID: TLS_CERT_FILE ".*garbage\.pem" is not a PEM certificate/],
    ['a key given as the certificate', { TLS_CERT_FILE: good.key, TLS_KEY_FILE: good.key }, /TLS_INVALID: TLS_CERT_FILE ".*edge-good\.key" is not a PEM certificate/],
    ['a key that belongs to another certificate', { TLS_CERT_FILE: good.cert, TLS_KEY_FILE: other.key }, /TLS_INVALID: TLS_KEY_FILE ".*edge-other\.key" is not the private key of the certificate in TLS_CERT_FILE ".*edge-good\.crt"/],
    ['an encrypted key without TLS_PASSPHRASE', { TLS_CERT_FILE: locked.cert, TLS_KEY_FILE: locked.key }, /TLS_INVALID: TLS_KEY_FILE ".*edge-locked\.key" is not a usable PEM private key/],
    ['an encrypted key with the wrong TLS_PASSPHRASE', { TLS_CERT_FILE: locked.cert, TLS_KEY_FILE: locked.key, TLS_PASSPHRASE: 'wrong' }, /TLS_INVALID: TLS_KEY_FILE ".*edge-locked\.key" is not a usable PEM private key/],
    ['only one of the two files', { TLS_CERT_FILE: good.cert }, /"TLS_KEY_FILE" is not set/],
  ])('%s', async (_what, env, message) => {
    const text = await failure(env);
    expect(text).toMatch(message);
    // Refused before a PHP worker was started.
    expect(text).not.toMatch(/PHP worker (started|ready)/);
  }, 30_000);
});

describe('new certificate files on reload', () => {
  const a = makeCert('edge-old');
  const b = makeCert('edge-new');
  const liveCert = join(dir, 'live.crt');
  const liveKey = join(dir, 'live.key');
  const ca = [a.pem, b.pem];
  let server: RunningServer;

  beforeAll(async () => {
    copyFileSync(a.cert, liveCert);
    copyFileSync(a.key, liveKey);
    server = await startServer({ TLS_CERT_FILE: liveCert, TLS_KEY_FILE: liveKey });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('SIGHUP: new connections get the new certificate while an open keep-alive connection keeps working', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await httpsGet(server.port, '/api/ping', ca, keepAlive);
      expect(before).toMatchObject({ status: 200, cn: 'edge-old' });

      copyFileSync(b.cert, liveCert);
      copyFileSync(b.key, liveKey);
      server.child.kill('SIGHUP');
      await server.waitForLog((line) => String(line.msg).startsWith('TLS certificate reloaded'));

      const fresh = await httpsGet(server.port, '/api/ping', ca);
      expect(fresh).toMatchObject({ status: 200, cn: 'edge-new' });
      // The same TCP connection as before (same local port), still on the old certificate, still served.
      const again = await httpsGet(server.port, '/api/edge/scheme', ca, keepAlive);
      expect(again).toMatchObject({ status: 200, cn: 'edge-old', localPort: before.localPort });
      expect(JSON.parse(again.body).secure).toBe(true);
    } finally {
      keepAlive.destroy();
    }
  });

  it('npm run reload with broken new files keeps the running certificate and says why', async () => {
    writeFileSync(liveCert, 'garbage\n');
    const reply = await control<{ ok: boolean; tls: string; error?: string }>(server.socketPath, 'reload');
    expect(reply.tls).toBe('failed');
    expect(reply.error).toMatch(/TLS_CERT_FILE ".*live\.crt" is not a PEM certificate/);
    expect((await httpsGet(server.port, '/api/ping', ca)).cn).toBe('edge-new');

    // Fixed files are picked up by the next reload; unchanged files do not swap the listener.
    copyFileSync(a.cert, liveCert);
    copyFileSync(a.key, liveKey);
    expect((await control<{ tls: string }>(server.socketPath, 'reload')).tls).toBe('reloaded');
    expect((await httpsGet(server.port, '/api/ping', ca)).cn).toBe('edge-old');
    expect((await control<{ tls: string }>(server.socketPath, 'reload')).tls).toBe('unchanged');
  }, 120_000);
});
