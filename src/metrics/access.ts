/**
 * Who may read the metrics and the status page. Without METRICS_TOKEN: only loopback peers (the
 * machine itself, a sidecar, an SSH tunnel), judged by the TCP peer address, and only when the
 * request carries no forwarding header: a proxy on the same machine (nginx, HAProxy) connects
 * from loopback on behalf of remote clients, and says so with X-Forwarded-For / Forwarded /
 * X-Real-IP. A local process that adds one only locks itself out. With it: `Authorization: Bearer <token>` from anywhere, loopback included,
 * compared in constant time so the answer's timing does not reveal how much of a guess matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export type AccessVerdict = 'allowed' | 'forbidden' | 'unauthorized';

export function isLoopback(address: string): boolean {
  try {
    return LOOPBACK.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  } catch {
    return false; // not an address at all
  }
}

export class AccessRule {
  /** SHA-256 of the token: both sides of the comparison then have the same length. */
  readonly #tokenDigest: Buffer | null;

  constructor(token: string | null) {
    this.#tokenDigest = token === null ? null : digest(token);
  }

  /**
   * `peer`: the normalised TCP peer address; `authorization`: the Authorization header, if any;
   * `forwarded`: the request carries a forwarding header (it came through a proxy).
   */
  check(peer: string, authorization: string | undefined, forwarded = false): AccessVerdict {
    if (this.#tokenDigest === null) return isLoopback(peer) && !forwarded ? 'allowed' : 'forbidden';
    const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match === null) return 'unauthorized';
    return timingSafeEqual(digest(match[1]!), this.#tokenDigest) ? 'allowed' : 'unauthorized';
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
