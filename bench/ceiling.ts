/**
 * Runs bench/php/ceiling.php: the same app booted once, /api/ping handled in a loop inside one
 * PHP process. Its CPU time per request is the floor the whole stack is compared with.
 */
import { execFile } from 'node:child_process';
import { CEILING_SCRIPT, BENCH_APP } from './paths.js';

export interface CeilingResult {
  uri: string;
  iterations: number;
  cpuSeconds: number;
  wallSeconds: number;
  cpuMsPerRequest: number;
  requestsPerCpuSecond: number;
  php: string;
  laravel: string;
  opcache: boolean;
  peakMemoryBytes: number;
  /** With --rounds: every round's CPU per request (this result is the median round's). */
  roundsCpuMsPerRequest?: number[];
}

/** The JSON line the script prints last; throws when the app did not answer 200 {"pong":true}. */
export function parseCeilingOutput(stdout: string): CeilingResult {
  const line = stdout.trimEnd().split('\n').pop() ?? '';
  let data: CeilingResult & { status: number; body: string };
  try {
    data = JSON.parse(line) as CeilingResult & { status: number; body: string };
  } catch {
    throw new Error(`ceiling.php printed no result: ${stdout.slice(-300)}`);
  }
  if (data.status !== 200) throw new Error(`ceiling.php: ${data.uri} answered ${data.status}: ${data.body}`);
  const { status: _status, body: _body, ...result } = data;
  return result;
}

export function runCeiling(iterations: number, appPath = BENCH_APP): Promise<CeilingResult> {
  const php = process.env['PHP_PATH'] ?? 'php';
  return new Promise((resolve, reject) => {
    // The same PHP settings as our workers (opcache + tracing JIT), so the ceiling is a fair floor.
    const ini = ['-d', 'opcache.enable_cli=1', '-d', 'opcache.jit_buffer_size=64M', '-d', 'opcache.jit=tracing'];
    execFile(php, [...ini, CEILING_SCRIPT, appPath, String(iterations), '/api/ping'], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ceiling.php failed: ${err.message}\n${String(stderr).slice(-500)}`));
      try {
        resolve(parseCeilingOutput(String(stdout)));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
