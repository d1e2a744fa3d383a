<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Events;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Symfony\Component\HttpFoundation\Response;

/**
 * The response was sent and the kernel terminated; the worker's own reset runs right after the
 * listeners of this event. A listener here is where an app resets state of its own.
 */
final class RequestTerminated
{
    public function __construct(
        public readonly Application $app,
        public readonly Application $sandbox,
        public readonly Request $request,
        public readonly Response $response,
    ) {
    }
}
