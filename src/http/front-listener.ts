/**
 * The listener on HTTP_HOST:HTTP_PORT: a plain uWS App, or an SSLApp when TLS_CERT_FILE and
 * TLS_KEY_FILE are set, and the certificate swap on reload.
 *
 * uWS 20.30 cannot change the certificate of a running SSLApp (addServerName only adds SNI
 * contexts, and clients that send no SNI, such as those connecting to an IP address, always get
 * the first one). So a reload with new files builds a second SSLApp with the same handler,
 * listens on the same port (uSockets sets SO_REUSEPORT unless told otherwise), and closes the old
 * listen socket. Connections the old app accepted stay open and keep being served by it; only
 * new connections see the new certificate. Measured on Linux 6.18: connections still waiting in
 * the old socket's accept queue at that moment are reset (about 3 per swap with 16 clients
 * opening TLS connections non-stop), unless `net.ipv4.tcp_migrate_req=1` (Linux 5.14+), which
 * hands them to the new socket: 0 of 523 failed with it. A swap happens only when the files
 * changed, and each keeps one uWS app (tens of KiB: it is never freed in 20.30).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { StartupError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkTlsFiles, type CheckedTlsFiles } from './tls-files.js';
import type { Uws } from './uws.js';

export type Handler = (res: Uws.HttpResponse, req: Uws.HttpRequest) => void;

export type TlsReload = { tls: 'off' | 'unchanged' | 'reloaded' } | { tls: 'failed'; error: string };

export class FrontListener {
  readonly #uws: typeof Uws;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #handler: Handler;
  #files: CheckedTlsFiles | null = null;
  #app: Uws.TemplatedApp;
  #token: Uws.us_listen_socket | null = null;
  /** Apps replaced by a certificate swap: their connections live on until closeConnections. */
  readonly #retired: Uws.TemplatedApp[] = [];
  #closed = false;
  /** Fixed at start: TLS cannot be switched on or off by a reload. */
  readonly tls: boolean;

  /** Throws a TLS_INVALID StartupError when the certificate or key is missing or bad. */
  constructor(uws: typeof Uws, config: Config, log: Logger, handler: Handler) {
    this.#uws = uws;
    this.#config = config;
    this.#log = log;
    this.#handler = handler;
    if (config.tlsCertFile !== null && config.tlsKeyFile !== null) {
      this.#files = this.#check();
      this.#app = this.#tlsApp(this.#files);
    } else {
      this.#app = uws.App();
      this.#app.any('/*', handler);
    }
    this.tls = this.#files !== null;
  }


  listen(): Promise<number> {
    return this.#listen(this.#app).then((token) => {
      this.#token = token;
      if (this.#files) this.#logCertificate('TLS certificate loaded', this.#files);
      return this.#uws.us_socket_local_port(token);
    });
  }

  /**
   * Re-reads the certificate files; when they changed, new connections get the new certificate
   * while open ones carry on. Bad new files are logged and the running certificate stays.
   */
  async reload(): Promise<TlsReload> {
    if (this.#files === null) return { tls: 'off' };
    if (this.#closed || this.#token === null) return { tls: 'unchanged' };
    let files: CheckedTlsFiles;
    let app: Uws.TemplatedApp;
    let token: Uws.us_listen_socket;
    try {
      files = this.#check();
      if (files.fingerprint === this.#files.fingerprint) return { tls: 'unchanged' };
      app = this.#tlsApp(files);
      token = await this.#listen(app);
    } catch (err) {
      const error = (err as Error).message;
      this.#log.error(`TLS reload failed, the running certificate stays: ${error}`);
      return { tls: 'failed', error };
    }
    if (this.#closed) {
      this.#uws.us_listen_socket_close(token);
      return { tls: 'unchanged' };
    }
    // The new socket accepts first, then the old one stops: the port is never closed.
    const old = this.#token;
    this.#token = token;
    this.#retired.push(this.#app);
    this.#app = app;
    this.#files = files;
    if (old) this.#uws.us_listen_socket_close(old);
    this.#logCertificate('TLS certificate reloaded: new connections use it, open ones keep theirs', files);
    if (readMigrateReq() === '0') {
      this.#log.warn('net.ipv4.tcp_migrate_req is 0: connections waiting to be accepted during the certificate swap were reset; set it to 1 for zero-drop swaps');
    }
    return { tls: 'reloaded' };
  }

  /** Stops accepting; open connections are left to finish (the caller drains them). */
  close(): void {
    this.#closed = true;
    if (this.#token) this.#uws.us_listen_socket_close(this.#token);
    this.#token = null;
  }

  /**
   * Closes every connection of every app this listener ran, busy ones included (the caller
   * waits for in-flight requests first). `close()` is in the 20.30 binary but missing from its
   * type definitions (checked: it exists, and closes every socket of the app).
   */
  closeConnections(): void {
    for (const app of [...this.#retired, this.#app]) (app as Uws.TemplatedApp & { close(): void }).close();
  }

  #check(): CheckedTlsFiles {
    return checkTlsFiles({ certFile: this.#config.tlsCertFile!, keyFile: this.#config.tlsKeyFile!, passphrase: this.#config.tlsPassphrase });
  }

  #tlsApp(files: CheckedTlsFiles): Uws.TemplatedApp {
    let app: Uws.TemplatedApp;
    try {
      app = this.#uws.SSLApp({
        cert_file_name: files.certFile,
        key_file_name: files.keyFile,
        ...(files.passphrase === null ? {} : { passphrase: files.passphrase }),
      });
    } catch (err) {
      // node:crypto accepted the files, OpenSSL in uWS did not (an algorithm it lacks, a race with a deploy).
      throw new StartupError('TLS_INVALID', `uWebSockets.js refused TLS_CERT_FILE "${files.certFile}" / TLS_KEY_FILE "${files.keyFile}" (${(err as Error).message})`, { cause: err });
    }
    app.any('/*', this.#handler);
    return app;
  }

  #listen(app: Uws.TemplatedApp): Promise<Uws.us_listen_socket> {
    const { httpHost, httpPort } = this.#config;
    return new Promise((resolve, reject) => {
      app.listen(httpHost, httpPort, (token) => {
        if (token) resolve(token);
        else reject(new StartupError('SOCKET_IN_USE', `cannot listen on ${httpHost}:${httpPort}: the port is in use or the address is not available (HTTP_HOST/HTTP_PORT)`));
      });
    });
  }

  #logCertificate(message: string, files: CheckedTlsFiles): void {
    const fields = { certFile: files.certFile, subject: files.subject, serial: files.serial, validTo: files.validTo };
    if (files.expired) this.#log.warn(fields, `${message}; it has EXPIRED`);
    else this.#log.info(fields, message);
  }
}

function readMigrateReq(): string | null {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  } catch {
    return null;
  }
}
