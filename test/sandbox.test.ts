/**
 * The per-request sandbox (php/src/Laravel: RequestSandbox, StateResetter, docs/STATE.md), per
 * Laravel version: with ONE long-lived PHP worker, a request leaves a piece of state behind and the
 * next request reads it. nginx + php-fpm (which starts every request fresh) gets the same pair of
 * requests, and the reads must agree — and equal the fresh value written here, so that a probe
 * broken on both sides cannot pass.
 *
 * The probes are GET /sandbox/{case}/change and /sandbox/{case}/read in the probe kit
 * (test/apps/probes/routes/web-sandbox.php, src/Sandbox/).
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxFpmMissing, startNginxFpm, type NginxFpm } from '../bench/peers/nginx-fpm.js';
import { LARAVEL_APPS, assertAppBuilt } from './helpers/apps.js';
import { exchange, header, multipart, type Exchange, type ExchangeRequest, type HeaderList } from './helpers/http-exchange.js';
import { startServer, type RunningServer } from './helpers/server.js';

const MISSING = nginxFpmMissing();
if (MISSING) console.warn(`sandbox comparison with nginx + php-fpm impossible: ${MISSING}`);

/** A Vite manifest with one entry and its CSS, so that rendering the entry preloads assets. */
const VITE_MANIFEST = JSON.stringify({
  'app.js': { file: 'assets/app-1a2b3c.js', src: 'app.js', isEntry: true, css: ['assets/app-4d5e6f.css'] },
});

/** Each case: what a fresh application reads (php-fpm's answer, written out). */
const CASES: Array<{ name: string; change?: string; fresh: (version: number) => unknown }> = [
  {
    name: 'url',
    fresh: () => ({ url: 'http://app.test/page', defaults: [], route_without_team: 'missing parameter' }),
  },
  { name: 'view-share', fresh: () => ({ shared: null }) },
  { name: 'instance', fresh: () => ({ instance: false, binding: false }) },
  { name: 'singleton', change: '/sandbox/singleton/change?tenant=alice', fresh: () => ({ tenant: null }) },
  { name: 'listener', fresh: () => ({ responses: [] }) },
  { name: 'transaction', fresh: () => ({ level: 0, name: 'Ada Lovelace' }) },
  {
    name: 'context',
    fresh: (v) => ({ log: [], shared: v >= 10 ? [] : null, context: v >= 11 ? [] : null }),
  },
  { name: 'vite', fresh: (v) => ({ nonce: null, preloaded: v >= 9 ? [] : null }) },
  { name: 'macro', fresh: () => ({ macro: false }) },
  { name: 'merge', fresh: () => ({ merged: null, all: [] }) },
  // Not a leak but its opposite: a model boots on its first use (in a request) and registers its
  // listeners then; dropping them with the request's listeners would silence its events for good.
  { name: 'model', fresh: () => ({ seen: true }) },
  { name: 'query-duration', fresh: (v) => ({ handlers: v >= 9 ? 0 : null }) },
];

