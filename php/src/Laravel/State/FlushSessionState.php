<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Session stores kept by a long-lived session manager: their attributes emptied and a new id
 * given (as Octane's FlushSessionState), so the next request's StartSession loads its own session
 * by its own cookie. The Store objects are kept: the Redirector and others captured them.
 * regenerate() also clears a DatabaseSessionHandler's "exists" flag.
 */
final class FlushSessionState implements ResetStep
{
    public function reset(Application $app, ?Request $request): ?string
    {
        $manager = FrameworkInternals::sharedInstance($app, 'session');
        if ($manager === null) {
            return null;
        }
        foreach (method_exists($manager, 'getDrivers') ? $manager->getDrivers() : [] as $store) {
            // StartSession's save() clears isStarted(): also look at the attributes still held.
            $used = (method_exists($store, 'isStarted') && $store->isStarted())
                || (method_exists($store, 'all') && $store->all() !== []);
            if (!$used) {
                continue;
            }
            $store->flush();
            $store->regenerate();
        }

        return null;
    }
}
