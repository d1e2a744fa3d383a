import { describe, expect, it } from 'vitest';
import { QuickRoutes } from '../../src/pool/quick-routes.js';

describe('QuickRoutes', () => {
  it('keys a route by method and path, without the query', () => {
    expect(QuickRoutes.key('GET', '/api/ping?x=1')).toBe('GET /api/ping');
    expect(QuickRoutes.key('POST', '/api/ping')).toBe('POST /api/ping');
  });

  it('a route is quick once its average exchange time is under the bound; unmeasured routes are not', () => {
    const routes = new QuickRoutes(10);
    expect(routes.isQuick('GET /a')).toBe(false);
    routes.record('GET /a', 2);
    expect(routes.isQuick('GET /a')).toBe(true);
    routes.record('GET /b', 500);
    expect(routes.isQuick('GET /b')).toBe(false);
    // A quick route that turns slow stops being quick after a few slow answers.
    for (let i = 0; i < 5; i++) routes.record('GET /a', 100);
    expect(routes.isQuick('GET /a')).toBe(false);
  });

  it('remembers a bounded number of routes, forgetting the oldest', () => {
    const routes = new QuickRoutes(10, 2);
    routes.record('GET /1', 1);
    routes.record('GET /2', 1);
    routes.record('GET /3', 1);
    expect(routes.isQuick('GET /1')).toBe(false);
    expect(routes.isQuick('GET /2')).toBe(true);
    expect(routes.isQuick('GET /3')).toBe(true);
  });
});
