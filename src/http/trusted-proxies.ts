/**
 * X-Forwarded-* headers are only believable from a proxy we were told to trust (TRUSTED_PROXIES);
 * from anyone else they are removed before the request reaches PHP, so a client cannot make
 * Laravel's TrustProxies think it came from another address or over HTTPS. This is nginx's
 * `set_real_ip_from` decision made at the door; Laravel's own TrustProxies still decides what
 * to do with the headers that pass.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import type { HeaderPairs } from '../codec/messages.js';

const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix', 'forwarded']);

export interface TrustedProxies {
  /** True when headers from `address` may claim another client or scheme. */
  trusts(address: string): boolean;
}

/** Parses `TRUSTED_PROXIES`: `*` (everyone), empty (no one), or a comma list of addresses and CIDRs. */
export function parseTrustedProxies(raw: string): TrustedProxies {
  const value = raw.trim();
  if (value === '*') return { trusts: () => true };
  if (value === '') return { trusts: () => false };
  const list = new BlockList();
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (family === 0 || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)))) {
      throw new ConfigError(`invalid configuration: "TRUSTED_PROXIES" must be "*", empty, or a comma-separated list of IP addresses and CIDR ranges (like 10.0.0.0/8, ::1), but contains "${entry}"`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, bits, type);
  }
  return {
    trusts(address: string): boolean {
      const family = isIP(address);
      if (family === 0) return false;
      try {
        return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
      } catch {
        return false;
      }
    },
  };
}

/** Removes forwarding headers in place when the peer is not trusted. */
export function stripUntrustedForwarding(headers: HeaderPairs, peer: string, proxies: TrustedProxies): void {
  let hasForwarding = false;
  for (const [name] of headers) {
    if (FORWARDED.has(name)) {
      hasForwarding = true;
      break;
    }
  }
  if (!hasForwarding || proxies.trusts(peer)) return;
  let write = 0;
  for (let read = 0; read < headers.length; read++) {
    const pair = headers[read]!;
    if (!FORWARDED.has(pair[0])) headers[write++] = pair;
  }
  headers.length = write;
}

/** uWS gives IPv6 addresses in full form, and IPv4 peers on a dual-stack socket as ::ffff:a.b.c.d. */
export function normalizeAddress(text: string): string {
  if (text.startsWith('0000:0000:0000:0000:0000:ffff:')) {
    const hex = text.slice(30).replace(':', '');
    if (/^[0-9a-f]{8}$/i.test(hex)) {
      return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
    }
  }
  if (text.startsWith('::ffff:') && isIP(text.slice(7)) === 4) return text.slice(7);
  return text;
}
