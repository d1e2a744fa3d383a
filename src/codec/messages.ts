/**
 * The JSON heads carried by REQUEST_HEAD / RESPONSE_HEAD / HELLO / ERROR / PONG frames, and the
 * encoder that turns one whole request into the bytes of a single socket write.
 */
import { FrameError } from '../errors.js';
import { FrameFlags, FrameType, HEADER_SIZE, writeHeader } from './frame.js';

/** Header pairs keep order and repeats (Set-Cookie, repeated request headers). */
export type HeaderPairs = Array<[string, string]>;

export interface RequestHead {
  method: string;
  /** Request target as received: path, then `?` and the raw query when there is one. */
  uri: string;
  /** Lower-case names, arrival order. */
  headers: HeaderPairs;
  remote_addr: string;
  remote_port: number;
  server_addr: string;
  server_port: number;
  https: boolean;
  protocol: string;
  /** Arrival time in seconds since the epoch. */
  time: number;
  /** Bytes of body the client sent (php-fpm's CONTENT_LENGTH), however it travels. */
  body_size?: number;
  /** The body is in this file, not in REQUEST_BODY frames (larger than BODY_MEMORY_MAX). */
  body_file?: string;
  /** A multipart/form-data body parsed by Node: its fields and the files it wrote (no body frames follow). */
  form?: FormData;
}

/** One uploaded file, in the shape of a $_FILES entry. */
export interface FormFile {
  name: string;
  type: string;
  tmp_name: string;
  /** PHP's UPLOAD_ERR_* (0 = OK, 4 = no file chosen). */
  error: number;
  size: number;
}

/** Field and file pairs in body order, names as sent (`a[b][]`): PHP nests them as it would. */
export interface FormData {
  fields: Array<[string, string]>;
  files: Array<[string, FormFile]>;
}

export interface ResponseHead {
  status: number;
  headers: HeaderPairs;
  /** The body follows as it is produced (StreamedResponse, downloads, SSE): forward it as it comes. */
  stream?: boolean;
}

export interface Hello {
  protocol: number;
  pid: number;
  app: string;
}

export interface WorkerErrorPayload {
  code: string;
  message: string;
}

export interface Pong {
  memory: number;
  requests: number;
}

/** Request bodies are cut into frames of this size, so a PHP read never needs more than this at once. */
export const BODY_CHUNK_SIZE = 1024 * 1024;

/**
 * Encodes REQUEST_HEAD and the body's REQUEST_BODY frames into one buffer: one write per
 * request, one copy of the body.
 */
export function encodeRequest(id: number, head: RequestHead, body: Uint8Array | null): Buffer {
  const headJson = Buffer.from(JSON.stringify(head), 'utf8');
  const bodyLength = body?.byteLength ?? 0;
  const chunks = bodyLength === 0 ? 0 : Math.ceil(bodyLength / BODY_CHUNK_SIZE);
  const out = Buffer.allocUnsafe(HEADER_SIZE + headJson.length + chunks * HEADER_SIZE + bodyLength);

  writeHeader(out, 0, FrameType.REQUEST_HEAD, chunks === 0 ? FrameFlags.END : FrameFlags.NONE, id, headJson.length);
  headJson.copy(out, HEADER_SIZE);
  let offset = HEADER_SIZE + headJson.length;
  for (let i = 0; i < chunks; i++) {
    const start = i * BODY_CHUNK_SIZE;
    const end = Math.min(start + BODY_CHUNK_SIZE, bodyLength);
    const last = i === chunks - 1;
    writeHeader(out, offset, FrameType.REQUEST_BODY, last ? FrameFlags.END : FrameFlags.NONE, id, end - start);
    out.set(body!.subarray(start, end), offset + HEADER_SIZE);
    offset += HEADER_SIZE + (end - start);
  }
  return out;
}

function parseJson(payload: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    throw new FrameError('FRAME_BAD_PAYLOAD', `${what} payload is not valid JSON`, payload);
  }
}

function isHeaderPairs(value: unknown): value is HeaderPairs {
  if (!Array.isArray(value)) return false;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return false;
  }
  return true;
}

export function decodeResponseHead(payload: Uint8Array): ResponseHead {
  const value = parseJson(payload, 'RESPONSE_HEAD') as Partial<ResponseHead> | null;
  if (
    value === null ||
    typeof value !== 'object' ||
    !Number.isInteger(value.status) ||
    value.status! < 100 ||
    value.status! > 999 ||
    !isHeaderPairs(value.headers)
  ) {
    throw new FrameError('FRAME_BAD_PAYLOAD', 'RESPONSE_HEAD must be {"status": 100..999, "headers": [[name, value], …]}', payload);
  }
  return value.stream === true ? { status: value.status!, headers: value.headers, stream: true } : { status: value.status!, headers: value.headers };
}

export function decodeHello(payload: Uint8Array): Hello {
  const value = parseJson(payload, 'HELLO') as Partial<Hello> | null;
  if (value === null || typeof value !== 'object' || typeof value.protocol !== 'number' || typeof value.pid !== 'number') {
    throw new FrameError('FRAME_BAD_PAYLOAD', 'HELLO must be {"protocol": n, "pid": n, "app": s}', payload);
  }
  return { protocol: value.protocol, pid: value.pid, app: String(value.app ?? 'unknown') };
}

export function decodeWorkerError(payload: Uint8Array): WorkerErrorPayload {
  const value = parseJson(payload, 'ERROR') as Partial<WorkerErrorPayload> | null;
  if (value === null || typeof value !== 'object') {
    throw new FrameError('FRAME_BAD_PAYLOAD', 'ERROR must be {"code": s, "message": s}', payload);
  }
  return { code: String(value.code ?? 'UNKNOWN'), message: String(value.message ?? '') };
}

export function decodePong(payload: Uint8Array): Pong {
  const value = parseJson(payload, 'PONG') as Partial<Pong> | null;
  if (value === null || typeof value !== 'object') {
    throw new FrameError('FRAME_BAD_PAYLOAD', 'PONG must be {"memory": n, "requests": n}', payload);
  }
  return { memory: Number(value.memory ?? 0), requests: Number(value.requests ?? 0) };
}
