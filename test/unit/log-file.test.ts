/** src/log/log-file.ts: bounded (drops and counts past maxBuffer), asynchronous, reopened in place. */
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogFile } from '../../src/log/log-file.js';
import { waitFor } from '../helpers/control.js';

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('LogFile', () => {
  it('drops whole lines, and counts them, once more than maxBuffer bytes wait for the disk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logfile-')), 'a.log');
    const errors: Error[] = [];
    const log = new LogFile(file, { maxBuffer: 4096, onError: (err) => errors.push(err) });
    const line = `${'x'.repeat(99)}\n`;
    // Written in one go, without yielding: the disk cannot take any of it meanwhile.
    for (let i = 0; i < 1000; i++) log.write(line);
    expect(log.dropped).toBeGreaterThan(900);
    log.flushSync();
    await waitFor(async () => lines(file).length === 1000 - log.dropped);
    expect(lines(file).every((l) => l === line.trim())).toBe(true);
    expect(errors).toEqual([]);
  });

  it('reopen: lines before it stay in the renamed file, lines after it go to a new file at the path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logfile-')), 'a.log');
    const log = new LogFile(file, { maxBuffer: 1 << 20, onError: (err) => expect.fail(err.message) });
    log.write('before\n');
    renameSync(file, `${file}.1`);
    log.reopen();
    log.write('after\n');
    await waitFor(async () => {
      try {
        return lines(file).length === 1 && lines(`${file}.1`).length === 1;
      } catch {
        return false;
      }
    });
    expect(lines(`${file}.1`)).toEqual(['before']);
    expect(lines(file)).toEqual(['after']);
  });
});
