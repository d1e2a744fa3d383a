<?php

/**
 * The benchmark's plain handler: 200 text/plain "hello", nothing else. It measures the bridge's
 * own overhead (socket, frames, loop), so the Response is built once and reused.
 *
 *     BRIDGE_APP=plain BRIDGE_HANDLER=php/handlers/hello.php php php/bin/worker.php
 */

use LaravelRust\Bridge\Protocol\Request;
use LaravelRust\Bridge\Protocol\Response;

$response = new Response(200, [['Content-Type', 'text/plain']], 'hello');

return static fn (Request $request): Response => $response;
