import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../src/errors.js';
import { checkTlsFiles } from '../../src/http/tls-files.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-unit-'));
const cert = join(dir, 'c.pem');
const key = join(dir, 'k.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=unit', '-keyout', key, '-out', cert], { stdio: 'ignore' });

describe('checkTlsFiles', () => {
  it('accepts a matching certificate and key, and tells when it expires', () => {
    const checked = checkTlsFiles({ certFile: cert, keyFile: key, passphrase: null });
    expect(checked).toMatchObject({ certFile: cert, keyFile: key, subject: 'CN=unit', expired: false });
    expect(checked.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // Past its notAfter date it is still loaded (the log warns), so a late renewal does not take the site down.
    expect(checkTlsFiles({ certFile: cert, keyFile: key, passphrase: null }, Date.now() + 3 * 86_400_000).expired).toBe(true);
  });

  it('names the unreadable file and the variable', () => {
    const error = (() => {
      try {
        checkTlsFiles({ certFile: dir, keyFile: key, passphrase: null });
      } catch (err) {
        return err as StartupError;
      }
      throw new Error('accepted a directory');
    })();
    expect(error).toBeInstanceOf(StartupError);
    expect(error.code).toBe('TLS_INVALID');
    expect(error.message).toBe(`TLS_CERT_FILE "${dir}" cannot be read (EISDIR)`);
  });
});
