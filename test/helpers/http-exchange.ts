/**
 * One HTTP/1.1 exchange over a raw TCP socket, byte for byte: the request goes out exactly as
 * given (path not normalised, repeated headers kept, chunked bodies as written), and the response
 * is read until the server closes the connection (`Connection: close` is sent) or its framing says
 * it is complete. Nothing is followed, decompressed or merged, so the differential suite sees
 * what a client would really get: the raw header lines, the bytes on the wire after the head
 * (none for HEAD, 204 and 304), and the decoded body.
 */
import { connect } from 'node:net';

export type HeaderList = Array<[string, string]>;

export interface ExchangeRequest {
  method: string;
  /** The request target exactly as sent: `/api/echo?a[]=1`. */
  target: string;
  /** In order; `Host: app.test` is added first unless a Host is given (use `host: null` to send none). */
  headers?: HeaderList;
  /** Sent with a Content-Length. */
  body?: string | Buffer;
  /** Sent with `Transfer-Encoding: chunked`, one chunk per element. */
  chunks?: Array<string | Buffer>;
  /** The Host header; default `app.test`; null sends none. */
  host?: string | null;
  /** Default `HTTP/1.1`. */
  version?: string;
}

export interface Exchange {
  status: number;
  reason: string;
  /** Response header lines in order, names as sent. */
  headers: HeaderList;
  /** The body after de-chunking (or exactly Content-Length bytes). */
  body: Buffer;
  /** Every byte the server sent after the head, undecoded. */
  wire: Buffer;
  framing: 'length' | 'chunked' | 'close' | 'none';
  /** The framing was broken: fewer bytes than Content-Length, a bad chunk, or extra bytes. */
  framingError: string | null;
}

