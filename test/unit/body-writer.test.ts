/**
 * BodyWriter against a fake uWS response that keeps uWS's rules: tryEnd takes at most what the
 * socket has room for, onWritable fires when room returns, and any call on the response after it
 * completed throws (as uWS does; outside a handler that ends the process).
 */
import { describe, expect, it } from 'vitest';
import { BodyWriter } from '../../src/http/body-writer.js';
import type { ResponseState } from '../../src/http/respond.js';
import type { Uws } from '../../src/http/uws.js';

class FakeResponse {
  /** Bytes the socket takes before it pushes back. */
  room: number;
  readonly received: number[] = [];
  offset = 0;
  completed = false;
  #writable: ((offset: number) => boolean) | null = null;

  constructor(room: number) {
    this.room = room;
  }

  #check(): void {
    if (this.completed) throw new Error('uWS.HttpResponse must not be accessed after a successful response');
  }

  cork(fn: () => void): this {
    this.#check();
    fn();
    return this;
  }

  onWritable(handler: (offset: number) => boolean): this {
    this.#check();
    this.#writable = handler;
    return this;
  }

  getWriteOffset(): number {
    this.#check();
    return this.offset;
  }

  tryEnd(chunk: Uint8Array, total: number): [boolean, boolean] {
    this.#check();
    const taken = Math.min(chunk.byteLength, this.room);
    for (const byte of chunk.subarray(0, taken)) this.received.push(byte);
    this.room -= taken;
    this.offset += taken;
    if (this.offset === total) this.completed = true;
    return [taken === chunk.byteLength, this.completed];
  }

  /** The client read everything: room for `room` more bytes, and uWS says so. */
  drain(room: number): boolean {
    this.room = room;
    return this.#writable!(this.offset);
  }
}

function bytes(from: number, count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (from + i) & 0xff);
}

describe('BodyWriter with a known length (tryEnd)', () => {
  it('a last piece that only completes in onWritable ends the response there, touching it no more, and tells the producer', () => {
    const res = new FakeResponse(6);
    const state: ResponseState = { aborted: false, done: false };
    let drains = 0;
    const writer = new BodyWriter(res as unknown as Uws.HttpResponse, state, 10, () => drains++);

    expect(writer.write(bytes(0, 4))).toBe(true);
    // The last piece: the socket takes 2 of its 6 bytes, the rest waits for room.
    expect(writer.write(bytes(4, 6))).toBe(false);
    expect(writer.complete).toBe(false);

    expect(() => res.drain(100)).not.toThrow();
    expect(res.completed).toBe(true);
    expect(writer.complete).toBe(true);
    expect(state.done).toBe(true);
    expect(drains).toBe(1);
    expect(res.received).toEqual([...bytes(0, 10)]);
    // The producer, resumed, sees the response complete; further writes and end are no-ops.
    expect(writer.write(bytes(0, 1))).toBe(true);
    expect(() => writer.end()).not.toThrow();
  });

  it('sends pieces queued while blocked, in order, once room returns', () => {
    const res = new FakeResponse(3);
    const state: ResponseState = { aborted: false, done: false };
    let drains = 0;
    const writer = new BodyWriter(res as unknown as Uws.HttpResponse, state, 12, () => drains++);

    expect(writer.write(bytes(0, 5))).toBe(false);
    expect(writer.write(bytes(5, 4))).toBe(false); // queued
    expect(res.drain(4)).toBe(false); // the rest of the first piece and part of the second: still blocked
    expect(drains).toBe(0);
    expect(res.drain(100)).toBe(true);
    expect(drains).toBe(1);
    expect(writer.write(bytes(9, 3))).toBe(true);
    expect(writer.complete).toBe(true);
    expect(res.received).toEqual([...bytes(0, 12)]);
  });

  it('an end requested while blocked ends once the last byte is out, without touching a completed response', () => {
    const res = new FakeResponse(2);
    const state: ResponseState = { aborted: false, done: false };
    const writer = new BodyWriter(res as unknown as Uws.HttpResponse, state, 5, () => undefined);
    expect(writer.write(bytes(0, 5))).toBe(false);
    writer.end();
    expect(() => res.drain(100)).not.toThrow();
    expect(res.completed).toBe(true);
    expect(res.received).toEqual([...bytes(0, 5)]);
  });
});
