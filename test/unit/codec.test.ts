import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../src/errors.js';
import { decodeAll, encodeFrame, FrameFlags, FrameType, HEADER_SIZE, MAX_PAYLOAD, readHeader, type Frame } from '../../src/codec/frame.js';
import { FrameReader } from '../../src/codec/reader.js';
import { BODY_CHUNK_SIZE, decodeResponseHead, encodeRequest, type RequestHead } from '../../src/codec/messages.js';

interface Vectors {
  max_payload: number;
  valid: Array<{ name: string; type: number; flags: number; id: number; payload_hex: string; frame_hex: string }>;
  invalid: Array<{ name: string; bytes_hex: string; error: string }>;
}
const vectors = JSON.parse(readFileSync(new URL('../../src/codec/test-vectors.json', import.meta.url), 'utf8')) as Vectors;

function errorCode(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    return (err as FrameError).code;
  }
}

const head: RequestHead = {
  method: 'POST',
  uri: '/api/users?x=1',
  headers: [['host', 'localhost'], ['x-a', '1'], ['x-a', '2']],
  remote_addr: '127.0.0.1',
  remote_port: 1234,
  server_addr: '127.0.0.1',
  server_port: 8080,
  https: false,
  protocol: 'HTTP/1.1',
  time: 1,
};

describe('shared frame vectors (the PHP codec checks the same file)', () => {
  it.each(vectors.valid)('encodes and decodes "$name" byte for byte', (v) => {
    const payload = Buffer.from(v.payload_hex, 'hex');
    expect(encodeFrame(v.type as FrameType, v.flags, v.id, payload).toString('hex')).toBe(v.frame_hex);
    const [frame, ...rest] = decodeAll(Buffer.from(v.frame_hex, 'hex'));
    expect(rest).toHaveLength(0);
    expect(frame).toMatchObject({ type: v.type, flags: v.flags, id: v.id, length: payload.length });
    expect(Buffer.from(frame!.payload).toString('hex')).toBe(v.payload_hex);
  });

  it.each(vectors.invalid)('rejects "$name" with $error', (v) => {
    expect(errorCode(() => decodeAll(Buffer.from(v.bytes_hex, 'hex')))).toBe(v.error);
  });

  it('agrees with FRAME.md on the payload ceiling', () => {
    expect(vectors.max_payload).toBe(MAX_PAYLOAD);
  });
});

describe('frame codec edge cases', () => {
  it('round-trips an empty payload', () => {
    const [frame] = decodeAll(encodeFrame(FrameType.RESPONSE_BODY, FrameFlags.END, 5));
    expect(frame).toMatchObject({ type: FrameType.RESPONSE_BODY, flags: FrameFlags.END, id: 5, length: 0 });
  });

  it('accepts a payload of exactly the maximum and refuses one byte more', () => {
    const max = Buffer.alloc(MAX_PAYLOAD, 0x61);
    const encoded = encodeFrame(FrameType.RESPONSE_BODY, FrameFlags.END, 1, max);
    expect(readHeader(encoded, 0).length).toBe(MAX_PAYLOAD);
    expect(errorCode(() => encodeFrame(FrameType.RESPONSE_BODY, 0, 1, Buffer.alloc(MAX_PAYLOAD + 1)))).toBe('FRAME_PAYLOAD_TOO_LARGE');
  });

  it('enforces a reader-chosen limit below the format maximum', () => {
    const encoded = encodeFrame(FrameType.RESPONSE_BODY, 0, 1, Buffer.alloc(100));
    expect(errorCode(() => readHeader(encoded, 0, 99))).toBe('FRAME_PAYLOAD_TOO_LARGE');
  });

  it('reports truncation at every cut point of a frame', () => {
    const encoded = encodeFrame(FrameType.RESPONSE_HEAD, 0, 3, Buffer.from('{"status":200,"headers":[]}'));
    for (let cut = 1; cut < encoded.length; cut++) {
      expect(errorCode(() => decodeAll(encoded.subarray(0, cut)))).toBe('FRAME_TRUNCATED');
    }
  });

  it('carries the offending bytes in the error', () => {
    try {
      decodeAll(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect.unreachable();
    } catch (err) {
      expect((err as FrameError).rawHex.startsWith(Buffer.from('GET ').toString('hex'))).toBe(true);
    }
  });

  it('splits a body into 1 MiB REQUEST_BODY frames with END on the last', () => {
    const body = Buffer.alloc(BODY_CHUNK_SIZE * 2 + 10, 7);
    const frames = decodeAll(encodeRequest(9, head, body));
    expect(frames.map((f) => [f.type, f.flags, f.length])).toEqual([
      [FrameType.REQUEST_HEAD, 0, frames[0]!.length],
      [FrameType.REQUEST_BODY, 0, BODY_CHUNK_SIZE],
      [FrameType.REQUEST_BODY, 0, BODY_CHUNK_SIZE],
      [FrameType.REQUEST_BODY, FrameFlags.END, 10],
    ]);
    expect(frames.every((f) => f.id === 9)).toBe(true);
    expect(JSON.parse(frames[0]!.payload.toString())).toEqual(head);
  });

  it('marks a bodyless request head with END', () => {
    const frames = decodeAll(encodeRequest(1, head, null));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags).toBe(FrameFlags.END);
  });

  it('validates response heads', () => {
    expect(decodeResponseHead(Buffer.from('{"status":201,"headers":[["A","1"],["A","2"]]}'))).toEqual({ status: 201, headers: [['A', '1'], ['A', '2']] });
    for (const bad of ['nope', '{"status":"200","headers":[]}', '{"status":42,"headers":[]}', '{"status":200,"headers":{"a":"b"}}', '{"status":200,"headers":[["a",1]]}']) {
      expect(errorCode(() => decodeResponseHead(Buffer.from(bad)))).toBe('FRAME_BAD_PAYLOAD');
    }
  });
});

const arbFrame = fc.record({
  type: fc.integer({ min: FrameType.HELLO, max: FrameType.CANCEL }),
  flags: fc.constantFrom(0, FrameFlags.END, FrameFlags.END | FrameFlags.WORKER_STOPPING),
  id: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

describe('property: frames survive any split of the byte stream', () => {
  it('FrameReader yields exactly the encoded frames, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(arbFrame, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f.type as FrameType, f.flags, f.id, f.payload)));
        const reader = new FrameReader();
        const seen: Frame[] = [];
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const size = cuts[i++ % cuts.length]!;
          reader.push(stream.subarray(offset, offset + size), (frame) => seen.push({ ...frame, payload: Buffer.from(frame.payload) }));
          offset += size;
        }
        expect(reader.idle).toBe(true);
        expect(seen.map((f) => ({ type: f.type, flags: f.flags, id: f.id, payload: new Uint8Array(f.payload) }))).toEqual(
          frames.map((f) => ({ type: f.type, flags: f.flags, id: f.id, payload: f.payload })),
        );
      }),
    );
  });

  it('random bytes either decode or fail with a typed FrameError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
        const reader = new FrameReader();
        try {
          reader.push(Buffer.from(bytes), () => undefined);
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a single flipped header bit is always caught', () => {
    fc.assert(
      fc.property(arbFrame, fc.integer({ min: 0, max: HEADER_SIZE * 8 - 1 }), (f, bit) => {
        const encoded = encodeFrame(f.type as FrameType, f.flags, f.id, f.payload);
        encoded[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => decodeAll(encoded)).toThrow(FrameError);
      }),
    );
  });
});
