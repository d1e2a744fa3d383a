/**
 * The private directory request bodies and uploaded files are spooled to (UPLOAD_TMP_DIR), and
 * the names of the files in it. Node owns every file it creates there: they are removed once the
 * request is over, whether PHP answered, crashed, or the client left (src/http/body-spool.ts).
 *
 * The directory is created mode 0700 and must belong to this user and not be a symlink: a
 * directory someone else made in a shared /tmp would let them read or swap the uploads.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../errors.js';

export class UploadDir {
  readonly path: string;
  /** Files handed out and not yet removed: what a shutdown still removes (removeAll). */
  readonly #live = new Set<string>();

  constructor(path: string) {
    this.path = path;
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StartupError('CONFIG_INVALID', `UPLOAD_TMP_DIR "${path}" cannot be created: ${(err as Error).message}`, { cause: err });
    }
    const st = lstatSync(path);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
      throw new StartupError('CONFIG_INVALID', `UPLOAD_TMP_DIR "${path}" must be a directory owned by this user (uid ${uid}), not a symlink or someone else's directory`);
    }
    if ((st.mode & 0o077) !== 0) chmodSync(path, 0o700);
  }

  /** A fresh file name in the directory (the file is then created with O_EXCL, mode 0600). */
  newPath(kind: 'body' | 'file'): string {
    const path = join(this.path, `${kind}-${randomBytes(12).toString('hex')}`);
    this.#live.add(path);
    return path;
  }

  /** Removes files of a finished request; a file the app moved away is already gone. */
  async remove(paths: readonly string[]): Promise<void> {
    await Promise.all(
      paths.map((p) =>
        unlink(p)
          .catch(() => undefined)
          .finally(() => this.#live.delete(p)),
      ),
    );
  }

  /** At shutdown: removes the files of requests that were still under way when the server stopped. */
  removeAll(): void {
    for (const path of this.#live) {
      try {
        unlinkSync(path);
      } catch {
        // moved away by the app, or already removed
      }
    }
    this.#live.clear();
  }
}
