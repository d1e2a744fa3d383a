/**
 * Parses a multipart/form-data request body as it arrives (busboy), writing each uploaded file
 * straight into its own file in UPLOAD_TMP_DIR and keeping the other fields, so PHP gets
 * `$_POST`/`$_FILES`-style data and never the body itself (as php-fpm: `php://input` is empty
 * for multipart/form-data).
 *
 * PHP's rules kept here: only the base name of a client file name is kept (busboy's default;
 * `../../etc/x` and `C:\dir\x` become `x`); a part with an empty file name is "no file chosen"
 * (UPLOAD_ERR_NO_FILE), its content dropped. Memory stays bounded: busboy's own buffer, at most
 * FIELDS_MAX bytes of non-file fields, and the write streams' buffers; `onPressure(true)` asks
 * the caller to stop reading the client until `onPressure(false)`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import busboy from 'busboy';
import type { Busboy } from 'busboy';
import { BridgeError } from '../errors.js';
import type { FormData, FormFile } from '../codec/messages.js';
import type { UploadDir } from './upload-dir.js';

/** Most bytes of non-file fields (names and values) one form may carry: they travel in the request head's JSON. */
export const FIELDS_MAX = 2 * 1024 * 1024;
/** Most parts one form may have: each becomes an entry in the request head. */
const PARTS_MAX = 10_000;
/** PHP's UPLOAD_ERR_NO_FILE. */
const UPLOAD_ERR_NO_FILE = 4;
/** Write buffer per file before busboy is held back. */
const FILE_HWM = 1024 * 1024;

export class MultipartSpool {
  readonly #bb: Busboy;
  readonly #dir: UploadDir;
  readonly #onPressure: (paused: boolean) => void;
  readonly #fields: Array<[string, string]> = [];
  readonly #files: Array<[string, FormFile]> = [];
  /** Every file created, for removal; handed to the caller with the result. */
  readonly paths: string[] = [];
  readonly #writes: Array<Promise<void>> = [];
  #fieldBytes = 0;
  #error: BridgeError | null = null;
  readonly #parsed: Promise<void>;
  readonly #streams = new Set<WriteStream>();

  /** Throws when the Content-Type is not multipart/form-data with a boundary (the body is then raw). */
  constructor(headers: { 'content-type': string }, dir: UploadDir, onPressure: (paused: boolean) => void) {
    this.#bb = busboy({
      headers,
      // Browsers send file names as raw UTF-8, not latin1 (busboy's default).
      defParamCharset: 'utf8',
      limits: { fieldSize: FIELDS_MAX, parts: PARTS_MAX },
    });
    this.#dir = dir;
    this.#onPressure = onPressure;
    this.#bb.on('field', (name, value, info) => {
      this.#fieldBytes += name.length + value.length;
      if (info.valueTruncated || info.nameTruncated || this.#fieldBytes > FIELDS_MAX) {
        this.#fail(new BridgeError('BODY_TOO_LARGE', `multipart fields exceed ${FIELDS_MAX} bytes`));
        return;
      }
      this.#fields.push([name, value]);
    });
    this.#bb.on('file', (name, stream, info) => this.#onFile(name, stream, info));
    this.#bb.on('partsLimit', () => this.#fail(new BridgeError('BODY_TOO_LARGE', `multipart body has more than ${PARTS_MAX} parts`)));
    this.#bb.on('drain', () => this.#onPressure(false));
    this.#parsed = new Promise((resolve) => {
      this.#bb.on('close', resolve);
      this.#bb.on('error', (err: Error) => {
        this.#fail(new BridgeError('BAD_REQUEST', `malformed multipart body: ${err.message}`, { cause: err }));
        resolve();
      });
    });
  }

  /** One chunk of the body (copied: uWS reuses its buffer). */
  write(chunk: Buffer): void {
    if (this.#error !== null) return;
    if (!this.#bb.write(chunk)) this.#onPressure(true);
  }

  /** The whole body arrived: resolves once every file is on disk. */
  async end(): Promise<FormData> {
    if (this.#error === null) this.#bb.end();
    await this.#parsed;
    await Promise.all(this.#writes);
    if (this.#error !== null) throw this.#error;
    return { fields: this.#fields, files: this.#files };
  }

  /** Stops everything (the client left, or the request failed); the caller removes `paths`. */
  abort(): void {
    this.#fail(new BridgeError('BAD_REQUEST', 'upload aborted'));
  }

  #onFile(field: string, stream: NodeJS.ReadableStream & { truncated?: boolean }, info: busboy.FileInfo): void {
    // A part cut short (the body failed, or was aborted) errors here too; #fail already says why.
    stream.on('error', () => undefined);
    if (this.#error !== null) {
      stream.resume();
      return;
    }
    const name = info.filename ?? '';
    if (name === '') {
      // "No file chosen" (filename=""): PHP records UPLOAD_ERR_NO_FILE and drops any content.
      stream.resume();
      this.#files.push([field, { name: '', type: '', tmp_name: '', error: UPLOAD_ERR_NO_FILE, size: 0 }]);
      return;
    }
    const path = this.#dir.newPath('file');
    this.paths.push(path);
    const entry: FormFile = { name, type: info.mimeType, tmp_name: path, error: 0, size: 0 };
    this.#files.push([field, entry]);
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: FILE_HWM });
    this.#streams.add(out);
    stream.on('data', (data: Buffer) => {
      entry.size += data.byteLength;
    });
    this.#writes.push(
      new Promise<void>((resolve) => {
        out.on('close', () => {
          this.#streams.delete(out);
          resolve();
        });
        out.on('error', (err) => {
          stream.resume();
          this.#fail(new BridgeError('INTERNAL', `cannot write the upload to ${path}: ${err.message}`, { cause: err }));
        });
      }),
    );
    // pipe() holds busboy back while the disk is slower than the client.
    stream.pipe(out);
  }

  #fail(error: BridgeError): void {
    if (this.#error !== null) return;
    this.#error = error;
    this.#bb.removeAllListeners('drain');
    for (const out of this.#streams) out.destroy();
    this.#bb.destroy();
    this.#onPressure(false);
  }
}
