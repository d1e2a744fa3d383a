import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const load = (env: Record<string, string> = {}) => loadConfig({ env, cwd: mkdtempSync(join(tmpdir(), 'cfg-')) });
const failure = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('TLS and rate-limit settings', () => {
  it('are off by default', () => {
    expect(load()).toMatchObject({
      tlsCertFile: null,
      tlsKeyFile: null,
      tlsPassphrase: null,
      httpRedirectPort: null,
      rateLimit: 0,
      rateLimitBurst: 1,
      rateLimitTableSize: 1_048_576,
      rateLimitExempt: [],
    });
  });

  it('resolve the certificate paths against the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cfg-'));
    const config = loadConfig({ env: { TLS_CERT_FILE: 'tls/cert.pem', TLS_KEY_FILE: '/etc/key.pem', TLS_PASSPHRASE: 'pw', HTTP_REDIRECT_PORT: '8081' }, cwd });
    expect(config).toMatchObject({ tlsCertFile: join(cwd, 'tls/cert.pem'), tlsKeyFile: '/etc/key.pem', tlsPassphrase: 'pw', httpRedirectPort: 8081 });
  });

  it('RATE_LIMIT_BURST defaults to twice the rate; the table size is rounded up to a power of two', () => {
    expect(load({ RATE_LIMIT: '50' })).toMatchObject({ rateLimit: 50, rateLimitBurst: 100 });
    expect(load({ RATE_LIMIT: '5', RATE_LIMIT_BURST: '7', RATE_LIMIT_TABLE_SIZE: '3000', RATE_LIMIT_EXEMPT: '/metrics, /status' })).toMatchObject({
      rateLimitBurst: 7,
      rateLimitTableSize: 4096,
      rateLimitExempt: ['/metrics', '/status'],
    });
  });

  it.each([
    [{ TLS_CERT_FILE: '/c.pem' }, /"TLS_CERT_FILE" and "TLS_KEY_FILE" must be set together.*"TLS_KEY_FILE" is not set/],
    [{ TLS_KEY_FILE: '/k.pem' }, /"TLS_CERT_FILE" is not set/],
    [{ HTTP_REDIRECT_PORT: '8081' }, /"HTTP_REDIRECT_PORT" redirects to https and needs TLS/],
    [{ HTTP_REDIRECT_PORT: '70000', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k' }, /"HTTP_REDIRECT_PORT" must be an integer from 1 to 65535.*"70000"/],
    [{ RATE_LIMIT: '-1' }, /"RATE_LIMIT" must be an integer from 0 to 1000000 \(requests per second, 0 = off\).*"-1"/],
    [{ PIPELINE_WINDOW_MS: '-5' }, /"PIPELINE_WINDOW_MS" must be an integer from 0 to 60000 \(milliseconds, 0 = no pipelining\).*"-5"/],
    [{ RATE_LIMIT: 'ten' }, /RATE_LIMIT.*"ten"/],
    [{ RATE_LIMIT: '5', RATE_LIMIT_BURST: '0' }, /"RATE_LIMIT_BURST" must be an integer from 1/],
    [{ RATE_LIMIT_TABLE_SIZE: '10' }, /"RATE_LIMIT_TABLE_SIZE" must be an integer from 1024/],
    [{ RATE_LIMIT_EXEMPT: 'metrics' }, /"RATE_LIMIT_EXEMPT" must be a URL path starting with "\/"/],
  ])('%j is refused', (env, message) => {
    expect(failure(env)).toMatch(message);
  });
});
