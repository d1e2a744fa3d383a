/**
 * RATE_LIMIT: a token bucket per client address (nginx's limit_req with `burst` and `nodelay`):
 * each address may send RATE_LIMIT_BURST requests at once, and earns RATE_LIMIT more per second
 * up to that size. A request finding its bucket empty gets 429 at once, never queued.
 *
 * The buckets live in one fixed-capacity table of typed arrays allocated at start, so memory is
 * the same for one address or ten million:
 *
 *   per slot: fingerprint 2 × u32 (8 B) + tokens f32 (4 B) + last update f64 (8 B) = 20 bytes
 *   RATE_LIMIT_TABLE_SIZE slots (default 1,048,576 = 20 MiB)
 *
 * An address is hashed to a 64-bit fingerprint (two 32-bit hashes with a per-process random seed,
 * so nobody can pick addresses that collide on purpose) and lives in one set of 8 neighbouring
 * slots. At capacity, a new address takes the slot in its set whose bucket is already full again
 * (forgetting it changes nothing), or else the one seen least recently: that address starts
 * again with a full bucket. So a flood of more distinct addresses than the table holds can only
 * make the limit forget its oldest clients early; it can never grow the memory.
 */
import { randomBytes } from 'node:crypto';

/** Slots probed per address: one set of 8 (the fingerprints of a set share a cache line). */
const WAYS = 8;

export type RateDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; remaining: 0; retryAfterSeconds: number };

export class BucketTable {
  readonly capacity: number;
  readonly #mask: number;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #tokens: Float32Array;
  readonly #seen: Float64Array;
  readonly #perMs: number;
  readonly #burst: number;
  readonly #seedA: number;
  readonly #seedB: number;
  #used = 0;

  /** `capacity` is rounded up to a power of two (at least one set). */
  constructor(readonly rate: number, readonly burst: number, capacity: number) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
    this.capacity = Math.max(WAYS, 2 ** Math.ceil(Math.log2(capacity)));
    this.#mask = this.capacity - 1;
    this.#hi = new Uint32Array(this.capacity);
    this.#lo = new Uint32Array(this.capacity);
    this.#tokens = new Float32Array(this.capacity);
    this.#seen = new Float64Array(this.capacity);
    this.#perMs = rate / 1000;
    this.#burst = burst;
    const seed = randomBytes(8);
    this.#seedA = seed.readUInt32LE(0);
    this.#seedB = seed.readUInt32LE(4);
  }

  /** Addresses with a bucket now (at most `capacity`). */
  get size(): number {
    return this.#used;
  }

  /** Bytes held by the table: fixed at construction. */
  get bytes(): number {
    return this.capacity * 20;
  }

  /** Takes one token for `key` at `nowMs` (a monotonic clock), or says how long until there is one. */
  take(key: string, nowMs: number): RateDecision {
    // FNV-1a and a second, differently seeded FNV-1a with a murmur finaliser: two independent 32-bit hashes.
    let a = 0x811c9dc5 ^ this.#seedA;
    let b = this.#seedB;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
    b ^= b >>> 16;
    const hi = a >>> 0;
    const lo = (b >>> 0) || 1; // lo === 0 marks an empty slot
    const base = hi & this.#mask & ~(WAYS - 1);

    let slot = -1;
    let victim = base;
    let victimSeen = Infinity;
    for (let i = base; i < base + WAYS; i++) {
      const slotLo = this.#lo[i]!;
      if (slotLo === lo && this.#hi[i] === hi) {
        slot = i;
        break;
      }
      if (slotLo === 0) {
        if (victimSeen !== -Infinity) {
          victim = i;
          victimSeen = -Infinity; // an empty slot beats any eviction
        }
        continue;
      }
      // A bucket that has refilled is as good as no bucket: reuse it before a live one.
      const seen = this.#seen[i]!;
      const refilled = this.#tokens[i]! + (nowMs - seen) * this.#perMs >= this.#burst;
      const rank = refilled ? -1e300 + seen : seen;
      if (rank < victimSeen) {
        victim = i;
        victimSeen = rank;
      }
    }

    let tokens: number;
    if (slot === -1) {
      slot = victim;
      if (this.#lo[slot] === 0) this.#used++;
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      tokens = this.#burst;
    } else {
      tokens = Math.min(this.#burst, this.#tokens[slot]! + Math.max(0, nowMs - this.#seen[slot]!) * this.#perMs);
    }
    this.#seen[slot] = nowMs;
    if (tokens >= 1) {
      tokens -= 1;
      this.#tokens[slot] = tokens;
      return { allowed: true, remaining: Math.floor(tokens) };
    }
    this.#tokens[slot] = tokens;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000)) };
  }
}
