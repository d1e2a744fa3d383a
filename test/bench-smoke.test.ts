/**
 * `npm run bench` end to end, as short as it goes: our real server on the Laravel JSON route,
 * one quick measurement, then the result file with every field filled. Never asserts a speed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missingFields, type BenchResult } from '../bench/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN = join(ROOT, 'dist', 'bench', 'run.js');
const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench --quick', () => {
  it('measures ours on laravel-json and writes a result with every field filled', { timeout: 180_000 }, async () => {
    expect(existsSync(RUN), `${RUN} is missing: run npm run build`).toBe(true);
    const { code, stdout, stderr } = await runBench(['--quick', '--scenarios', 'laravel-json', '--peers', 'ours', '--duration', '2', '--warmup', '1', '--out', out]);
    const context = `exit ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    expect(code, context).toBe(0);
    // progress lines, one per phase
    expect(stdout).toMatch(/checking laravel-json on ours/);
    expect(stdout).toMatch(/measuring laravel-json on ours/);

    const files = readdirSync(out);
    const stamped = files.filter((f) => /^\d{4}-\d\d-\d\dT.*\.json$/.test(f));
    expect(stamped, context).toHaveLength(1);
    expect(files).toEqual(expect.arrayContaining(['latest.json', 'latest.svg', stamped[0]!.replace(/\.json$/, '.svg')]));

    const result = JSON.parse(readFileSync(join(out, stamped[0]!), 'utf8')) as BenchResult;
    expect(missingFields(result), context).toEqual([]);
    expect(result.runs).toHaveLength(1);
    const [run] = result.runs;
    expect(run, context).toMatchObject({ scenario: 'laravel-json', peer: 'ours', status: 'ok', reason: '' });
    // Filled, not fast: positive numbers, no speed threshold.
    expect(run!.metrics!.ok2xx).toBeGreaterThan(0);
    expect(run!.metrics!.requestsPerSec).toBeGreaterThan(0);
    expect(run!.metrics!.cpuSecondsPer1kRequests).toBeGreaterThan(0);
    expect(run!.metrics!.peakRssBytes).toBeGreaterThan(0);
    expect(run!.metrics!.non2xx + run!.metrics!.errors).toBe(0);
    expect(result.ceiling.status).toBe('ok');
    expect(result.ceilingComparison.map((c) => c.peer)).toEqual(['ours']);
    expect(readFileSync(join(out, 'latest.json'), 'utf8')).toBe(readFileSync(join(out, stamped[0]!), 'utf8'));
    expect(readFileSync(join(out, 'latest.svg'), 'utf8')).toContain('data-peer="ours"');
  });
});
