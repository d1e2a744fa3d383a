<?php

/*
|--------------------------------------------------------------------------
| Laravel behind the Node front door (laravel-rust/bridge)
|--------------------------------------------------------------------------
|
| Each list is appended to the app's `laravel-rust` config by the probe kit's
| service provider.
| Read by the PHP workers of the Node front door (php/src/Laravel): after
| every request the bridge forgets the container instances listed in `flush`.
| php-fpm ignores it.
|
*/

return [

    /*
    | Singletons of this app that hold per-request state: forgotten after
    | every request, so the next one gets a fresh instance.
    */
    'flush' => [
        LaravelRust\TestProbes\Support\RequestLedger::class,
    ],

    /*
    | Resolved once at boot and shared by every request (as Octane's `warm`):
    | the Counter of GET /api/counter keeps counting in a long-lived worker.
    */
    'warm' => [
        LaravelRust\TestProbes\Support\Counter::class,
    ],

];
