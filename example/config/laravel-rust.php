<?php

/*
|--------------------------------------------------------------------------
| Laravel behind the Node front door (laravel-rust/bridge)
|--------------------------------------------------------------------------
|
| Read by the PHP workers of the Node front door (php/src/Laravel): after
| every request the bridge resets what Laravel Octane resets, then forgets
| the container instances listed in `flush`. php-fpm ignores this file.
|
*/

return [

    /*
    | Singletons of this app that hold per-request state: forgotten after
    | every request, so the next one gets a fresh instance.
    */
    'flush' => [
        App\Support\RequestLedger::class,
    ],

];
