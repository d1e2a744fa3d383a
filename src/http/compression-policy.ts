/**
 * Which responses are compressed, and what compression does to their headers. Pure, no I/O:
 * shared by PHP responses (compression.ts, through PhpResponseWriter) and static files
 * (static-compression.ts).
 *
 * Compressed (when the client accepts br or gzip, see accept-encoding.ts):
 *   - types that shrink: text/* (HTML, CSS, plain, CSV, server-sent events, ...), JSON
 *     (`application/json`, any `+json`, ndjson), JavaScript, XML (any `+xml`), SVG, WebAssembly,
 *     uncompressed fonts (ttf, otf, eot), icons and BMP (`COMPRESSIBLE` below);
 *   - bodies of at least COMPRESSION_MIN_SIZE bytes (a streamed body of unknown length counts as
 *     large enough: it is compressed chunk by chunk).
 * Never:
 *   - a response that already has a Content-Encoding (other than identity);
 *   - partial content (206, or any Content-Range), 204, 304 and 1xx (no body to compress);
 *   - `Cache-Control: no-transform` (RFC 9110 §7.7);
 *   - images, audio, video, archives, woff/woff2 and anything else already compressed.
 *
 * Every response that is compressible (type, status, size) carries `Vary: Accept-Encoding`,
 * also when this client got identity, as nginx's `gzip_vary on` does: a shared cache must not
 * hand the identity copy to everyone, nor the compressed one to a client that cannot read it.
 */
import type { HeaderPairs } from '../codec/messages.js';
import { negotiateEncoding, type Encoding } from './accept-encoding.js';

export interface CompressionSettings {
  /** Smallest body compressed (COMPRESSION_MIN_SIZE). */
  readonly minSize: number;
  /** zlib level for dynamic responses (COMPRESSION_GZIP_LEVEL). */
  readonly gzipLevel: number;
  /** Brotli quality for dynamic responses (COMPRESSION_BROTLI_QUALITY). */
  readonly brotliQuality: number;
}

/** Exact media types (lower case, no parameters) compressed besides text/*, +json and +xml. */
const COMPRESSIBLE = new Set([
  'application/json',
  'application/x-ndjson',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/wasm',
  'application/vnd.ms-fontobject',
  'application/x-font-ttf',
  'font/ttf',
  'font/otf',
  'font/eot',
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'image/bmp',
]);

/** The media type of a Content-Type value, lower case, without parameters. */
function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether a Content-Type names a type that compresses well (the list in this file's comment). */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = mediaType(contentType);
  return type.startsWith('text/') || COMPRESSIBLE.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

/** RFC 9110 §15.3.5 / §15.4.5 / §15.3.7: nothing to compress in these. */
function statusMayBeCompressed(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 206 && status !== 304;
}

/**
 * Whether a response may be compressed, judging by its status and headers alone (the size is
 * checked separately, when it is known). One pass over the headers.
 */
export function mayCompress(status: number, headers: HeaderPairs): boolean {
  if (!statusMayBeCompressed(status)) return false;
  let type: string | undefined;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'content-type') type = value;
    else if (name === 'content-encoding') {
      if (value.trim().toLowerCase() !== 'identity' && value.trim() !== '') return false;
    } else if (name === 'content-range') return false;
    else if (name === 'cache-control') {
      if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(value)) return false;
    }
  }
  return isCompressibleType(type);
}

/** The headers with `Accept-Encoding` merged into Vary (unless it is there already, or `*`). */
export function withVary(headers: HeaderPairs): HeaderPairs {
  let last = -1;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (name.toLowerCase() !== 'vary') continue;
    for (const field of value.split(',')) {
      const f = field.trim().toLowerCase();
      if (f === 'accept-encoding' || f === '*') return headers;
    }
    last = i;
  }
  if (last === -1) return [...headers, ['Vary', 'Accept-Encoding']];
  const out = headers.slice();
  const [name, value] = out[last]!;
  out[last] = [name, value.trim() === '' ? 'Accept-Encoding' : `${value}, Accept-Encoding`];
  return out;
}

