<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Events;

use Illuminate\Contracts\Foundation\Application;

/** The worker booted the application and is about to serve its first request. */
final class WorkerStarting
{
    public function __construct(public readonly Application $app)
    {
    }
}
