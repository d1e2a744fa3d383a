/**
 * The scenarios: what request each one sends (the same bytes on every peer), and how a peer's
 * answer is checked before it is measured.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioName } from './cli.js';
import { BENCH_PUBLIC } from './paths.js';

export interface ScenarioRequest {
  method: 'GET' | 'POST';
  /** Path and query, the same on every peer. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

export type CheckOutcome = { ok: true } | { ok: false; unsupported: boolean; reason: string };

export interface Scenario {
  name: ScenarioName;
  title: string;
  /**
   * `laravel`: the bench's Laravel app (BENCH_APP); `hello`: the plain PHP handler returning
   * "hello"; `laravel-cached`: the same app with each peer's response cache on (ours:
   * CACHE_MAX_MB; nginx: fastcgi_cache).
   */
  app: 'laravel' | 'hello' | 'laravel-cached';
  request(): ScenarioRequest;
  check(status: number, body: Buffer): CheckOutcome;
}

export const POST_1K_BYTES = 1024;
export const RESPONSE_64K_BYTES = 65_536;
export const UPLOAD_1M_BYTES = 1_048_576;
/** The path nginx maps to bench/php/hello.php; our server's plain handler answers any path. */
export const HELLO_PATH = '/hello';
/** The cached scenario's route: `Cache-Control: public, max-age=60` (test/apps/probes CacheController). */
export const CACHED_PATH = '/api/cache/page?tag=bench';

const sha1 = (data: Uint8Array): string => createHash('sha1').update(data).digest('hex');
const snippet = (body: Buffer): string => JSON.stringify(body.subarray(0, 120).toString('utf8'));
const fail = (reason: string, unsupported = false): CheckOutcome => ({ ok: false, unsupported, reason });
const ok: CheckOutcome = { ok: true };

function expectStatus(status: number, body: Buffer, wanted = 200): CheckOutcome | null {
  return status === wanted ? null : fail(`status ${status} (wanted ${wanted}), body ${snippet(body)}`);
}

function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON object of exactly `size` bytes. */
export function jsonBodyOfSize(size: number): Buffer {
  const base = { name: 'bench', items: [1, 2, 3, 4, 5, 6, 7, 8], nested: { a: 'alpha', b: true, c: null }, pad: '' };
  const empty = Buffer.byteLength(JSON.stringify(base));
  if (size < empty) throw new Error(`a JSON body cannot be smaller than ${empty} bytes`);
  base.pad = 'x'.repeat(size - empty);
  return Buffer.from(JSON.stringify(base));
}

/** `size` deterministic, non-repeating-looking bytes (a tiny LCG), not compressible text. */
export function binaryBodyOfSize(size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

let post1k: Buffer | undefined;
let upload1m: { body: Buffer; sha1: string } | undefined;
let robots: Buffer | undefined;

const post1kBody = (): Buffer => (post1k ??= jsonBodyOfSize(POST_1K_BYTES));
const upload1mBody = (): { body: Buffer; sha1: string } => {
  if (!upload1m) {
    const body = binaryBodyOfSize(UPLOAD_1M_BYTES);
    upload1m = { body, sha1: sha1(body) };
  }
  return upload1m;
};
const robotsTxt = (): Buffer => (robots ??= readFileSync(join(BENCH_PUBLIC, 'robots.txt')));

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  hello: {
    name: 'hello',
    title: 'plain PHP handler returning "hello" (bridge overhead alone)',
    app: 'hello',
    request: () => ({ method: 'GET', path: HELLO_PATH, headers: {}, body: null }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      return body.toString('utf8').trim() === 'hello' ? ok : fail(`body ${snippet(body)} (wanted "hello")`);
    },
  },
  'laravel-json': {
    name: 'laravel-json',
    title: 'GET /api/ping through Laravel, {"pong":true}',
    app: 'laravel',
    request: () => ({ method: 'GET', path: '/api/ping', headers: {}, body: null }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      const data = json(body);
      return isRecord(data) && data['pong'] === true && Object.keys(data).length === 1 ? ok : fail(`body ${snippet(body)} (wanted {"pong":true})`);
    },
  },
  'post-1k': {
    name: 'post-1k',
    title: 'POST 1 KB of JSON to /api/echo',
    app: 'laravel',
    request: () => ({
      method: 'POST',
      path: '/api/echo',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: post1kBody(),
    }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      const data = json(body);
      if (!isRecord(data) || !isRecord(data['body']) || !isRecord(data['input'])) return fail(`body ${snippet(body)} is not the echo JSON`);
      if (data['body']['length'] !== POST_1K_BYTES) return fail(`echo saw a body of ${String(data['body']['length'])} bytes (sent ${POST_1K_BYTES})`);
      if (data['input']['name'] !== 'bench') return fail('echo did not parse the JSON input');
      return ok;
    },
  },
  'response-64k': {
    name: 'response-64k',
    title: 'GET /api/big?bytes=65536, a 64 KB text response',
    app: 'laravel',
    request: () => ({ method: 'GET', path: `/api/big?bytes=${RESPONSE_64K_BYTES}`, headers: {}, body: null }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      if (body.length !== RESPONSE_64K_BYTES) return fail(`body of ${body.length} bytes (wanted ${RESPONSE_64K_BYTES})`);
      return body.subarray(0, 10).toString() === 'abcdefghij' ? ok : fail(`body starts ${snippet(body)}`);
    },
  },
  static: {
    name: 'static',
    title: 'GET /robots.txt, a static file from public/',
    app: 'laravel',
    request: () => ({ method: 'GET', path: '/robots.txt', headers: {}, body: null }),
    check(status, body) {
      if (status === 404) return fail('404: this peer does not serve public/ files', true);
      const bad = expectStatus(status, body);
      if (bad) return bad;
      return body.equals(robotsTxt()) ? ok : fail(`body ${snippet(body)} is not public/robots.txt`);
    },
  },
  'upload-1m': {
    name: 'upload-1m',
    title: 'POST 1 MB to /api/upload-size',
    app: 'laravel',
    request: () => ({ method: 'POST', path: '/api/upload-size', headers: { 'content-type': 'application/octet-stream' }, body: upload1mBody().body }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      const data = json(body);
      if (!isRecord(data)) return fail(`body ${snippet(body)} is not JSON`);
      if (data['length'] !== UPLOAD_1M_BYTES) return fail(`the app saw ${String(data['length'])} bytes (sent ${UPLOAD_1M_BYTES})`);
      return data['sha1'] === upload1mBody().sha1 ? ok : fail('the app saw different bytes (sha1 mismatch)');
    },
  },
  cached: {
    name: 'cached',
    title: `GET ${CACHED_PATH}, marked public, max-age=60, from each peer's response cache`,
    app: 'laravel-cached',
    request: () => ({ method: 'GET', path: CACHED_PATH, headers: {}, body: null }),
    check(status, body) {
      const bad = expectStatus(status, body);
      if (bad) return bad;
      const data = json(body);
      return isRecord(data) && data['tag'] === 'bench' ? ok : fail(`body ${snippet(body)} (wanted the cache probe's JSON for tag "bench")`);
    },
  },
};

/** Sends the scenario's request once and checks the answer. */
export async function checkScenario(baseUrl: string, scenario: Scenario, timeoutMs = 15_000): Promise<CheckOutcome> {
  const req = scenario.request();
  try {
    const res = await fetch(baseUrl + req.path, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return scenario.check(res.status, body);
  } catch (err) {
    return fail(`request failed: ${(err as Error).message}`);
  }
}