/**
 * The headers of the compressed representation: Content-Encoding set, Vary merged,
 * Content-Length and Accept-Ranges dropped (uWS writes the compressed length, or the body goes chunked), and a
 * strong ETag made weak (RFC 9110 §8.8.1: the bytes differ from the identity representation's,
 * yet If-None-Match's weak comparison still matches it, as with nginx's gzip).
 */
export function encodedHeaders(headers: HeaderPairs, encoding: Encoding): HeaderPairs {
  const out: HeaderPairs = [];
  for (const pair of withVary(headers)) {
    const name = pair[0].toLowerCase();
    // Accept-Ranges too, as nginx's gzip clears it: byte ranges of a stream we compress on
    // the fly cannot be served (a Range request gets the app's identity 206).
    if (name === 'content-length' || name === 'content-encoding' || name === 'accept-ranges') continue;
    if (name === 'etag' && pair[1].startsWith('"')) out.push([pair[0], `W/${pair[1]}`]);
    else out.push(pair);
  }
  out.push(['Content-Encoding', encoding]);
  return out;
}

/** What a client asked for (negotiated once per request) and the server's settings. */
export interface RequestCompression {
  /** From Accept-Encoding; null = identity (the response may still need Vary). */
  readonly encoding: Encoding | null;
  readonly settings: CompressionSettings;
}

/** How a response goes out: its headers, and the coding of its body (null = identity). */
export interface CompressionPlan {
  headers: HeaderPairs;
  encoding: Encoding | null;
}

function declaredLength(headers: HeaderPairs): number | null {
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'content-length') return /^\d+$/.test(value) ? Number(value) : null;
  }
  return null;
}

function planFor(rc: RequestCompression, headers: HeaderPairs, size: number | null): CompressionPlan | null {
  if (size !== null && size < rc.settings.minSize) return null;
  if (rc.encoding === null) return { headers: withVary(headers), encoding: null };
  return { headers: encodedHeaders(headers, rc.encoding), encoding: rc.encoding };
}

/**
 * A response whose whole body is at hand. A HEAD's body is not (PHP sends none): it is planned
 * as its GET would be when the app declared the GET's length, and left as it is otherwise
 * (RFC 9110 §9.3.2 lets a server omit what only generating the content determines; nginx never
 * compresses a HEAD). Null: send it unchanged.
 */
export function planBuffered(rc: RequestCompression, status: number, headers: HeaderPairs, bodyLength: number, isHead: boolean): CompressionPlan | null {
  if (!mayCompress(status, headers)) return null;
  const size = isHead ? (declaredLength(headers) ?? (bodyLength > 0 ? bodyLength : null)) : bodyLength;
  if (size === null) return null;
  return planFor(rc, headers, size);
}

/** A response whose body streams: compressed unless it declared a length under the minimum. */
export function planStreamed(rc: RequestCompression, status: number, headers: HeaderPairs): CompressionPlan | null {
  if (!mayCompress(status, headers)) return null;
  return planFor(rc, headers, declaredLength(headers));
}

/** The request's side of compression: its Accept-Encoding negotiated; null when compression is off. */
export function requestCompression(headers: HeaderPairs, settings: CompressionSettings | null): RequestCompression | null {
  if (settings === null) return null;
  let accept: string | undefined;
  for (const [name, value] of headers) {
    if (name === 'accept-encoding') {
      accept = value;
      break;
    }
  }
  const encoding = negotiateEncoding(accept);
  // The three possible answers, made once per settings object: no allocation per request.
  if (shared?.settings !== settings) {
    shared = { settings, br: { encoding: 'br', settings }, gzip: { encoding: 'gzip', settings }, none: { encoding: null, settings } };
  }
  return encoding === null ? shared.none : shared[encoding];
}

let shared: { settings: CompressionSettings; br: RequestCompression; gzip: RequestCompression; none: RequestCompression } | undefined;
