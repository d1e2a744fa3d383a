<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/** Guards cache the authenticated user: a long-lived auth manager forgets its guards. */
final class FlushAuthenticationState implements ResetStep
{
    public function reset(Application $app, ?Request $request): ?string
    {
        if ($app->resolved('auth.driver')) {
            $app->forgetInstance('auth.driver');
        }
        FrameworkInternals::sharedInstance($app, 'auth')?->forgetGuards();

        return null;
    }
}
