<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/** Cookie::queue() leftovers of a request that failed before AddQueuedCookiesToResponse ran. */
final class FlushQueuedCookies implements ResetStep
{
    public function reset(Application $app, ?Request $request): ?string
    {
        FrameworkInternals::sharedInstance($app, 'cookie')?->flushQueuedCookies();

        return null;
    }
}
