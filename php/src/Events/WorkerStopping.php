<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Events;

use Illuminate\Contracts\Foundation\Application;

/** The worker is leaving (stop signal, recycling, parent gone) after its last request. */
final class WorkerStopping
{
    public function __construct(public readonly Application $app)
    {
    }
}
