import { describe, expect, it } from 'vitest';
import { QuickRoutes } from '../../src/pool/quick-routes.js';

describe('QuickRoutes', () => {
  it('keys a route by method and path, without the query', () => {
    expect(QuickRoutes.key('GET', '/api/ping?x=1')).toBe('GET /api/ping');
    expect(QuickRoutes.key('POST', '/api/ping')).toBe('POST /api/ping');
  });

  it('counts id segments (numbers, UUIDs, ULIDs, long hex) as one route, and leaves words alone', () => {
    expect(QuickRoutes.key('GET', '/api/users/42?tab=1')).toBe('GET /api/users/{id}');
    expect(QuickRoutes.key('GET', '/api/users/7/posts/19')).toBe('GET /api/users/{id}/posts/{id}');
    expect(QuickRoutes.key('GET', '/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('GET /orders/{id}');
    expect(QuickRoutes.key('GET', '/events/01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('GET /events/{id}');
    expect(QuickRoutes.key('GET', '/blobs/507f1f77bcf86cd799439011')).toBe('GET /blobs/{id}');
    expect(QuickRoutes.key('GET', '/api/v2/users')).toBe('GET /api/v2/users');
    expect(QuickRoutes.key('GET', '/reports/2fa-setup')).toBe('GET /reports/2fa-setup');
    expect(QuickRoutes.key('GET', '/')).toBe('GET /');
  });

  it('a route is quick once its average service time is under the bound, and its estimate is that average; unmeasured routes are not', () => {
    const routes = new QuickRoutes(10);
    expect(routes.estimate('GET /a')).toBeNull();
    routes.record('GET /a', 2);
    expect(routes.estimate('GET /a')).toBe(2);
    routes.record('GET /a', 4);
    expect(routes.estimate('GET /a')).toBeCloseTo(2.4); // a moving average: the newest weighs 0.2
    routes.record('GET /b', 500);
    expect(routes.estimate('GET /b')).toBeNull();
    // A quick route that turns slow stops being quick after a few slow answers.
    for (let i = 0; i < 5; i++) routes.record('GET /a', 100);
    expect(routes.estimate('GET /a')).toBeNull();
  });

  it('remembers a bounded number of routes, forgetting the one measured least recently', () => {
    const routes = new QuickRoutes(10, 2);
    routes.record('GET /a', 1);
    routes.record('GET /b', 1);
    routes.record('GET /a', 1); // /a measured again: /b is now the least recent
    routes.record('GET /c', 1);
    expect(routes.estimate('GET /a')).not.toBeNull();
    expect(routes.estimate('GET /b')).toBeNull();
    expect(routes.estimate('GET /c')).not.toBeNull();
  });
});
