/**
 * The client's address as nginx's realip module with `real_ip_header X-Forwarded-For` and
 * `real_ip_recursive on` finds it: when the peer is a trusted proxy (TRUSTED_PROXIES), walk
 * X-Forwarded-For from the right, skipping trusted proxies; the first address that is not one is
 * the client. If every hop is trusted, the leftmost one is. From an untrusted peer the header was
 * already removed (trusted-proxies.ts), so the peer itself is the client.
 */
import { isIP } from 'node:net';
import type { HeaderPairs } from '../codec/messages.js';
import type { TrustedProxies } from './trusted-proxies.js';

export function clientAddress(headers: HeaderPairs, peer: string, proxies: TrustedProxies): string {
  if (!proxies.trusts(peer)) return peer;
  let forwarded = '';
  for (const [name, value] of headers) {
    if (name === 'x-forwarded-for') forwarded = forwarded === '' ? value : `${forwarded},${value}`;
  }
  if (forwarded === '') return peer;
  const hops = forwarded.split(',').map((hop) => hop.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break; // a garbled entry: believe nothing further left
    client = hop;
    if (!proxies.trusts(hop)) break;
  }
  return client;
}
