/**
 * Incremental frame reader for a byte stream: feed it socket chunks, get whole frames back.
 * Keeps at most one partial frame; a payload that arrives in many chunks is assembled into one
 * buffer sized from the header, so large bodies are copied once.
 */
import { HEADER_SIZE, MAX_PAYLOAD, readHeader, type Frame, type FrameHeader } from './frame.js';

export class FrameReader {
  readonly #maxPayload: number;
  /** Bytes received that do not yet make a full header. */
  #pending: Buffer | null = null;
  /** Header of the frame whose payload is being assembled. */
  #header: FrameHeader | null = null;
  #payload: Buffer | null = null;
  #filled = 0;

  constructor(maxPayload: number = MAX_PAYLOAD) {
    this.#maxPayload = maxPayload;
  }

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.#pending === null && this.#header === null;
  }

  /**
   * Consumes `chunk` and calls `onFrame` for each completed frame, in order.
   * Throws FrameError on a malformed header; the stream is unusable after that.
   * Payload buffers handed to `onFrame` may be views of `chunk`: copy them to keep them past the call.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let data = chunk;
    let offset = 0;

    if (this.#header !== null) {
      offset = this.#fillPayload(data, 0, onFrame);
      if (offset === data.length) return;
    } else if (this.#pending !== null) {
      data = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }

    while (offset < data.length) {
      const available = data.length - offset;
      if (available < HEADER_SIZE) {
        this.#pending = Buffer.from(data.subarray(offset));
        return;
      }
      const header = readHeader(data, offset, this.#maxPayload);
      const start = offset + HEADER_SIZE;
      if (data.length - start >= header.length) {
        onFrame({ ...header, payload: data.subarray(start, start + header.length) });
        offset = start + header.length;
        continue;
      }
      this.#header = header;
      this.#payload = Buffer.allocUnsafe(header.length);
      this.#filled = 0;
      offset = this.#fillPayload(data, start, onFrame);
    }
  }

  #fillPayload(data: Buffer, offset: number, onFrame: (frame: Frame) => void): number {
    const header = this.#header!;
    const payload = this.#payload!;
    const take = Math.min(header.length - this.#filled, data.length - offset);
    data.copy(payload, this.#filled, offset, offset + take);
    this.#filled += take;
    if (this.#filled === header.length) {
      this.#header = null;
      this.#payload = null;
      this.#filled = 0;
      onFrame({ ...header, payload });
    }
    return offset + take;
  }
}
