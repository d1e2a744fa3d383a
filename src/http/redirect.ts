/**
 * HTTP_REDIRECT_PORT: a plain listener whose only job is to send clients to https, as nginx's
 * `return 308 https://$host$request_uri;` server block does. 308 (RFC 9110 §15.4.9), not 301,
 * so a POST stays a POST.
 */
import { StartupError } from '../errors.js';
import type { Uws } from './uws.js';

/** A DNS name or IPv4 address, or a bracketed IPv6 literal, optionally with a port (RFC 9110 §7.2). */
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * The https URL for a request that came in over plain HTTP, or null when its Host header is not
 * a host name (no Location is built from what could be a header injection or an open redirect
 * to a path-like value).
 */
export function httpsLocation(host: string, fallbackHost: string, tlsPort: number, path: string, query: string): string | null {
  const value = host === '' ? fallbackHost : host;
  if (!HOST.test(value)) return null;
  // Drop the port the client used for plain HTTP; add the TLS port unless it is https's default.
  const name = value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : value.replace(/:\d+$/, '');
  const port = tlsPort === 443 ? '' : `:${tlsPort}`;
  return `https://${name}${port}${path}${query === '' ? '' : `?${query}`}`;
}

export class RedirectListener {
  readonly #uws: typeof Uws;
  readonly #app: Uws.TemplatedApp;
  #token: Uws.us_listen_socket | null = null;

  constructor(uws: typeof Uws, readonly host: string, readonly port: number, tlsPort: number) {
    this.#uws = uws;
    const app = uws.App();
    // A literal IPv6 listen address needs brackets in a URL.
    const fallback = host.includes(':') ? `[${host}]` : host;
    app.any('/*', (res, req) => {
      // Synchronous: nothing from req is used after this call.
      const location = httpsLocation(req.getHeader('host'), fallback, tlsPort, req.getUrl(), req.getQuery() ?? '');
      res.cork(() => {
        if (location === null) {
          res.writeStatus('400 Bad Request').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('Bad Request: invalid Host header\n', true);
          return;
        }
        res.writeStatus('308 Permanent Redirect').writeHeader('Location', location).writeHeader('Content-Type', 'text/plain; charset=utf-8').end(`Redirecting to ${location}\n`);
      });
    });
    this.#app = app;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#app.listen(this.host, this.port, (token) => {
        if (!token) {
          reject(new StartupError('SOCKET_IN_USE', `cannot listen on ${this.host}:${this.port}: the port is in use or the address is not available (HTTP_REDIRECT_PORT)`));
          return;
        }
        this.#token = token;
        resolve(this.#uws.us_socket_local_port(token));
      });
    });
  }

  close(): void {
    if (this.#token) this.#uws.us_listen_socket_close(this.#token);
    this.#token = null;
  }
}
