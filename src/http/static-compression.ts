/**
 * Compressed static files: which representation of a file under public/ a request gets.
 *
 * - A precompressed sibling (`app.js.br`, `app.js.gz`, as nginx's `gzip_static` and
 *   `brotli_static` serve them) whenever it is in the index and the client accepts its coding:
 *   served with the original's Content-Type, the sibling's own ETag/Last-Modified (nginx's
 *   gzip_static does the same), whatever the type and size. The build decides; we only serve.
 * - Otherwise, a file of a compressible type (compression-policy.ts) from COMPRESSION_MIN_SIZE
 *   up to STATIC_COMPRESS_MAX is compressed once, on its first request for a coding, at a
 *   higher level than dynamic responses (it is paid once), and kept beside its index entry
 *   within STATIC_COMPRESSED_BUDGET. Index entries are replaced whenever the watcher re-walks
 *   public/, and the copies hang off them (a WeakMap), so a changed file is never served from an
 *   old copy. Later requests are answered from memory, like small identity files.
 *   Larger files go out as identity (precompress them at build time for brotli 11 anyway).
 * - Range requests always get the identity file: byte ranges of a compressed copy that this
 *   server made up are of no use to a client resuming a download.
 *
 * Vary: Accept-Encoding goes on every answer for a file that has a sibling or is compressible
 * and large enough, the identity ones included (identityVary).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import type { HeaderPairs } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import { accepts, negotiateEncoding, type Encoding } from './accept-encoding.js';
import { isCompressibleType, type CompressionSettings } from './compression-policy.js';
import type { StaticEntry, StaticIndex } from './static-cache.js';

/** Largest file compressed on the fly (bytes read whole, then compressed in the threadpool). */
export const STATIC_COMPRESS_MAX = 4 * 1024 * 1024;
/** Most bytes of compressed copies kept at once. */
export const STATIC_COMPRESSED_BUDGET = 32 * 1024 * 1024;
/**
 * Levels for files compressed once: gzip's best, and brotli 6 (quality 11 takes about 1 s per
 * MB here, too long for the request that triggers it; ship a `.br` for that).
 */
const STATIC_GZIP_LEVEL = 9;
const STATIC_BROTLI_QUALITY = 6;

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/** What to serve instead of the file itself: another entry (a sibling, or a copy in memory) and the headers it adds. */
export interface StaticVariant {
  entry: StaticEntry;
  headers: HeaderPairs;
}

interface Copies {
  br?: StaticVariant | Promise<StaticVariant | null> | null;
  gzip?: StaticVariant | Promise<StaticVariant | null> | null;
  /** Sibling entries, rebuilt with the original's Content-Type (kept so their bytes cache too). */
  siblings?: Partial<Record<Encoding, StaticVariant>>;
}

export class StaticCompression {
  readonly #index: StaticIndex;
  readonly #settings: CompressionSettings;
  readonly #log: Logger;
  readonly #copies = new WeakMap<StaticEntry, Copies>();
  #generation = -1;
  #bytes = 0;

  constructor(index: StaticIndex, settings: CompressionSettings, log: Logger) {
    this.#index = index;
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * The smallest size at which an identity answer for this file carries Vary (0: always, it has
   * a sibling), or null when its answers never vary.
   */
  identityVary(key: string, entry: StaticEntry): number | null {
    if (this.#index.lookup(key + SUFFIX.br) !== undefined || this.#index.lookup(key + SUFFIX.gzip) !== undefined) return 0;
    return isCompressibleType(entry.contentType) ? this.#settings.minSize : null;
  }

  /**
   * The compressed representation for this request, a promise of it while the copy is being
   * made, or null for the identity file.
   */
  choose(key: string, entry: StaticEntry, headers: HeaderPairs): StaticVariant | Promise<StaticVariant | null> | null {
    let accept: string | undefined;
    for (const [name, value] of headers) {
      if (name === 'range') return null;
      if (name === 'accept-encoding') accept = value;
    }
    let encoding = negotiateEncoding(accept);
    if (encoding === null) return null;
    let copies = this.#copies.get(entry);
    let sibling = this.#index.lookup(key + SUFFIX[encoding]);
    if (sibling === undefined && encoding === 'br') {
      // A shipped .gz beats a brotli copy made here (gzip_static's choice too). The header is
      // parsed again only when such a file exists.
      const gz = this.#index.lookup(key + SUFFIX.gzip);
      if (gz !== undefined && accepts(accept, 'gzip')) {
        sibling = gz;
        encoding = 'gzip';
      }
    }
    if (sibling !== undefined) {
      if (copies === undefined) this.#copies.set(entry, (copies = {}));
      const siblings = (copies.siblings ??= {});
      return (siblings[encoding] ??= {
        entry: { file: sibling.file, contentType: entry.contentType },
        headers: [['Vary', 'Accept-Encoding'], ['Content-Encoding', encoding]],
      });
    }
    if (!isCompressibleType(entry.contentType)) return null;
    if (copies === undefined) this.#copies.set(entry, (copies = {}));
    const known = copies[encoding];
    if (known !== undefined) return known;
    const making = this.#compress(entry, encoding).then(
      (variant) => (copies[encoding] = variant),
      (err: unknown) => {
        this.#log.warn({ file: entry.file, err: (err as Error).message }, 'static files: cannot compress');
        return (copies[encoding] = null);
      },
    );
    copies[encoding] = making;
    return making;
  }

  /** Reads the whole file and compresses it; null when it is too small, too large or over budget. */
  async #compress(entry: StaticEntry, encoding: Encoding): Promise<StaticVariant | null> {
    const fh = await open(entry.file, OPEN_FLAGS);
    let body: Buffer;
    let mtimeMs: number;
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size < this.#settings.minSize || st.size > STATIC_COMPRESS_MAX) return null;
      if (!this.#reserve(0, st.size)) return null;
      body = Buffer.allocUnsafe(st.size);
      const { bytesRead } = await fh.read(body, 0, st.size, 0);
      if (bytesRead !== st.size) return null; // changed while read: the watcher re-walks it
      mtimeMs = st.mtimeMs;
    } finally {
      await fh.close().catch(() => undefined);
    }
    const generation = this.#index.generation;
    const out = await new Promise<Buffer>((resolve, reject) => {
      const done = (err: Error | null, result: Buffer): void => (err ? reject(err) : resolve(result));
      if (encoding === 'br') {
        zlib.brotliCompress(
          body,
          {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: STATIC_BROTLI_QUALITY,
              [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          },
          done,
        );
      } else {
        zlib.gzip(body, { level: STATIC_GZIP_LEVEL }, done);
      }
    });
    if (!this.#reserve(generation, out.length)) return null;
    return {
      // Same file, so the same real-path checks apply; the copy's bytes and validators are its own.
      entry: { file: entry.file, contentType: entry.contentType, cached: { body: out, size: out.length, mtimeMs } },
      headers: [['Vary', 'Accept-Encoding'], ['Content-Encoding', encoding]],
    };
  }

  /** Counts `size` bytes against the budget (0 as generation: only check). False: over it. */
  #reserve(generation: number, size: number): boolean {
    const current = this.#index.generation;
    if (current !== this.#generation) {
      // A new walk replaced every entry: the copies counted before are garbage now.
      this.#generation = current;
      this.#bytes = 0;
    }
    if (this.#bytes + size > STATIC_COMPRESSED_BUDGET) return false;
    if (generation === current) this.#bytes += size;
    return true;
  }
}
