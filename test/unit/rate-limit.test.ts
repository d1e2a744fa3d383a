import { describe, expect, it } from 'vitest';
import { BucketTable } from '../../src/http/rate-limit.js';

const takeN = (table: BucketTable, key: string, n: number, now: number) => Array.from({ length: n }, () => table.take(key, now));

describe('BucketTable: a token bucket per address', () => {
  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const table = new BucketTable(2, 4, 1024);
    const burst = takeN(table, '192.0.2.1', 4, 1000);
    expect(burst.map((d) => d.allowed)).toEqual([true, true, true, true]);
    expect(burst.map((d) => d.remaining)).toEqual([3, 2, 1, 0]);
    expect(table.take('192.0.2.1', 1000)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
  });

  it('refills at the rate, never past the burst', () => {
    const table = new BucketTable(2, 4, 1024);
    takeN(table, 'a', 4, 0);
    expect(table.take('a', 499).allowed).toBe(false); // 0.998 tokens
    expect(table.take('a', 500)).toEqual({ allowed: true, remaining: 0 }); // one token after 0.5 s
    expect(table.take('a', 500).allowed).toBe(false);
    // An hour idle fills the bucket to the burst, not to 7,200.
    const afterIdle = takeN(table, 'a', 5, 3_600_000);
    expect(afterIdle.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
  });

  it('a slow rate says how long to wait in whole seconds', () => {
    const table = new BucketTable(0.1, 1, 1024); // one request every 10 s
    expect(table.take('a', 0).allowed).toBe(true);
    expect(table.take('a', 2_500)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 8 });
  });

  it('keeps addresses apart', () => {
    const table = new BucketTable(1, 1, 1024);
    expect(table.take('198.51.100.1', 0).allowed).toBe(true);
    expect(table.take('198.51.100.1', 0).allowed).toBe(false);
    expect(table.take('198.51.100.2', 0).allowed).toBe(true);
    expect(table.take('2001:db8::1', 0).allowed).toBe(true);
    expect(table.size).toBe(3);
  });

  it('capacity is a power of two and the memory is fixed at construction', () => {
    expect(new BucketTable(1, 1, 1000).capacity).toBe(1024);
    const table = new BucketTable(10, 20, 1_048_576);
    expect(table.capacity).toBe(1_048_576);
    expect(table.bytes).toBe(20 * 1_048_576); // 20 MiB for a million addresses
  });

  it('at capacity, more distinct addresses never grow it; a recently seen address keeps its state', () => {
    // One request every 1,000 s: over the 200 s below no bucket refills, so every slot holds a live bucket.
    const table = new BucketTable(0.001, 3, 1024);
    takeN(table, 'hot', 3, 0);
    expect(table.take('hot', 0).allowed).toBe(false);
    let newcomersRefused = 0;
    let hotAllowed = 0;
    for (let i = 0; i < 200_000; i++) {
      if (!table.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i).allowed) newcomersRefused++;
      // The hot client comes back often: it is never the least recently seen of its set.
      if (i % 64 === 0 && table.take('hot', i).allowed) hotAllowed++;
    }
    expect(newcomersRefused).toBe(0);
    expect(hotAllowed).toBe(0);
    expect(table.size).toBeLessThanOrEqual(table.capacity);
    expect(table.size).toBeGreaterThan(table.capacity * 0.9);
    expect(table.bytes).toBe(20 * 1024);
  });

  it('at capacity, an address evicted for being least recently seen starts again with a full bucket', () => {
    const table = new BucketTable(1, 2, 8); // one set of 8 slots
    takeN(table, 'old', 2, 0);
    expect(table.take('old', 0).allowed).toBe(false);
    for (let i = 0; i < 8; i++) table.take(`new-${i}`, 1); // 8 newer addresses push 'old' out
    expect(table.size).toBe(8);
    expect(table.take('old', 1)).toEqual({ allowed: true, remaining: 1 });
  });

  it('at capacity, a bucket that has refilled is given up before a live one', () => {
    const table = new BucketTable(1, 2, 8);
    takeN(table, 'idle', 1, 0); // refilled by t = 1 s
    for (let i = 0; i < 7; i++) takeN(table, `busy-${i}`, 2, 5_000); // 7 empty buckets, seen later
    table.take('newcomer', 5_000); // takes the slot of 'idle', though 'idle' was seen before the others
    for (let i = 0; i < 7; i++) expect(table.take(`busy-${i}`, 5_000).allowed).toBe(false);
  });

  it('refuses a rate or burst that cannot work', () => {
    expect(() => new BucketTable(0, 1, 8)).toThrow(RangeError);
    expect(() => new BucketTable(1, 0, 8)).toThrow(RangeError);
  });
});
