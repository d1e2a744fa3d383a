<?php

use Illuminate\Http\Request;
use Illuminate\Support\Facades\Route;

/*
| Routes of the edge suites (test/tls.test.ts, test/rate-limit.test.ts): what Laravel makes of
| the connection the front door describes (scheme, port, generated URLs, the client address).
*/

Route::get('/edge/scheme', function (Request $request) {
    return response()->json([
        'secure' => $request->secure(),
        'scheme' => $request->getScheme(),
        'port' => $request->getPort(),
        'https' => $request->server('HTTPS'),
        'server_port' => $request->server('SERVER_PORT'),
        'url' => url('/'),
        'route_url' => url('/api/edge/scheme'),
        'ip' => $request->ip(),
    ]);
});
