<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Events;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Symfony\Component\HttpFoundation\Response;

/** The kernel produced the response; it has not been sent yet. */
final class RequestHandled
{
    public function __construct(
        public readonly Application $sandbox,
        public readonly Request $request,
        public readonly Response $response,
    ) {
    }
}
