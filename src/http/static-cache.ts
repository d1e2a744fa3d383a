/**
 * The in-memory index of the files under the app's public/ that the front door serves itself.
 *
 * The static check runs before every request, including the Laravel routes that are the hot
 * path, so a request that is not a static file must cost no syscall: the tree is walked once at
 * start into a Map keyed by URL path, and a miss is one Map lookup. Changes are picked up by
 * watching every directory of the tree and re-walking it (asynchronously, debounced).
 *
 * Only what may be served gets into the index: regular files (or symlinks whose real path is a
 * regular file inside public/), never a directory, a hidden path segment (except `.well-known`)
 * or a PHP script. So the Map is also the allow-list: a URL with `..`, `%2f`, a NUL byte or a
 * backslash cannot equal any key.
 *
 * A tree larger than `maxEntries` is not indexed: each GET/HEAD whose first path segment exists
 * in public/ then costs one stat (`stat` mode), and only public/ itself is watched.
 *
 * Why one watcher per directory rather than `fs.watch(dir, { recursive: true })`: Node 20 on
 * Linux implements `recursive` in JavaScript with one inotify watch per file *and* directory
 * (measured: 1003 handles for 1000 files), while a directory's watch already reports every
 * create, delete, rename and write of its entries.
 */
import { readdirSync, realpathSync, statSync, watch, type Dirent, type FSWatcher, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, relative, sep } from 'node:path';
import { lookup } from 'mime-types';
import type { Logger } from '../logger.js';

export interface StaticEntry {
  /** The real path of the file when the tree was walked. */
  readonly file: string;
  readonly contentType: string;
  /**
   * A small file's bytes and stat, kept after its first read (static-files.ts). The entry is
   * replaced whenever a watcher reports a change and the tree is walked again, so a cached body
   * is never older than that walk (the debounce, 100 ms by default).
   */
  cached?: { body: Buffer; size: number; mtimeMs: number };
}

export interface StaticIndexOptions {
  publicDir: string;
  log: Logger;
  /** More entries than this (files, directories, anything) and the tree is not indexed. */
  maxEntries?: number;
  /** Quiet time after the last change before the tree is walked again. */
  debounceMs?: number;
  /**
   * Directories outside public/ that a symlink in it may point into: Laravel's public disk
   * (`storage/app/public`, linked as `public/storage` by `php artisan storage:link`).
   */
  linkRoots?: string[];
}

export const DEFAULT_MAX_ENTRIES = 20_000;
const DEFAULT_DEBOUNCE_MS = 100;
/** A tree that never stops changing (a file rewritten all the time) is still walked this often. */
const MAX_DELAY_MS = 1000;

/** Files handed to PHP, never served as text (php-fpm's usual extensions and the Phar archive). */
const SCRIPT = /\.(?:php\d?|phtml|phar)$/i;

/** nginx's usual `location ~ /\.(?!well-known)`: any segment starting with "." (so also `.` and `..`). */
export function isHiddenSegment(segment: string): boolean {
  return segment.charCodeAt(0) === 46 /* . */ && segment !== '.well-known';
}

/**
 * Whether a decoded URL path may name a static file: starts with "/", has no empty, hidden, `.`
 * or `..` segment, no NUL byte or backslash, and does not name a PHP script.
 */
export function isServablePath(path: string): boolean {
  if (path.length < 2 || path.charCodeAt(0) !== 47 /* / */) return false;
  if (path.includes('\0') || path.includes('\\') || SCRIPT.test(path)) return false;
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    if (end === start || isHiddenSegment(path.slice(start, end))) return false;
    start = end + 1;
  }
  return true;
}

/** Content-Type by extension; text types carry `; charset=utf-8`; unknown ones are bytes (nginx's default_type). */
/**
 * The types nginx's `charset utf-8;` (as in Laravel's recommended server block) applies to: its
 * default `charset_types`. Everything else goes out without a charset, as nginx sends it.
 */
const CHARSET_TYPES = new Set(['text/html', 'text/xml', 'text/plain', 'text/vnd.wap.wml', 'application/javascript', 'text/javascript', 'application/rss+xml']);

export function contentTypeFor(name: string): string {
  const ext = extname(name);
  const type = ext === '' ? false : lookup(ext);
  if (type === false) return 'application/octet-stream';
  return CHARSET_TYPES.has(type) ? `${type}; charset=utf-8` : type;
}

/**
 * The walk as a generator of filesystem requests, so the same code runs synchronously at start
 * (the index exists before the first request) and asynchronously on rebuilds (the event loop
 * keeps serving). Each yielded request is answered with its result, or null when it failed.
 */
type FsRequest = { op: 'readdir'; path: string } | { op: 'realpath'; path: string } | { op: 'stat'; path: string };
type FsAnswer = Dirent[] | string | Stats | null;

