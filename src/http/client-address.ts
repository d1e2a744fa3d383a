/**
 * The client's address as the app will see it through Laravel's TrustProxies (Symfony's
 * Request::getClientIps): when the peer is a trusted proxy, X-Forwarded-For (or, without it,
 * Forwarded's `for=`) is read from the right, trusted proxies are skipped, and the first address
 * that is not one is the client. A peer that is not trusted is the client itself (its forwarding
 * headers were removed by stripUntrustedForwarding). nginx's `real_ip_recursive on` does the same.
 */
import { isIP } from 'node:net';
import type { HeaderPairs } from '../codec/messages.js';
import { normalizeAddress, type TrustedProxies } from './trusted-proxies.js';

export function resolveClientAddress(peer: string, headers: HeaderPairs, proxies: TrustedProxies): string {
  if (!proxies.trusts(peer)) return peer;
  let forwarded: string | undefined;
  let standard: string | undefined;
  for (const [name, value] of headers) {
    // uWS hands repeated headers joined with ", ", so one value holds the whole chain.
    if (name === 'x-forwarded-for') forwarded = value;
    else if (name === 'forwarded') standard = value;
  }
  const hops = forwarded !== undefined ? forwarded.split(',') : standard !== undefined ? forwardedFor(standard) : [];
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const address = cleanHop(hops[i]!);
    if (address === null) break; // garbage or an obfuscated name: trust the chain no further
    client = address;
    if (!proxies.trusts(address)) break;
  }
  return client;
}

/** RFC 7239 §4: `for=` of each element, in order. */
function forwardedFor(value: string): string[] {
  const out: string[] = [];
  for (const element of value.split(',')) {
    const match = /(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]+)/i.exec(element);
    if (match) out.push(match[1]!.replace(/^"|"$/g, ''));
  }
  return out;
}

/** An address from a forwarding header: trimmed, brackets and a port removed; null if not an IP. */
function cleanHop(raw: string): string | null {
  let value = raw.trim();
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return isIP(value) === 0 ? null : normalizeAddress(value.toLowerCase());
}
