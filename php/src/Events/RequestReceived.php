<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Events;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;

/**
 * A request arrived and its sandbox exists: $sandbox is the per-request clone of $app that serves
 * it (bind request-scoped things there), $app the long-lived application it was cloned from.
 */
final class RequestReceived
{
    public function __construct(
        public readonly Application $app,
        public readonly Application $sandbox,
        public readonly Request $request,
    ) {
    }
}
