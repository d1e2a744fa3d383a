<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;

/**
 * One piece of the long-lived application's state put back after every request (also a failed
 * one). A step is built once, after boot, so its constructor can take the boot-time snapshot it
 * restores; reset() runs on the long-lived application once the request's sandbox is gone.
 * Steps only touch services the long-lived application holds: anything a request resolved lives
 * in its sandbox and is dropped with it.
 */
interface ResetStep
{
    /** @return null|string a problem worth a log line (e.g. a transaction left open), or null */
    public function reset(Application $app, ?Request $request): ?string;
}
