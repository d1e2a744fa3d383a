<?php

namespace App\Http\Middleware;

use Illuminate\Foundation\Http\Middleware\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    /**
     * The URIs that should be excluded from CSRF verification.
     *
     * The api routes do not use the "web" group at all; the exclusion is kept
     * here as a safety net in case an api route ever gets the web middleware.
     *
     * @var array<int, string>
     */
    protected $except = [
        'api/*',
    ];
}