/** All values of a header (case-insensitive), in order. */
export function headerValues(ex: { headers: HeaderList }, name: string): string[] {
  const lower = name.toLowerCase();
  return ex.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function header(ex: { headers: HeaderList }, name: string): string | undefined {
  return headerValues(ex, name)[0];
}

/** Serialises the request exactly as the differential suite sends it. */
export function requestBytes(req: ExchangeRequest): Buffer {
  const lines = [`${req.method} ${req.target} ${req.version ?? 'HTTP/1.1'}`];
  const given = req.headers ?? [];
  const host = req.host === undefined ? 'app.test' : req.host;
  if (host !== null && !given.some(([n]) => n.toLowerCase() === 'host')) lines.push(`Host: ${host}`);
  for (const [name, value] of given) lines.push(`${name}: ${value}`);
  lines.push('Connection: close');
  let body: Buffer = Buffer.alloc(0);
  if (req.chunks !== undefined) {
    lines.push('Transfer-Encoding: chunked');
    body = Buffer.concat([
      ...req.chunks.flatMap((c) => {
        const data = Buffer.from(c);
        return data.length === 0 ? [] : [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')];
      }),
      Buffer.from('0\r\n\r\n'),
    ]);
  } else if (req.body !== undefined) {
    body = Buffer.from(req.body);
    if (!given.some(([n]) => n.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** Sends one request and reads the whole response. */
export function exchange(port: number, req: ExchangeRequest, timeoutMs = 30_000): Promise<Exchange> {
  const noBodyExpected = req.method === 'HEAD';
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let settled = false;
    let noBodyTimer: NodeJS.Timeout | undefined;
    const finish = (why: 'closed' | 'complete' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(noBodyTimer);
      socket.destroy();
      const raw = Buffer.concat(parts);
      const parsed = parse(raw, noBodyExpected);
      if (parsed === null) {
        reject(new Error(`no complete response head from port ${port} for ${req.method} ${req.target} (${why}); got ${JSON.stringify(raw.toString('latin1').slice(0, 300))}`));
        return;
      }
      if (why === 'timeout' && parsed.framing === 'close') {
        reject(new Error(`response to ${req.method} ${req.target} did not end within ${timeoutMs} ms`));
        return;
      }
      resolve(parsed);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (data) => {
      parts.push(data);
      // Done as soon as the framing says so, even if the server keeps the connection open. A
      // response without a body (HEAD, 204, 304) gets a moment more, to catch stray body bytes.
      const parsed = parse(Buffer.concat(parts), noBodyExpected);
      if (parsed === null || parsed.framing === 'close' || parsed.framingError !== null) return;
      if (parsed.framing !== 'none') finish('complete');
      else noBodyTimer ??= setTimeout(() => finish('complete'), 500);
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => socket.write(requestBytes(req)));
  });
}

/** Parses a full response; null while the head is incomplete. */
export function parse(raw: Buffer, noBodyExpected: boolean): Exchange | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head[0] ?? '');
  if (statusLine === null) return null;
  const status = Number(statusLine[1]);
  const headers: HeaderList = head.slice(1).map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const wire = raw.subarray(end + 4);
  const base = { status, reason: statusLine[2] ?? '', headers, wire };
  const te = header({ headers }, 'transfer-encoding');
  const cl = header({ headers }, 'content-length');
  if (noBodyExpected || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { ...base, body: Buffer.alloc(0), framing: 'none', framingError: wire.length > 0 ? `${wire.length} bytes after a head that has no body` : null };
  }
  if (te !== undefined && /chunked/i.test(te)) {
    const decoded = dechunk(wire);
    return { ...base, body: decoded.body, framing: 'chunked', framingError: decoded.error };
  }
  if (cl !== undefined) {
    const length = Number(cl);
    const body = wire.subarray(0, length);
    const error = wire.length < length ? `${wire.length} of ${length} bytes` : wire.length > length ? `${wire.length - length} bytes after the body` : null;
    return { ...base, body, framing: 'length', framingError: error };
  }
  return { ...base, body: wire, framing: 'close', framingError: null };
}

function dechunk(wire: Buffer): { body: Buffer; error: string | null } {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = wire.indexOf('\r\n', pos);
    if (lineEnd === -1) return { body: Buffer.concat(out), error: 'truncated chunk size' };
    const size = parseInt(wire.subarray(pos, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(out), error: 'bad chunk size' };
    pos = lineEnd + 2;
    if (size === 0) {
      // Trailers (none expected), then the final CRLF.
      const trailerEnd = wire.indexOf('\r\n', pos);
      if (trailerEnd === -1) return { body: Buffer.concat(out), error: 'truncated last chunk' };
      const rest = wire.length - (trailerEnd + 2);
      return { body: Buffer.concat(out), error: rest > 0 ? `${rest} bytes after the last chunk` : null };
    }
    if (pos + size + 2 > wire.length) return { body: Buffer.concat(out), error: 'truncated chunk' };
    out.push(wire.subarray(pos, pos + size));
    pos += size + 2;
  }
}

/** A multipart/form-data body: fields and files, in order. */
export interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  type?: string;
}

export function multipart(parts: Part[], boundary = `----differential${Math.random().toString(16).slice(2)}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type !== undefined) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Cookies from Set-Cookie headers, for the next request of one client (a minimal jar). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(ex: { headers: HeaderList }): this {
    for (const line of headerValues(ex, 'set-cookie')) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=(0|-\d+)/i.test(line) || value === 'deleted' || value === '';
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }

  /** The Cookie request header, or [] when empty. */
  header(): HeaderList {
    if (this.#cookies.size === 0) return [];
    return [['Cookie', [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ')]];
  }
}

export interface SentAll {
  /** Everything the server sent, latin1. */
  response: string;
  /** The first final (non-1xx) status, or null when none arrived. */
  status: number | null;
  /** A write failed (EPIPE/ECONNRESET): the server closed while the client was still sending. */
  writeError: string | null;
}

/**
 * Writes every chunk as a client uploading a body does (write errors do not stop the reading),
 * then reads until the server closes the connection. For answers the server gives before it
 * has read the whole body (413): whether the client gets to see them depends on the server
 * draining the rest before it closes (nginx's lingering close).
 */
export function sendAll(port: number, chunks: Array<string | Buffer>, timeoutMs = 10_000): Promise<SentAll> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let writeError: string | null = null;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...response.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
      resolve({ response, status: statuses.find((s) => s >= 200) ?? null, writeError });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (data) => {
      response += data.toString('latin1');
      // A whole final response read: done, whether or not the server then keeps the
      // connection open (we keep it usable after a 413; nginx closes it).
      if (hasCompleteFinalResponse(response)) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (writeError ??= err.code ?? err.message));
    socket.on('close', finish);
    socket.on('connect', () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk, () => undefined);
      }
    });
  });
}

/** True when `raw` holds a final (non-1xx) response whose Content-Length body has fully arrived. */
function hasCompleteFinalResponse(raw: string): boolean {
  let offset = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', offset);
    if (end === -1) return false;
    const head = raw.slice(offset, end);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (status === null) return false;
    if (Number(status[1]) < 200) {
      offset = end + 4;
      continue;
    }
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) return false;
    return raw.length - (end + 4) >= Number(length[1]);
  }
}
