<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use Illuminate\Contracts\View\View;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

class HomeController
{
    /**
     * GET / — a Blade page rendered through a layout. Kept deterministic
     * (no CSRF token, timestamps or PIDs in the markup) so its body can be
     * compared byte-for-byte between the Node front door and nginx + php-fpm.
     */
    public function index(): View
    {
        return view('probes::welcome', [
            'title' => 'Laravel behind the Node front door',
            'laravelVersion' => app()->version(),
            'phpVersion' => PHP_MAJOR_VERSION.'.'.PHP_MINOR_VERSION,
            'endpoints' => [
                'GET /api/ping',
                'GET /api/users',
                'POST /api/users',
                'GET /api/users/{user}',
                'ANY /api/echo',
                'GET /api/headers',
                'GET /api/big?bytes=N',
                'POST /api/upload-size',
                'GET /api/boom',
                'GET /api/sleep?ms=N',
                'GET /api/status/{code}',
                'GET /api/pid',
                'GET /api/counter',
                'GET /api/stdout',
                'GET /session',
            ],
        ]);
    }

    /**
     * GET /session — a web-group route that round-trips the session cookie:
     * every call by the same client increments a value stored in the session.
     */
    public function session(Request $request): JsonResponse
    {
        $visits = (int) $request->session()->get('visits', 0) + 1;
        $request->session()->put('visits', $visits);

        return response()->json(['visits' => $visits]);
    }
}