interface WalkResult {
  /** False when the tree has more than maxEntries entries: then only topLevel is filled. */
  complete: boolean;
  files: Map<string, StaticEntry>;
  /** Real paths of every directory walked: the ones to watch. */
  dirs: string[];
  /** Names directly under public/ (for stat mode). */
  topLevel: Set<string>;
}

function* walkTree(root: string, maxEntries: number, linkRoots: readonly string[] = []): Generator<FsRequest, WalkResult, FsAnswer> {
  const files = new Map<string, StaticEntry>();
  const dirs = new Set<string>();
  const topLevel = new Set<string>();
  /** `chain`: the real directories from public/ down to this one, to refuse a link back up (a loop). */
  const stack: Array<{ real: string; key: string; chain: string[] }> = [{ real: root, key: '', chain: [root] }];
  let entries = 0;
  while (stack.length > 0) {
    const { real, key, chain } = stack.pop()!;
    dirs.add(real);
    const list = (yield { op: 'readdir', path: real }) as Dirent[] | null;
    if (list === null) continue; // vanished or unreadable meanwhile
    if (key === '') for (const dirent of list) if (!isHiddenSegment(dirent.name)) topLevel.add(dirent.name);
    for (const dirent of list) {
      if (++entries > maxEntries) return { complete: false, files: new Map(), dirs: [root], topLevel };
      const name = dirent.name;
      if (isHiddenSegment(name)) continue;
      const childKey = `${key}/${name}`;
      const childPath = `${real}${sep}${name}`;
      if (dirent.isDirectory()) {
        stack.push({ real: childPath, key: childKey, chain: [...chain, childPath] });
      } else if (dirent.isFile()) {
        if (!SCRIPT.test(name)) files.set(childKey, { file: childPath, contentType: contentTypeFor(name) });
      } else if (dirent.isSymbolicLink()) {
        // Followed only when the target's real path is inside public/ (or an allowed link root,
        // such as storage/app/public) and servable itself.
        const target = (yield { op: 'realpath', path: childPath }) as string | null;
        if (target === null || chain.includes(target)) continue; // dangling, or a loop (public/ itself included)
        if (!isInside(root, target) && !linkRoots.some((linkRoot) => target === linkRoot || isInside(linkRoot, target))) continue;
        const st = (yield { op: 'stat', path: target }) as Stats | null;
        if (st === null) continue;
        if (st.isDirectory()) {
          stack.push({ real: target, key: childKey, chain: [...chain, target] });
        } else if (st.isFile() && !SCRIPT.test(name)) {
          files.set(childKey, { file: target, contentType: contentTypeFor(name) });
        }
      }
    }
  }
  return { complete: true, files, dirs: [...dirs], topLevel };
}

/** Whether a real path lies strictly inside public/ and would be servable as a URL path there (no hidden segment, no script). */
export function isInside(root: string, real: string): boolean {
  if (!real.startsWith(root + sep)) return false;
  const rel = relative(root, real);
  return isServablePath(`/${sep === '/' ? rel : rel.split(sep).join('/')}`);
}

function runSync<T>(walk: Generator<FsRequest, T, FsAnswer>): T {
  let step = walk.next();
  while (!step.done) {
    const request = step.value;
    let answer: FsAnswer;
    try {
      answer =
        request.op === 'readdir'
          ? readdirSync(request.path, { withFileTypes: true })
          : request.op === 'realpath'
            ? realpathSync.native(request.path)
            : statSync(request.path);
    } catch {
      answer = null;
    }
    step = walk.next(answer);
  }
  return step.value;
}

async function runAsync<T>(walk: Generator<FsRequest, T, FsAnswer>): Promise<T> {
  let step = walk.next();
  while (!step.done) {
    const request = step.value;
    let answer: FsAnswer;
    try {
      answer =
        request.op === 'readdir'
          ? await readdir(request.path, { withFileTypes: true })
          : request.op === 'realpath'
            ? await realpath(request.path)
            : await stat(request.path);
    } catch {
      answer = null;
    }
    step = walk.next(answer);
  }
  return step.value;
}

type Mode = 'index' | 'stat' | 'off';

export class StaticIndex {
  readonly #publicDir: string;
  readonly #log: Logger;
  readonly #maxEntries: number;
  readonly #debounceMs: number;
  /** Real path of public/, or '' when it does not exist. */
  readonly #root: string;
  #mode: Mode = 'off';
  #files = new Map<string, StaticEntry>();
  /** stat mode: names directly under public/, so other requests cost no syscall. */
  #topLevel = new Set<string>();
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | null = null;
  #firstChange = 0;
  #linkRoots: string[] = [];
  #generation = 0;
  #rebuilding = false;
  #again = false;
  #closed = false;

