<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * app()->terminating() during a request lands on the request's sandbox and goes with it. Code that
 * captured the long-lived application at boot and calls terminating() on it per request would
 * instead grow its list, and every later sandbox (cloned from it) would run those callbacks
 * again: keep the boot-time ones only. (Before the sandbox, this trimming also removed the Blade
 * engine's callback, registered during the first request that rendered a view; now that callback
 * goes to the sandbox and the engine is rebuilt per request, see RestoreViewState.)
 */
final class TrimTerminatingCallbacks implements ResetStep
{
    private int $boot = 0;

    private bool $known;

    public function __construct(Application $app)
    {
        $this->known = FrameworkInternals::has($app, 'terminatingCallbacks');
        if ($this->known) {
            $this->boot = \count(FrameworkInternals::get($app, 'terminatingCallbacks'));
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if (!$this->known) {
            return null;
        }
        $callbacks = FrameworkInternals::get($app, 'terminatingCallbacks');
        if (\count($callbacks) > $this->boot) {
            FrameworkInternals::set($app, 'terminatingCallbacks', \array_slice($callbacks, 0, $this->boot));
        }

        return null;
    }
}
