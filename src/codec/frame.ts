/**
 * Pure byte functions for the frame format in `FRAME.md`: no I/O, no state.
 *
 *  0      1       2      3      4            8            12           16
 *  +------+-------+------+------+------------+------------+------------+---------------+
 *  | 0xB7 | 0x01  | type | flags| request id | length     | CRC-32 of  | payload …     |
 *  |      |       |      |      | u32 BE     | u32 BE     | bytes 0..11|               |
 *  +------+-------+------+------+------------+------------+------------+---------------+
 */
import { crc32 } from 'node:zlib';
import { FrameError } from '../errors.js';

export const FRAME_MAGIC = 0xb7;
export const FRAME_VERSION = 0x01;
export const HEADER_SIZE = 16;
/** Hard ceiling of the format; a reader may enforce a lower one. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

export const FrameType = {
  HELLO: 0x01,
  REQUEST_HEAD: 0x02,
  REQUEST_BODY: 0x03,
  RESPONSE_HEAD: 0x04,
  RESPONSE_BODY: 0x05,
  ERROR: 0x06,
  PING: 0x07,
  PONG: 0x08,
  CANCEL: 0x09,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FrameFlags = {
  NONE: 0x00,
  END: 0x01,
  WORKER_STOPPING: 0x02,
} as const;
const KNOWN_FLAGS = FrameFlags.END | FrameFlags.WORKER_STOPPING;

export interface FrameHeader {
  type: FrameType;
  flags: number;
  id: number;
  length: number;
}

export interface Frame extends FrameHeader {
  payload: Buffer;
}

/** Writes a 16-byte header into `target` at `offset`. */
export function writeHeader(target: Buffer, offset: number, type: FrameType, flags: number, id: number, length: number): void {
  if (length > MAX_PAYLOAD) {
    throw new FrameError('FRAME_PAYLOAD_TOO_LARGE', `payload of ${length} bytes exceeds the ${MAX_PAYLOAD}-byte frame limit`);
  }
  target[offset] = FRAME_MAGIC;
  target[offset + 1] = FRAME_VERSION;
  target[offset + 2] = type;
  target[offset + 3] = flags;
  target.writeUInt32BE(id >>> 0, offset + 4);
  target.writeUInt32BE(length, offset + 8);
  target.writeUInt32BE(crc32(target.subarray(offset, offset + 12)), offset + 12);
}

/** Encodes one frame into a new buffer (header and payload contiguous: one write). */
export function encodeFrame(type: FrameType, flags: number, id: number, payload: Uint8Array = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.byteLength);
  writeHeader(out, 0, type, flags, id, payload.byteLength);
  out.set(payload, HEADER_SIZE);
  return out;
}

const EMPTY = new Uint8Array(0);
const TYPE_MIN = FrameType.HELLO;
const TYPE_MAX = FrameType.CANCEL;

/**
 * Validates and reads the header at `offset`. The caller must have at least HEADER_SIZE bytes.
 * Throws FrameError on anything that breaks the format, so garbage fails on its first bytes.
 */
export function readHeader(source: Buffer, offset: number, maxPayload: number = MAX_PAYLOAD): FrameHeader {
  const raw = source.subarray(offset, offset + HEADER_SIZE);
  if (raw[0] !== FRAME_MAGIC) throw new FrameError('FRAME_BAD_MAGIC', 'frame does not start with the magic byte 0xb7', raw);
  if (raw[1] !== FRAME_VERSION) throw new FrameError('FRAME_BAD_VERSION', `unsupported frame version ${raw[1]}`, raw);
  const expected = raw.readUInt32BE(12);
  if (crc32(raw.subarray(0, 12)) !== expected) throw new FrameError('FRAME_BAD_CHECKSUM', 'frame header checksum mismatch', raw);
  const type = raw[2]!;
  if (type < TYPE_MIN || type > TYPE_MAX) throw new FrameError('FRAME_UNKNOWN_TYPE', `unknown frame type 0x${type.toString(16)}`, raw);
  const flags = raw[3]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new FrameError('FRAME_BAD_FLAGS', `unknown frame flags 0x${flags.toString(16)}`, raw);
  const length = raw.readUInt32BE(8);
  const limit = Math.min(maxPayload, MAX_PAYLOAD);
  if (length > limit) {
    throw new FrameError('FRAME_PAYLOAD_TOO_LARGE', `frame payload of ${length} bytes exceeds the ${limit}-byte limit`, raw);
  }
  return { type: type as FrameType, flags, id: raw.readUInt32BE(4), length };
}

/**
 * Decodes every frame of a complete buffer (used by tests and vectors). A buffer that ends
 * inside a frame is FRAME_TRUNCATED.
 */
export function decodeAll(source: Buffer, maxPayload: number = MAX_PAYLOAD): Frame[] {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < source.length) {
    if (source.length - offset < HEADER_SIZE) {
      throw new FrameError('FRAME_TRUNCATED', `buffer ends inside a frame header (${source.length - offset} of ${HEADER_SIZE} bytes)`, source.subarray(offset));
    }
    const header = readHeader(source, offset, maxPayload);
    const start = offset + HEADER_SIZE;
    const end = start + header.length;
    if (end > source.length) {
      throw new FrameError('FRAME_TRUNCATED', `buffer ends inside a frame payload (${source.length - start} of ${header.length} bytes)`, source.subarray(offset, start));
    }
    frames.push({ ...header, payload: source.subarray(start, end) });
    offset = end;
  }
  return frames;
}

export function frameTypeName(type: number): string {
  for (const [name, value] of Object.entries(FrameType)) if (value === type) return name;
  return `0x${type.toString(16)}`;
}
