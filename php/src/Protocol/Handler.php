<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Turns one protocol Request into one Response. Called by the Worker for one request at a time.
 * An exception that escapes becomes an ERROR frame {"code":"APP_ERROR"} (logged in full on stderr).
 *
 * A handler that also implements TerminableHandler gets afterResponse() once the response has
 * been written to the socket (and even when handle() threw), for work that must not delay the
 * client: Laravel's terminate() and the per-request state reset.
 */
interface Handler
{
    public function handle(Request $request): Response;
}
