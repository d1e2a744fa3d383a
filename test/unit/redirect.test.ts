import { describe, expect, it } from 'vitest';
import { httpsLocation } from '../../src/http/redirect.js';

describe('httpsLocation: where HTTP_REDIRECT_PORT sends a request', () => {
  it.each([
    ['example.com:8080', 8443, '/a/b', 'x=1&y=2', 'https://example.com:8443/a/b?x=1&y=2'],
    ['example.com', 443, '/', '', 'https://example.com/'],
    ['example.com:80', 443, '/p', '', 'https://example.com/p'],
    ['[2001:db8::1]:80', 8443, '/', 'q', 'https://[2001:db8::1]:8443/?q'],
    ['[::1]', 443, '/x', '', 'https://[::1]/x'],
    ['', 443, '/no-host', '', 'https://127.0.0.1/no-host'],
  ])('Host %j, TLS port %d, %s?%s → %s', (host, port, path, query, location) => {
    expect(httpsLocation(host, '127.0.0.1', port, path, query)).toBe(location);
  });

  it.each(['evil.test/path', 'user@evil.test', 'a b', 'x\r\nSet-Cookie: a=b', 'host:port'])('refuses Host %j', (host) => {
    expect(httpsLocation(host, '127.0.0.1', 443, '/', '')).toBeNull();
  });
});