describe.each(LARAVEL_APPS)('$name', (app) => {
  let ours: RunningServer;
  let fpm: NginxFpm | undefined;
  const VIEW = join(app.path, 'resources', 'views', 'sandbox-edit.blade.php');
  const VITE_DIR = join(app.path, 'public', 'sandbox-vite');

  beforeAll(async () => {
    assertAppBuilt(app);
    // (Laravel 8's test app keeps its views in the probe kit: its own folder may not exist.)
    mkdirSync(dirname(VIEW), { recursive: true });
    writeFileSync(VIEW, '<p>first version {{ 1 + 1 }}</p>\n');
    mkdirSync(VITE_DIR, { recursive: true });
    writeFileSync(join(VITE_DIR, 'manifest.json'), VITE_MANIFEST);
    await Promise.all([
      startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', WATCH: 'false' }).then((s) => (ours = s)),
      MISSING ? undefined : startNginxFpm({ appPath: app.path, maxChildren: 1 }).then((p) => (fpm = p)),
    ]);
  });

  afterAll(async () => {
    const [code] = await Promise.all([ours?.stop(), fpm?.stop()]);
    rmSync(VIEW, { force: true });
    rmSync(VITE_DIR, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const send = (port: number, req: ExchangeRequest): Promise<Exchange> =>
    exchange(port, { ...req, headers: [['Accept', 'application/json'], ...(req.headers ?? [])] });
  const get = (port: number, target: string, headers: HeaderList = []): Promise<Exchange> => send(port, { method: 'GET', target, headers });
  const json = (ex: Exchange): unknown => {
    expect(ex.status, ex.body.toString()).toBe(200);
    return JSON.parse(ex.body.toString('utf8'));
  };

  /** The change request, then the read request, on one server; returns the read. */
  async function changeThenRead(port: number, name: string, change?: string): Promise<unknown> {
    const changed = await get(port, change ?? `/sandbox/${name}/change`);
    expect(changed.status, `change ${name}: ${changed.body.toString().slice(0, 300)}`).toBe(200);
    return json(await get(port, `/sandbox/${name}/read`));
  }

  it('every request is served by the same PHP worker', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) pids.add((json(await get(ours.port, '/api/pid')) as { pid: number }).pid);
    expect(pids.size).toBe(1);
  });

  it.each(CASES)('$name: what one request leaves behind is not seen by the next', async ({ name, change, fresh }) => {
    const expected = fresh(app.version);
    // Twice in a row: a leak that only shows from the second change on is caught too.
    for (let round = 0; round < 2; round++) {
      expect(await changeThenRead(ours.port, name, change), `ours, round ${round + 1}`).toEqual(expected);
    }
    if (fpm) expect(await changeThenRead(fpm.port, name, change), 'nginx + php-fpm').toEqual(expected);
  });

  it('a precognitive request does not turn the next requests into 204s', async () => {
    const probe = async (port: number): Promise<number[]> => {
      const pre = await send(port, { method: 'POST', target: '/sandbox/precognitive', headers: [['Precognition', 'true']] });
      const after = await get(port, '/sandbox/console/read');
      const afterAgain = await get(port, '/sandbox/console/read');
      return [pre.status, after.status, afterAgain.status];
    };
    // Laravel 8 has no Precognition: the POST is an ordinary one there.
    const expected = app.version >= 10 ? [204, 200, 200] : [200, 200, 200];
    expect(await probe(ours.port)).toEqual(expected);
    if (fpm) expect(await probe(fpm.port)).toEqual(expected);
  });

  it('the app runs as under php-fpm, not as a console app, from boot on', async () => {
    const expected = { now: false, at_boot: false };
    expect(json(await get(ours.port, '/sandbox/console/read'))).toEqual(expected);
    if (fpm) expect(json(await get(fpm.port, '/sandbox/console/read'))).toEqual(expected);
  });

  it('a Blade view edited after its first render is recompiled by the running worker (WATCH off)', async () => {
    const render = async (port: number): Promise<string> => (await get(port, '/sandbox/view/change')).body.toString().trim();
    expect(await render(ours.port)).toBe('<p>first version 2</p>');
    if (fpm) expect(await render(fpm.port)).toBe('<p>first version 2</p>');
    // opcache re-checks a compiled file at most every 2 s (revalidate_freq): let that pass.
    await sleep(2_200);
    writeFileSync(VIEW, '<p>edited {{ 2 + 2 }}</p>\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(VIEW, later, later);
    expect(await render(ours.port)).toBe('<p>edited 4</p>');
    if (fpm) expect(await render(fpm.port)).toBe('<p>edited 4</p>');
  });

  describe('bodies of PUT, PATCH and DELETE reach Laravel as php-fpm gives them', () => {
    const form = 'title=Hello+world&tags%5B%5D=a&tags%5B%5D=b';
    const upload = multipart([
      { name: 'title', value: 'From multipart' },
      { name: 'doc', filename: 'notes.txt', type: 'text/plain', value: 'file body\n' },
    ]);

    it.each(['PUT', 'PATCH', 'DELETE', 'POST'])('%s with a form body and with a multipart body', async (method) => {
      const requests: ExchangeRequest[] = [
        { method, target: '/sandbox/body', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: form },
        { method, target: '/sandbox/body', headers: [['Content-Type', upload.contentType]], body: upload.body },
      ];
      for (const req of requests) {
        const node = json(await send(ours.port, req)) as { input: Record<string, unknown>; files: Record<string, unknown> };
        if (fpm) expect(node, `${method} ${header({ headers: req.headers ?? [] }, 'content-type')}`).toEqual(json(await send(fpm.port, req)));
        if (req.body === form) expect(node.input).toEqual({ title: 'Hello world', tags: ['a', 'b'] });
        // PHP 8.2 parses multipart bodies for POST only (request_parse_body() is 8.4).
        else if (method === 'POST') expect(node).toMatchObject({ input: { title: 'From multipart' }, files: { doc: { name: 'notes.txt', size: 10 } } });
        else expect(node).toMatchObject({ input: {}, files: [] });
      }
    });
  });

  it('lifecycle events reach listeners of the app: worker starting, then received, handled, terminated per request', async () => {
    // The listener (SandboxProbes::boot) records the bridge's events; a read returns and clears them.
    const first = json(await get(ours.port, '/sandbox/events/read')) as { worker_starting: number; events: string[] };
    expect(first.worker_starting).toBe(1);
    expect(first.events.slice(-2)).toEqual(['RequestTerminated', 'RequestReceived']); // the one before, then this read
    await get(ours.port, '/api/ping');
    const { events } = json(await get(ours.port, '/sandbox/events/read')) as { events: string[] };
    // Each read answers from inside its controller: after its own RequestReceived, before its
    // RequestHandled. So: the end of the first read, the whole ping, the start of the second read.
    expect(events).toEqual(['RequestHandled', 'RequestTerminated', 'RequestReceived', 'RequestHandled', 'RequestTerminated', 'RequestReceived']);
    if (fpm) expect(json(await get(fpm.port, '/sandbox/events/read'))).toEqual({ worker_starting: 0, events: [] });
  });
});
