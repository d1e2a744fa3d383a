/**
 * Loads uWebSockets.js's native binary and nothing else.
 *
 * The npm package we install it from silently falls back to a slow pure-Node implementation
 * when the binary does not load (or when UWS_USE_FALLBACK is set). A front door that quietly
 * runs ten times slower is worse than one that refuses to start, so we require the binary for
 * this platform and Node ABI ourselves, and fail with a message that says what to do.
 */
import { createRequire } from 'node:module';
import { StartupError } from '../errors.js';

export type * as Uws from 'uWebSockets.js';
import type * as UwsModule from 'uWebSockets.js';

const require = createRequire(import.meta.url);

/** The binary's file name for this machine, e.g. `uws_linux_x64_115.node`. */
export function nativeBinaryName(): string {
  return `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
}

export function loadNativeUws(env: NodeJS.ProcessEnv = process.env): typeof UwsModule {
  const fallback = env['UWS_USE_FALLBACK'];
  if (fallback !== undefined && fallback !== '' && fallback !== '0' && fallback.toLowerCase() !== 'false') {
    throw new StartupError(
      'UWS_NOT_NATIVE',
      `UWS_USE_FALLBACK=${fallback} asks uWebSockets.js for its slow pure-Node fallback; this server only runs on the native binary. Unset UWS_USE_FALLBACK.`,
    );
  }
  const packageDir = require.resolve('uWebSockets.js/package.json').replace(/package\.json$/, '');
  const binary = `${packageDir}binaries/${nativeBinaryName()}`;
  try {
    return require(binary) as typeof UwsModule;
  } catch (err) {
    throw new StartupError(
      'UWS_NOT_NATIVE',
      `the native uWebSockets.js binary ${nativeBinaryName()} could not be loaded (${(err as Error).message.split('\n')[0]}). ` +
        `It needs Linux/macOS/Windows on x64 or arm64 with Node ${process.versions.node} (ABI ${process.versions.modules}) and glibc >= 2.36 on Linux. ` +
        'Run `npm ci` again, or use Node 20 on Debian 12 or newer.',
      { cause: err },
    );
  }
}
