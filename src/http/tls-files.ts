/**
 * Reads and checks the TLS certificate and key before uWS sees them. uWS's SSLApp only says
 * "App construction failed" (or, for some bad files, serves handshakes that fail), never which
 * file is wrong; node:crypto parses the same PEM and tells us, so a bad deploy names the file.
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StartupError } from '../errors.js';

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  passphrase: string | null;
}

export interface CheckedTlsFiles extends TlsSettings {
  /** sha256 of certificate + key bytes: a reload with unchanged files keeps the running listener. */
  fingerprint: string;
  /** The leaf certificate's subject, serial and expiry, for the log. */
  subject: string;
  serial: string;
  validTo: string;
  expired: boolean;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new StartupError('TLS_INVALID', `${variable} "${path}" cannot be read (${code})`, { cause: err });
  }
}

/** Throws a TLS_INVALID StartupError naming the file (and variable) that is missing, unreadable or wrong. */
export function checkTlsFiles(settings: TlsSettings, now = Date.now()): CheckedTlsFiles {
  const certPem = readPem(settings.certFile, 'TLS_CERT_FILE');
  const keyPem = readPem(settings.keyFile, 'TLS_KEY_FILE');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new StartupError('TLS_INVALID', `TLS_CERT_FILE "${settings.certFile}" is not a PEM certificate (${(err as Error).message})`, { cause: err });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(settings.passphrase === null ? { key: keyPem } : { key: keyPem, passphrase: settings.passphrase });
  } catch (err) {
    const hint = /passphrase|decrypt|bad decrypt/i.test((err as Error).message) ? '; is TLS_PASSPHRASE right?' : '';
    throw new StartupError('TLS_INVALID', `TLS_KEY_FILE "${settings.keyFile}" is not a usable PEM private key (${(err as Error).message}${hint})`, { cause: err });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new StartupError('TLS_INVALID', `TLS_KEY_FILE "${settings.keyFile}" is not the private key of the certificate in TLS_CERT_FILE "${settings.certFile}"`);
  }
  return {
    ...settings,
    fingerprint: createHash('sha256').update(certPem).update(keyPem).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
    serial: cert.serialNumber,
    validTo: cert.validTo,
    expired: Date.parse(cert.validTo) < now,
  };
}
