import { describe, expect, it } from 'vitest';
import { resolveClientAddress } from '../../src/http/client-address.js';
import { parseTrustedProxies } from '../../src/http/trusted-proxies.js';
import { combinedLine, escapeField, jsonLine, timeLocal, type AccessEntry } from '../../src/log/access-line.js';

const entry: AccessEntry = {
  remoteAddr: '203.0.113.7',
  method: 'GET',
  uri: '/api/ping?a=1',
  protocol: 'HTTP/1.1',
  status: 200,
  bytes: 15,
  referer: null,
  userAgent: 'curl/8.0',
  ms: 1.25,
  worker: 3,
};

describe('access-log lines', () => {
  it('timeLocal is nginx $time_local in the process time zone', () => {
    const date = new Date(2026, 11, 3, 8, 5, 9);
    const offset = -date.getTimezoneOffset();
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    expect(timeLocal(date)).toBe(`03/Dec/2026:08:05:09 ${zone}`);
  });

  it('combined: fields in nginx order, "-" for what is missing, newline-terminated', () => {
    const date = new Date(2026, 0, 2, 3, 4, 5);
    expect(combinedLine(entry, date)).toBe(`203.0.113.7 - - [${timeLocal(date)}] "GET /api/ping?a=1 HTTP/1.1" 200 15 "-" "curl/8.0"\n`);
  });

  it('escapes quotes, backslashes, control and non-ASCII bytes as \\xHH, so a client cannot forge a line', () => {
    expect(escapeField('a"b\\c\nd')).toBe('a\\x22b\\x5Cc\\x0Ad');
    expect(escapeField('é')).toBe('\\xC3\\xA9');
    expect(combinedLine({ ...entry, userAgent: 'x"\n1.2.3.4 - - [' }, new Date()).split('\n')).toHaveLength(2);
  });

  it('json: one object per line with the same fields plus time taken and worker', () => {
    const date = new Date(Date.UTC(2026, 11, 3, 18, 0, 0));
    const parsed = JSON.parse(jsonLine(entry, date)) as Record<string, unknown>;
    expect(parsed).toEqual({
      time: '2026-12-03T18:00:00.000Z',
      remote_addr: '203.0.113.7',
      method: 'GET',
      uri: '/api/ping?a=1',
      protocol: 'HTTP/1.1',
      status: 200,
      body_bytes_sent: 15,
      referer: null,
      user_agent: 'curl/8.0',
      request_time_ms: 1.25,
      worker: 3,
    });
  });
});

describe('resolveClientAddress (realip with real_ip_recursive on)', () => {
  const proxies = parseTrustedProxies('10.0.0.0/8, 127.0.0.1');
  const xff = (value: string): Array<[string, string]> => [['x-forwarded-for', value]];

  it('an untrusted peer is the client, whatever it claims', () => {
    expect(resolveClientAddress('192.0.2.1', xff('1.1.1.1'), proxies)).toBe('192.0.2.1');
  });
  it('behind trusted proxies: the rightmost address that is not a trusted proxy', () => {
    expect(resolveClientAddress('127.0.0.1', xff('6.6.6.6, 198.51.100.2, 10.1.2.3'), proxies)).toBe('198.51.100.2');
  });
  it('every hop trusted: the leftmost; no header: the peer; garbage stops the walk', () => {
    expect(resolveClientAddress('127.0.0.1', xff('10.0.0.5, 10.0.0.6'), proxies)).toBe('10.0.0.5');
    expect(resolveClientAddress('127.0.0.1', [], proxies)).toBe('127.0.0.1');
    expect(resolveClientAddress('10.0.0.1', xff('198.51.100.2, not-an-ip'), proxies)).toBe('10.0.0.1');
  });
});
