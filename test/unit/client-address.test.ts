import { describe, expect, it } from 'vitest';
import { resolveClientAddress } from '../../src/http/client-address.js';
import { parseTrustedProxies } from '../../src/http/trusted-proxies.js';
import type { HeaderPairs } from '../../src/codec/messages.js';

const proxies = parseTrustedProxies('127.0.0.1, 10.0.0.0/8');
const xff = (value: string): HeaderPairs => [['host', 'x'], ['x-forwarded-for', value]];

describe('resolveClientAddress: the address Laravel TrustProxies would report', () => {
  it.each([
    ['an untrusted peer is the client, whatever it forwards', '203.0.113.5', xff('198.51.100.1'), '203.0.113.5'],
    ['a trusted peer without forwarding headers is the client', '127.0.0.1', [['host', 'x']] as HeaderPairs, '127.0.0.1'],
    ['a trusted peer: the forwarded address', '127.0.0.1', xff('198.51.100.1'), '198.51.100.1'],
    ['a chain: the rightmost address that is not a trusted proxy (what the client sent left of it is not believed)', '127.0.0.1', xff('6.6.6.6, 198.51.100.1, 10.1.2.3'), '198.51.100.1'],
    ['every hop trusted: the leftmost', '127.0.0.1', xff('10.0.0.1, 10.0.0.2'), '10.0.0.1'],
    ['a garbage hop stops the walk at the last good one', '127.0.0.1', xff('198.51.100.1, unknown'), '127.0.0.1'],
    ['IPv4 with a port, IPv6 in brackets', '127.0.0.1', xff('[2001:DB8::7]:443, 10.0.0.9:1234'), '2001:db8::7'],
    ['RFC 7239 Forwarded when there is no X-Forwarded-For', '127.0.0.1', [['forwarded', 'for=192.0.2.60;proto=https, for="[2001:db8::1]:80"']] as HeaderPairs, '2001:db8::1'],
  ])('%s', (_what, peer, headers, client) => {
    expect(resolveClientAddress(peer, headers, proxies)).toBe(client);
  });
});
