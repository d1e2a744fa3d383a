<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Container\Container;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Support\Facades\Facade;

/** Makes $app the application that app(), the container and the facades answer with. */
final class CurrentApplication
{
    public static function set(Application $app): void
    {
        $app->instance('app', $app);
        $app->instance(Container::class, $app);
        Container::setInstance($app);
        // Facades cache what they resolved: from now on they resolve from $app.
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication($app);
    }
}
