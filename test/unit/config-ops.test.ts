/** The operations block of src/config.ts: SHUTDOWN_DELAY, ACCESS_LOG, ACCESS_LOG_FORMAT. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'cfg-ops-'));
const load = (env: Record<string, string> = {}) => loadConfig({ env, cwd: dir });

describe('operations settings', () => {
  it('defaults: no drain delay, no access log, combined format', () => {
    const config = load();
    expect(config.shutdownDelayMs).toBe(0);
    expect(config.accessLog).toBeNull();
    expect(config.accessLogFormat).toBe('combined');
  });
  it('reads them; ACCESS_LOG is resolved against the working directory', () => {
    const config = load({ SHUTDOWN_DELAY: '2.5', ACCESS_LOG: 'logs/access.log', ACCESS_LOG_FORMAT: 'json' });
    expect(config.shutdownDelayMs).toBe(2500);
    expect(config.accessLog).toBe(join(dir, 'logs', 'access.log'));
    expect(config.accessLogFormat).toBe('json');
  });
  it('a bad value names the variable and the value', () => {
    expect(() => load({ SHUTDOWN_DELAY: '-1' })).toThrow(/"SHUTDOWN_DELAY".*"-1"/);
    expect(() => load({ ACCESS_LOG_FORMAT: 'apache' })).toThrow(/ACCESS_LOG_FORMAT.*apache/);
  });
});
