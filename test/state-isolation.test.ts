/**
 * State bleed: one PHP worker (SOCKET_POOL_MIN=1, SOCKET_POOL_MAX=1) serves every request, so
 * whatever one request leaves behind in the long-lived Laravel app would reach the next one.
 * Under php-fpm every request starts from scratch; here the adapter's reset
 * (php/src/Laravel/StateResetter.php) must give the same result: auth, session, locale, queued
 * cookies, runtime config, flushed singletons, the request instance and the URL generator.
 *
 * The routes are the probe kit's (test/apps/probes/routes/web.php, StateController), in each
 * Laravel test app (test/helpers/apps.ts); `?fail=1` makes a route throw after
 * changing its state, since the reset must also follow a failed request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, exchange, headerValues, type Exchange, type HeaderList } from './helpers/http-exchange.js';
import { LARAVEL_APPS, assertAppBuilt } from './helpers/apps.js';
import { startServer, type RunningServer } from './helpers/server.js';

const json = (ex: Exchange): any => JSON.parse(ex.body.toString('utf8'));
describe.each(LARAVEL_APPS)('$name', (app) => {
  let server: RunningServer;

  beforeAll(async () => {
    assertAppBuilt(app);
    server = await startServer({ LARAVEL_PATH: app.path, SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1' });
  });

  afterAll(async () => {
    if (!server) return; // did not start: beforeAll already failed the suite
    expect(await server.stop()).toBe(0);
  });

  function send(method: string, target: string, options: { jar?: CookieJar; headers?: HeaderList; host?: string; body?: string } = {}): Promise<Exchange> {
    const headers: HeaderList = [...(options.jar?.header() ?? []), ['Accept', 'application/json'], ...(options.headers ?? [])];
    if (options.body !== undefined) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
    return exchange(server.port, { method, target, headers, host: options.host, body: options.body }).then((ex) => {
      options.jar?.take(ex);
      return ex;
    });
  }

  const cookieNames = (ex: Exchange): string[] => headerValues(ex, 'set-cookie').map((c) => c.slice(0, c.indexOf('=')));

  describe('one long-lived PHP worker, requests of different clients in turn', () => {
    it('every request is served by the same PHP process', async () => {
      const pids = new Set<number>();
      for (let i = 0; i < 5; i++) pids.add(json(await send('GET', '/api/pid')).pid);
      expect(pids.size).toBe(1);
    });

    it('auth: user A logged in does not make user B (no cookie) logged in', async () => {
      const a = new CookieJar();
      const b = new CookieJar();
      const login = await send('POST', '/login', { jar: a, body: 'email=ada%40example.com' });
      expect(login.status).toBe(200);
      expect(json(login).email).toBe('ada@example.com');

      const meA = await send('GET', '/me', { jar: a });
      expect(meA.status).toBe(200);
      expect(json(meA).user.email).toBe('ada@example.com');

      const meB = await send('GET', '/me', { jar: b });
      expect(meB.status).toBe(401);
      expect(json(meB)).toMatchObject({ user: null, request_user: null, guard_check: false });
      expect(json(meB).session).not.toBe(json(meA).session);

      // B logs in as someone else; each keeps their own user.
      expect((await send('POST', '/login', { jar: b, body: 'email=alan%40example.com' })).status).toBe(200);
      expect(json(await send('GET', '/me', { jar: b })).user.email).toBe('alan@example.com');
      expect(json(await send('GET', '/me', { jar: a })).user.email).toBe('ada@example.com');

      // A logs out: A is a guest, B is still logged in, a third client is a guest.
      expect((await send('POST', '/logout', { jar: a })).status).toBe(200);
      expect((await send('GET', '/me', { jar: a })).status).toBe(401);
      expect(json(await send('GET', '/me', { jar: b })).user.email).toBe('alan@example.com');
      expect((await send('GET', '/me')).status).toBe(401);
    });

    it('auth: a request that logs in and then fails does not leave its user to the next client', async () => {
      const failed = await send('POST', '/login?fail=1', { body: 'email=ada%40example.com' });
      expect(failed.status).toBe(500);
      const next = await send('GET', '/me');
      expect(next.status).toBe(401);
      expect(json(next).guard_check).toBe(false);
    });

    it('session data of one client is not seen by another', async () => {
      const a = new CookieJar();
      for (const expected of [1, 2, 3]) expect(json(await send('GET', '/session', { jar: a }))).toEqual({ visits: expected });
      expect(json(await send('GET', '/session'))).toEqual({ visits: 1 });
      expect(json(await send('GET', '/session', { jar: a }))).toEqual({ visits: 4 });
    });

    it('locale: App::setLocale / Carbon::setLocale in one request do not leak into the next', async () => {
      const fr = json(await send('GET', '/state/locale?lang=fr'));
      expect(fr.after).toEqual({ app: 'fr', carbon: 'fr', config: 'fr' });
      const next = json(await send('GET', '/state/locale'));
      expect(next.before).toEqual({ app: 'en', carbon: 'en', config: 'en' });

      expect((await send('GET', '/state/locale?lang=de&fail=1')).status).toBe(500);
      expect(json(await send('GET', '/state/locale')).before).toEqual({ app: 'en', carbon: 'en', config: 'en' });
    });

    it('a queued cookie (Cookie::queue) is sent once, not on the next response', async () => {
      const first = await send('GET', '/state/queue-cookie?value=hello');
      expect(cookieNames(first)).toContain('queued');
      const second = await send('GET', '/state/queue-cookie');
      expect(cookieNames(second)).not.toContain('queued');
      expect(json(second).queued_now).toEqual([]);

      // Also when the request that queued it failed.
      const failed = await send('GET', '/state/queue-cookie?value=boom&fail=1');
      expect(failed.status).toBe(500);
      const after = await send('GET', '/state/queue-cookie');
      expect(cookieNames(after)).not.toContain('queued');
      expect(json(after).queued_now).toEqual([]);
    });

    it('config changed at runtime (config([...])) is restored for the next request', async () => {
      const changed = json(await send('GET', '/state/config?name=Changed'));
      expect(changed).toEqual({ before: 'Laravel', after: 'Changed', marker: 'Changed' });
      expect(json(await send('GET', '/state/config'))).toEqual({ before: 'Laravel', after: 'Laravel', marker: null });

      expect((await send('GET', '/state/config?name=Failed&fail=1')).status).toBe(500);
      expect(json(await send('GET', '/state/config'))).toEqual({ before: 'Laravel', after: 'Laravel', marker: null });
      // The Blade page (which shows config('app.name')) is back to normal too.
      expect((await send('GET', '/')).body.toString()).not.toMatch(/Changed|Failed/);
    });

    it('a singleton listed in config(\'laravel-rust.flush\') is fresh in every request; one not listed persists', async () => {
      const first = json(await send('GET', '/state/ledger?add=a'));
      expect(first).toMatchObject({ ledger: ['a', 'a-again'], same_instance: true });
      const second = json(await send('GET', '/state/ledger?add=b'));
      expect(second.ledger).toEqual(['b', 'b-again']);
      expect((await send('GET', '/state/ledger?add=c&fail=1')).status).toBe(500);
      const third = json(await send('GET', '/state/ledger'));
      expect(third.ledger).toEqual([]);
      // Counter is not in the list: same worker, same instance, still counting.
      expect(second.pid).toBe(first.pid);
      expect(third.pid).toBe(first.pid);
      expect(second.counter).toBe(first.counter + 1);
      expect(third.counter).toBeGreaterThan(second.counter);
    });

    it('the request instance and the URL generator reflect the current request', async () => {
      const one = json(await send('GET', '/state/url?x=1', { host: 'first.test', headers: [['Referer', 'http://first.test/from-first']] }));
      expect(one).toMatchObject({
        current: 'http://first.test/state/url',
        full: 'http://first.test/state/url?x=1',
        to: 'http://first.test/somewhere',
        route: 'http://first.test/state/url?q=1',
        previous: 'http://first.test/from-first',
        request_full_url: 'http://first.test/state/url?x=1',
        injected_full_url: 'http://first.test/state/url?x=1',
        same_request: true,
        url_generator_request: true,
        root: 'http://first.test',
      });
      const two = json(await send('GET', '/state/url?y=2', { host: 'second.test:8443' }));
      expect(two).toMatchObject({
        current: 'http://second.test:8443/state/url',
        full: 'http://second.test:8443/state/url?y=2',
        to: 'http://second.test:8443/somewhere',
        route: 'http://second.test:8443/state/url?q=1',
        previous: 'http://second.test:8443/fallback',
        request_full_url: 'http://second.test:8443/state/url?y=2',
        same_request: true,
        url_generator_request: true,
        root: 'http://second.test:8443',
      });
    });

    it('request input, headers and cookies of one request are gone in the next', async () => {
      const first = json(await send('GET', '/api/echo?token=first', { headers: [['X-Token', 'first'], ['Cookie', 'c=first']] }));
      expect(first.query).toEqual({ token: 'first' });
      const second = json(await send('GET', '/api/echo'));
      expect(second.query).toEqual({});
      expect(second.input).toEqual({});
      expect(second.cookies).toEqual({});
      expect(second.headers['x-token']).toBeUndefined();
    });

    it('a 204 (Symfony clears default_mimetype for it) does not strip the default Content-Type of later responses', async () => {
      expect((await send('GET', '/api/status/204')).status).toBe(204);
      // On Laravel 8 and 10 a router 404 has no Content-Type of its own: PHP (php-fpm) adds
      // text/html; charset=UTF-8, which is what this checks. Laravel 11+ renders the page with its
      // own "text/html; charset=utf-8" (so there this only checks that it arrives unchanged).
      const notFound = await exchange(server.port, { method: 'GET', target: '/no-such-page' });
      expect(notFound.status).toBe(404);
      expect(headerValues(notFound, 'content-type')).toEqual([app.version >= 11 ? 'text/html; charset=utf-8' : 'text/html; charset=UTF-8']);
    });
  });
});
