/** The micro-cache's storage rules (src/http/cache-policy.ts) and its store's bookkeeping (src/http/micro-cache.ts). */
import { describe, expect, it } from 'vitest';
import type { HeaderPairs } from '../../src/codec/messages.js';
import { parseCacheControl, requestIsCacheable, storagePolicy } from '../../src/http/cache-policy.js';
import { freshness, MicroCache } from '../../src/http/micro-cache.js';

const cc = (value: string, more: HeaderPairs = []): HeaderPairs => [['Cache-Control', value], ...more];

describe('storagePolicy', () => {
  it('keeps public responses for s-maxage, else max-age, with the stale windows', () => {
    expect(storagePolicy(200, cc('public, max-age=60'))).toEqual({ ttlMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, vary: [] });
    expect(storagePolicy(200, cc('public, max-age=60, s-maxage=5'))?.ttlMs).toBe(5_000);
    expect(storagePolicy(200, cc('max-age=1, public, stale-while-revalidate=30, stale-if-error=600'))).toMatchObject({ staleWhileRevalidateMs: 30_000, staleIfErrorMs: 600_000 });
    expect(storagePolicy(404, [['cache-control', 'PUBLIC, MAX-AGE=10'], ['Vary', 'Accept-Language, accept-encoding']])?.vary).toEqual(['accept-encoding', 'accept-language']);
  });

  it.each<[string, number, HeaderPairs]>([
    ['no Cache-Control', 200, []],
    ['not public', 200, cc('max-age=60')],
    ['private', 200, cc('public, private, max-age=60')],
    ['no-store', 200, cc('public, max-age=60, no-store')],
    ['no-cache', 200, cc('public, max-age=60, no-cache')],
    ['no lifetime', 200, cc('public')],
    ['max-age=0', 200, cc('public, max-age=0')],
    ['a bad max-age', 200, cc('public, max-age=soon')],
    ['Set-Cookie', 200, cc('public, max-age=60', [['Set-Cookie', 'a=b']])],
    ['Vary: *', 200, cc('public, max-age=60', [['Vary', 'Accept, *']])],
    ['a range', 200, cc('public, max-age=60', [['Content-Range', 'bytes 0-1/2']])],
    ['a file hand-over', 200, cc('public, max-age=60', [['X-Accel-Redirect', '/f']])],
    ['201', 201, cc('public, max-age=60')],
    ['206', 206, cc('public, max-age=60')],
    ['302', 302, cc('public, max-age=60')],
    ['500', 500, cc('public, max-age=60')],
  ])('does not store: %s', (_name, status, headers) => {
    expect(storagePolicy(status, headers)).toBeNull();
  });

  it('parses quoted and valueless directives', () => {
    expect(parseCacheControl('public, max-age="30", no-transform')).toEqual(new Map([['public', ''], ['max-age', '30'], ['no-transform', '']]));
  });
});

describe('requestIsCacheable', () => {
  it('takes GET and HEAD without Authorization; cookies do not matter', () => {
    expect(requestIsCacheable('GET', [['cookie', 'a=b']])).toBe(true);
    expect(requestIsCacheable('HEAD', [])).toBe(true);
    expect(requestIsCacheable('GET', [['authorization', 'Bearer x']])).toBe(false);
    expect(requestIsCacheable('POST', [])).toBe(false);
  });
});

describe('MicroCache', () => {
  const policy = storagePolicy(200, cc('public, max-age=10, stale-while-revalidate=5, stale-if-error=20'))!;

  it('ages an entry from fresh through its stale windows', () => {
    const cache = new MicroCache(1 << 20, 1 << 20);
    const entry = cache.store('k', '/p', [], 200, [], Buffer.from('x'), policy, 1_000)!;
    expect(freshness(entry, 1_000)).toBe('fresh');
    expect(freshness(entry, 12_000)).toBe('stale-while-revalidate');
    expect(freshness(entry, 20_000)).toBe('stale-if-error');
    expect(freshness(entry, 40_000)).toBe('expired');
  });

  it('keys variants by the Vary values it learnt, and purges by path prefix', () => {
    const cache = new MicroCache(1 << 20, 1 << 20);
    const vary = { ...policy, vary: ['accept-language'] };
    cache.store('http://h/a', '/a', [['accept-language', 'en']], 200, [], Buffer.from('en'), vary, Date.now());
    cache.store('http://h/a', '/a', [['accept-language', 'fr']], 200, [], Buffer.from('fr'), vary, Date.now());
    cache.store('http://h/b', '/b', [], 200, [], Buffer.from('b'), policy, Date.now());
    expect(cache.get(cache.keyFor('http://h/a', [['accept-language', 'fr']]))?.body.toString()).toBe('fr');
    expect(cache.get(cache.keyFor('http://h/a', [['accept-language', 'en']]))?.body.toString()).toBe('en');
    expect(cache.purge('/a')).toBe(2);
    expect(cache.stats().entries).toBe(1);
  });

  it('refuses an entry over the entry cap and stays within the byte budget', () => {
    const cache = new MicroCache(10_000, 4_000);
    expect(cache.store('big', '/big', [], 200, [], Buffer.alloc(5_000), policy, Date.now())).toBeNull();
    for (let i = 0; i < 10; i++) cache.store(`k${i}`, `/k${i}`, [], 200, [], Buffer.alloc(3_000), policy, Date.now());
    expect(cache.stats().bytes).toBeLessThanOrEqual(10_000);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k9')).toBeDefined();
  });

  it('releases every waiter of a key lock once', async () => {
    const cache = new MicroCache(1 << 20, 1 << 20);
    const lock = cache.lock('k');
    const waits = [lock.wait(), lock.wait()];
    cache.unlock('k', lock, null);
    expect(await Promise.all(waits.map((w) => w.promise))).toEqual([null, null]);
    expect(cache.lockFor('k')).toBeUndefined();
  });
});
