<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Facade;

/**
 * Scoped instances ($app->scoped(): Context, defer()'s callbacks, ...) and the app's own list,
 * config('laravel-rust.flush'): services resolved at boot (or listed in `warm`) that the app
 * still wants fresh in every request.
 */
final class FlushTemporaryInstances implements ResetStep
{
    /** @param list<string> $flush */
    public function __construct(private readonly array $flush)
    {
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if (method_exists($app, 'forgetScopedInstances')) {
            $app->forgetScopedInstances();
        }
        foreach ($this->flush as $abstract) {
            $app->forgetInstance($abstract);
            Facade::clearResolvedInstance($abstract);
        }

        return null;
    }
}