  constructor(options: StaticIndexOptions) {
    this.#publicDir = options.publicDir;
    this.#log = options.log;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#linkRoots = (options.linkRoots ?? []).flatMap((dir) => {
      try {
        return [realpathSync.native(dir)];
      } catch {
        return []; // not there (yet): links into it are not followed
      }
    });
    let root = '';
    try {
      root = realpathSync.native(this.#publicDir);
    } catch {
      this.#log.warn({ publicDir: this.#publicDir }, 'static files: public/ does not exist; every request goes to PHP');
    }
    this.#root = root;
    if (root === '') return;
    this.#apply(runSync(walkTree(root, this.#maxEntries, this.#linkRoots)));
    this.#log.info({ publicDir: this.#publicDir, mode: this.#mode, files: this.#files.size }, 'static files: public/ indexed');
  }

  get mode(): Mode {
    return this.#mode;
  }

  /** Incremented by every walk that replaces the index (its entries are new objects then). */
  get generation(): number {
    return this.#generation;
  }

  /** Files indexed (0 in stat mode). */
  get size(): number {
    return this.#files.size;
  }

  /** The real path of public/ ('' when it does not exist). */
  get root(): string {
    return this.#root;
  }

  /**
   * The file a decoded URL path names, or undefined when the request is not for a static file.
   * Index mode: one Map lookup. Stat mode: no syscall unless the first segment exists in public/.
   */
  lookup(path: string): StaticEntry | undefined {
    if (this.#mode === 'index') return this.#files.get(path);
    if (this.#mode === 'stat') return this.#statLookup(path);
    return undefined;
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #statLookup(path: string): StaticEntry | undefined {
    const slash = path.indexOf('/', 1);
    if (!this.#topLevel.has(slash === -1 ? path.slice(1) : path.slice(1, slash))) return undefined;
    if (!isServablePath(path)) return undefined;
    const file = this.#root + (sep === '/' ? path : path.split('/').join(sep));
    try {
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
      const real = realpathSync.native(file);
      if (!isInside(this.#root, real) && !this.#linkRoots.some((linkRoot) => isInside(linkRoot, real))) return undefined;
      return { file: real, contentType: contentTypeFor(path) };
    } catch {
      return undefined;
    }
  }

  /**
   * Installs a walk's result (incomplete: too many entries, switch to stat mode) and re-arms the
   * watchers. Every directory gets a fresh watcher before the old ones close: for a directory that
   * is still the same, libuv reuses its inotify watch, and one deleted and created again under the
   * same path (a deploy) is watched anew rather than through its dead inode.
   */
  #apply(result: WalkResult): void {
    this.#generation++;
    const dirs = result.complete ? result.dirs : [this.#root];
    const previous = new Map(this.#watchers);
    this.#watchers.clear();
    let failed: unknown = null;
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#changed());
        watcher.on('error', () => {
          watcher.close();
          if (this.#watchers.get(dir) === watcher) this.#watchers.delete(dir);
          this.#changed();
        });
        this.#watchers.set(dir, watcher);
      } catch (err) {
        failed = err; // vanished since the walk (the next walk sees it), or out of inotify watches
      }
    }
    for (const watcher of previous.values()) watcher.close();
    if (failed !== null && result.complete && this.#watchers.size < dirs.length / 2) {
      // Most likely out of inotify watches: an index we cannot keep fresh would give stale
      // answers, so look each request up on disk instead.
      this.#log.warn({ err: (failed as Error).message }, 'static files: cannot watch public/; looking each request up on disk instead');
      this.#apply({ ...result, complete: false });
      return;
    }
    if (!result.complete) {
      if (this.#mode !== 'stat') this.#log.info({ maxEntries: this.#maxEntries }, 'static files: public/ is too large to index; looking each request up on disk');
      this.#mode = 'stat';
      this.#files = new Map();
      this.#topLevel = result.topLevel;
    } else {
      this.#mode = 'index';
      this.#files = result.files;
      this.#topLevel = new Set();
    }
    // Files written into a new directory before its watcher existed: one more walk finds them.
    if (result.complete && previous.size > 0 && dirs.some((dir) => !previous.has(dir))) this.#changed();
  }

  /** Debounced: the walk starts once changes pause for debounceMs, or at the latest MAX_DELAY_MS after the first. */
  #changed(): void {
    if (this.#closed) return;
    const now = Date.now();
    if (this.#timer === null) this.#firstChange = now;
    else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#debounceMs, this.#firstChange + MAX_DELAY_MS - now));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#rebuild();
    }, delay);
    this.#timer.unref();
  }

  async #rebuild(): Promise<void> {
    if (this.#rebuilding) {
      this.#again = true;
      return;
    }
    this.#rebuilding = true;
    try {
      do {
        this.#again = false;
        const result = await runAsync(walkTree(this.#root, this.#maxEntries, this.#linkRoots));
        if (this.#closed) return;
        this.#apply(result);
        this.#log.debug({ mode: this.#mode, files: this.#files.size }, 'static files: public/ re-indexed');
      } while (this.#again);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'static files: re-indexing public/ failed');
    } finally {
      this.#rebuilding = false;
    }
  }
}
